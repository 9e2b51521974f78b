import { CODEGEN_HELP, FEATURES_HELP, parseArgs, parseCodegen, parseFeatures, UsageError, type Command } from '../args.js'
import { runSpec } from '../spec/runner.js'

const HELP = `usage: cwasm spec [--verbose] [--skips FILE] [-C compiler=NAME] [-W FEATURE]… PATH…

Runs WebAssembly spec tests in the JSON form written by wast2json. PATH is a
.json file or a folder searched for them. Prints each failure, then the plain
line 'N passed, M failed' (', K skipped' when any were skipped). Skips are
listed, each with its reason, in the skip file (default: the one shipped with
this CLI, spec-skips.json).

${CODEGEN_HELP}
${FEATURES_HELP}`

/** `cwasm spec`. */
export const specCommand: Command = async (argv) => {
  const { flags, repeated, positionals } = parseArgs(argv, {
    verbose: { value: false, alias: 'v' },
    skips: { value: true },
    C: { value: true, repeat: true },
    W: { value: true, repeat: true },
    help: { value: false, alias: 'h' },
  })
  if (flags['help']) {
    process.stdout.write(`${HELP}\n`)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('cwasm spec needs at least one PATH')
  const summary = await runSpec(positionals, {
    verbose: flags['verbose'] === true,
    engine: { ...parseFeatures(repeated['W']), ...parseCodegen(repeated['C']) },
    ...(typeof flags['skips'] === 'string' ? { skipsFile: flags['skips'] } : {}),
  })
  const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped` : ''
  process.stdout.write(`${summary.passed} passed, ${summary.failed} failed${skipped}\n`)
  return summary.failed === 0 ? 0 : 1
}

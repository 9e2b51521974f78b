import { CODEGEN_OPTION, defineCommand, FEATURES_OPTION, JSON_OPTION, parseCodegen, parseFeatures, stringFlag, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'
import { runSpec } from '../spec/runner.js'
import { styleFor } from '../term.js'

const DEF: CommandDef = {
  name: 'spec',
  usage: ['[--verbose] [--json] [--skips FILE] [-C compiler=NAME] [-W FEATURE]… PATH…'],
  summary: 'run WebAssembly spec tests (wast2json JSON); ends with "N passed, M failed"',
  description: `Runs WebAssembly spec tests in the JSON form written by wast2json. PATH is a
.json file or a folder searched for them. Prints each failure (the first 50
unless --verbose), then the plain line 'N passed, M failed' (', K skipped'
when any were skipped), the last line on stdout; on a terminal a progress
bar over the scripts is drawn on stderr. Skips are listed, each with its
reason, in the skip file (default: the one shipped with this CLI,
spec-skips.json).`,
  options: {
    verbose: { alias: 'v', help: 'print every failure and skip, and a line per script' },
    skips: { value: 'FILE', help: 'the skip list (JSON) to use instead of the shipped one' },
    json: { ...JSON_OPTION, help: 'print { passed, failed, skipped, scripts, failures: [{ where, message }] }\ninstead of the lines' },
    codegen: CODEGEN_OPTION,
    wasm: FEATURES_OPTION,
  },
  exits: commonExits('a test failed, or a PATH could not be read'),
}

/** `cwasm spec`. */
export const specCommand = defineCommand(DEF, async (parsed) => {
  const { flags, repeated, positionals } = parsed
  if (positionals.length === 0) throw new UsageError('cwasm spec needs at least one PATH')
  const json = flags['json'] === true
  const skipsFile = stringFlag(parsed, 'skips')
  const summary = await runSpec(positionals, {
    verbose: flags['verbose'] === true,
    quiet: json,
    engine: { ...parseFeatures(repeated['wasm']), ...parseCodegen(repeated['codegen']) },
    ...(skipsFile !== undefined ? { skipsFile } : {}),
  })
  if (json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  } else {
    // `scripts/test.mjs` reads this line: exactly this text when stdout is not a terminal.
    const style = styleFor(process.stdout)
    const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped` : ''
    const line = `${summary.passed} passed, ${summary.failed} failed${skipped}`
    process.stdout.write(`${summary.failed ? style.red(line) : style.green(line)}\n`)
  }
  return summary.failed === 0 ? EXIT.ok : EXIT.failed
})

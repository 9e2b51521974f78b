// cwasm: a thin shell over @cybernetic/wasm. Every failure is printed as
// `error[<code>]: <message>` on stderr with a non-zero exit code.
import { readFileSync } from 'node:fs'
import { parseArgs, UsageError, type Command, type DefinedCommand } from './args.js'
import { EXIT } from './exit.js'
import { report } from './report.js'

export { report }

// Each command is imported only when it runs: a `cwasm run` does not pay
// for loading the spec runner.
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  map: async () => (await import('./commands/map.js')).mapCommand,
  compile: async () => (await import('./commands/compile.js')).compileCommand,
  inspect: async () => (await import('./commands/inspect.js')).inspectCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  spec: async () => (await import('./commands/spec.js')).specCommand,
  keygen: async () => (await import('./commands/keygen.js')).keygenCommand,
  cache: async () => (await import('./commands/cache.js')).cacheCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
}

/** The names of every subcommand, in the order `cwasm --help` lists them. */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS)

/** This CLI's version, from its package.json (so a release bump is the only place it changes). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** `cwasm --help`: each command's usage and summary, from the commands' own definitions. */
async function usage(): Promise<string> {
  const lines = ['cwasm: run WebAssembly from Node.js with hard limits (Wasmtime inside)', '', 'usage:']
  for (const [name, load] of Object.entries(COMMANDS)) {
    const def = ((await load()) as Partial<DefinedCommand>).def
    lines.push(`  cwasm ${name} ${def?.usage[0] ?? '…'}`, ...(def ? [`      ${def.summary}`] : []))
  }
  lines.push(
    '  cwasm --version [--json]',
    '      the versions of cwasm and of the Wasmtime inside it',
    '',
    "MODULE is a .wasm, .wat or .cwasm file. 'cwasm COMMAND --help' (or 'cwasm help COMMAND')",
    'shows a command\'s options and exit statuses. Commands that print data take --json.',
    '',
    'environment:',
    '  NO_COLOR                 no colour even on a terminal (output is plain text off a terminal anyway)',
    '  CWASM_CACHE_DIR          the on-disk module cache (default: modules/ in the user cache directory)',
    '  CWASM_ARTIFACT_KEY       the local key artifacts are signed and checked with (default: a per-user key)',
    '  CWASM_BACKGROUND_COMPILE 0: cwasm run leaves no background compile behind',
    '',
    'exit status:',
    `  ${String(EXIT.ok).padEnd(8)}success`,
    `  ${String(EXIT.failed).padEnd(8)}the command failed (invalid module, failed test, refused artifact)`,
    `  ${String(EXIT.usage).padEnd(8)}bad usage: unknown command or option, missing argument`,
    `  ${String(EXIT.internal).padEnd(8)}internal error in cwasm (a bug: please report it)`,
    `  cwasm run: the guest's exit code (0-125), ${EXIT.notStarted} when the module could not start,`,
    `  ${EXIT.stopped} when the guest was stopped (trap, timeout, fuel, memory limit)`,
  )
  return `${lines.join('\n')}\n`
}

/** `cwasm --version [--json]`. */
async function printVersion(argv: string[]): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { json: {}, version: { alias: 'V' } })
  if (positionals.length) throw new UsageError(`--version takes no arguments, got '${positionals.join(' ')}'`)
  const { wasmtimeVersion } = await import('@cybernetic/wasm')
  const v = { cwasm: version(), wasmtime: wasmtimeVersion(), node: process.versions.node, platform: `${process.platform}-${process.arch}` }
  process.stdout.write(flags['json'] ? `${JSON.stringify(v, null, 2)}\n` : `cwasm ${v.cwasm} (wasmtime ${v.wasmtime})\n`)
  return EXIT.ok
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name === 'help' && rest.length) return await main([rest[0]!, '--help'])
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(await usage())
      return name ? EXIT.ok : EXIT.usage
    }
    if (name === '--version' || name === '-V') return await printVersion(argv)
    const load = COMMANDS[name]
    if (!load) throw new UsageError(`unknown command '${name}'; commands are: ${COMMAND_NAMES.join(', ')}`)
    return await (await load())(rest)
  } catch (e) {
    return report(e)
  }
}

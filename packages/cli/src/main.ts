// cwasm: a thin shell over @cybernetic/wasm. Every failure is printed as
// `error[<code>]: <message>` on stderr with a non-zero exit code.
import { type Command } from './args.js'
import { report } from './report.js'

export { report }

// Each command is imported only when it runs: a `cwasm run` does not pay
// for loading the spec runner.
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  compile: async () => (await import('./commands/compile.js')).compileCommand,
  inspect: async () => (await import('./commands/inspect.js')).inspectCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  spec: async () => (await import('./commands/spec.js')).specCommand,
  keygen: async () => (await import('./commands/keygen.js')).keygenCommand,
  cache: async () => (await import('./commands/cache.js')).cacheCommand,
}

const USAGE = `cwasm: run WebAssembly from Node.js with hard limits (Wasmtime inside)

usage:
  cwasm run [--dir H::G] [--env N=V] [--invoke FN] [--timeout 5s] … MODULE [ARGS…]
                                          run a WASI command, or call an export
  cwasm run [--policy FILE] --manifest FILE [ARGS…]   run a plugin in its sandbox
  cwasm compile MODULE -o OUT.cwasm [--sign-key KEY]   precompile to a signed artifact
  cwasm compile DIR --out-dir DIR         precompile every module below DIR
  cwasm keygen [--out NAME]               make an Ed25519 key pair for signing artifacts
  cwasm inspect [--json] [--wat] MODULE   imports, exports, custom sections, features, artifact engine
  cwasm cache stats|clear                 the on-disk module cache
  cwasm validate MODULE…                  check modules without running them
  cwasm spec PATH…                        run WebAssembly spec tests (wast2json JSON)

MODULE is a .wasm, .wat or .cwasm file. Run 'cwasm COMMAND --help' for details.`

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-V') {
    const { wasmtimeVersion } = await import('@cybernetic/wasm')
    process.stdout.write(`cwasm 0.1.0 (wasmtime ${wasmtimeVersion()})\n`)
    return 0
  }
  const load = COMMANDS[name]
  if (!load) {
    process.stderr.write(`error[usage]: unknown command '${name}'; commands are: ${Object.keys(COMMANDS).join(', ')}\n`)
    return 2
  }
  try {
    return await (await load())(rest)
  } catch (e) {
    return report(e)
  }
}

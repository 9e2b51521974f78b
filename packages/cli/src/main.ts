// cwasm: a thin shell over @cybernetic/wasm. Every failure is printed as
// `error[<code>]: <message>` on stderr with a non-zero exit code.
import { runCommand } from './commands/run.js'
import { compileCommand } from './commands/compile.js'
import { inspectCommand } from './commands/inspect.js'
import { validateCommand } from './commands/validate.js'
import { specCommand } from './commands/spec.js'
import { keygenCommand } from './commands/keygen.js'
import { cacheCommand } from './commands/cache.js'
import { UsageError, type Command } from './args.js'
import { report } from './report.js'

export { report }

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  compile: compileCommand,
  inspect: inspectCommand,
  validate: validateCommand,
  spec: specCommand,
  keygen: keygenCommand,
  cache: cacheCommand,
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
  const command = COMMANDS[name]
  if (!command) {
    process.stderr.write(`error[usage]: unknown command '${name}'; commands are: ${Object.keys(COMMANDS).join(', ')}\n`)
    return 2
  }
  try {
    return await command(rest)
  } catch (e) {
    return report(e)
  }
}

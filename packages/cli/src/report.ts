// How the CLI prints a failure: `error[<code>]: <message>` on stderr
// (the `error[<code>]` in red on a terminal with colour).
import { WasmError } from '@cybernetic/wasm'
import { UsageError } from './args.js'
import { EXIT } from './exit.js'
import { styleFor } from './term.js'

/** Prints an error as `error[<code>]: <message>` and returns the exit code. */
export function report(e: unknown): number {
  const { red, bold } = styleFor(process.stderr)
  const head = (code: string) => bold(red(`error[${code}]`))
  if (e instanceof UsageError) {
    process.stderr.write(`${head('usage')}: ${e.message}\n`)
    return EXIT.usage
  }
  if (e instanceof WasmError) {
    process.stderr.write(`${head(e.code)}: ${e.message}\n`)
    if (e.cause instanceof Error) process.stderr.write(`  caused by: ${e.cause.message}\n`)
    return EXIT.failed
  }
  process.stderr.write(`${head('internal')}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  return EXIT.internal
}

// How the CLI prints a failure: `error[<code>]: <message>` on stderr.
import { WasmError } from '@cybernetic/wasm'
import { UsageError } from './args.js'

/** Prints an error as `error[<code>]: <message>` and returns the exit code. */
export function report(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`error[usage]: ${e.message}\n`)
    return 2
  }
  if (e instanceof WasmError) {
    process.stderr.write(`error[${e.code}]: ${e.message}\n`)
    if (e.cause instanceof Error) process.stderr.write(`  caused by: ${e.cause.message}\n`)
    return 1
  }
  process.stderr.write(`error[internal]: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
  return 70
}

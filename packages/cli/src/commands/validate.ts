import { readFile } from 'node:fs/promises'
import { createRuntime, InvalidArgumentError } from '@cybernetic/wasm'
import { parseArgs, UsageError, type Command } from '../args.js'
import { report } from '../report.js'

/** `cwasm validate`: checks each module, reports each failure, exits 1 if any failed. */
export const validateCommand: Command = async (argv) => {
  const { flags, positionals } = parseArgs(argv, { help: { value: false, alias: 'h' } })
  if (flags['help']) {
    process.stdout.write('usage: cwasm validate MODULE…\n\nChecks each module without running it: .wasm and .wat are validated, a .cwasm is verified (header, engine, signature) without being loaded.\n')
    return 0
  }
  if (positionals.length === 0) throw new UsageError('cwasm validate needs at least one MODULE')
  const rt = await createRuntime({ cacheDir: false })
  let failed = 0
  for (const file of positionals) {
    try {
      let bytes: Uint8Array
      try {
        bytes = await readFile(file)
      } catch (e) {
        throw new InvalidArgumentError(`cannot read ${file}: ${(e as Error).message}`)
      }
      try {
        await rt.validate(bytes)
      } catch (e) {
        if (e instanceof Error) e.message = `${file}: ${e.message}`
        throw e
      }
      process.stdout.write(`${file}: valid\n`)
    } catch (e) {
      failed++
      report(e)
    }
  }
  return failed === 0 ? 0 : 1
}

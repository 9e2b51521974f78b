import { readFile } from 'node:fs/promises'
import { createRuntime, InvalidArgumentError, WasmError } from '@cybernetic/wasm'
import { defineCommand, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'
import { Progress } from '../progress.js'
import { report } from '../report.js'
import { styleFor } from '../term.js'

const DEF: CommandDef = {
  name: 'validate',
  usage: ['[--json] MODULE…'],
  summary: 'check modules without running them',
  description: `Checks each module without running it: .wasm and .wat are validated, a
.cwasm is verified (header, engine, signature) without being loaded. Prints
'FILE: valid' for each good one and error[<code>] for each bad one, with a
progress bar on a terminal (stderr) when there are several.`,
  options: {
    json: { help: 'print [{ file, valid, error: { code, message } | null }] instead' },
  },
  exits: commonExits('a module is invalid or could not be read'),
}

/** `cwasm validate`: checks each module, reports each failure, exits 1 if any failed. */
export const validateCommand = defineCommand(DEF, async ({ flags, positionals }) => {
  if (positionals.length === 0) throw new UsageError('cwasm validate needs at least one MODULE')
  const json = flags['json'] === true
  const rt = await createRuntime({ cacheDir: false })
  const bar = new Progress({ total: positionals.length, label: 'validate' })
  const green = styleFor(process.stdout).green
  const results: { file: string; valid: boolean; error: { code: string; message: string } | null }[] = []
  for (const [i, file] of positionals.entries()) {
    if (positionals.length > 1) bar.update(i, file)
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
      results.push({ file, valid: true, error: null })
      if (!json) bar.log(`${file}: ${green('valid')}`)
    } catch (e) {
      if (!(e instanceof WasmError)) throw e
      results.push({ file, valid: false, error: { code: e.code, message: e.message } })
      bar.done()
      if (!json) report(e)
    }
  }
  bar.done()
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
  return results.every((r) => r.valid) ? EXIT.ok : EXIT.failed
})

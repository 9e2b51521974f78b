import { readFile, writeFile } from 'node:fs/promises'
import { createRuntime, InvalidArgumentError } from '@cybernetic/wasm'
import { parseArgs, UsageError, type Command } from '../args.js'

const HELP = `usage: cwasm compile MODULE -o OUT.cwasm

Precompiles MODULE (.wasm or .wat) into a signed artifact for this machine's
engine. The artifact is signed with CWASM_ARTIFACT_KEY if set, else with a
per-user key; loading verifies the signature before anything is deserialized.`

/** `cwasm compile`. */
export const compileCommand: Command = async (argv) => {
  const { flags, positionals } = parseArgs(argv, { output: { value: true, alias: 'o' }, help: { value: false, alias: 'h' } })
  if (flags['help']) {
    process.stdout.write(`${HELP}\n`)
    return 0
  }
  const [file] = positionals
  if (!file || positionals.length > 1) throw new UsageError('cwasm compile takes one MODULE; see cwasm compile --help')
  const out = typeof flags['output'] === 'string' ? flags['output'] : file.replace(/\.(wasm|wat)$/i, '') + '.cwasm'
  let bytes: Uint8Array
  try {
    bytes = await readFile(file)
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${file}: ${(e as Error).message}`)
  }
  const rt = await createRuntime()
  const artifact = rt.precompile(bytes)
  await writeFile(out, artifact)
  process.stdout.write(`wrote ${out} (${artifact.length} bytes)\n`)
  return 0
}

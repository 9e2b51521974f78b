import { createRuntime } from '@cybernetic/wasm'
import { parseArgs, UsageError, type Command } from '../args.js'

/** `cwasm inspect`: imports and exports with their full types. */
export const inspectCommand: Command = async (argv) => {
  const { flags, positionals } = parseArgs(argv, { json: { value: false }, help: { value: false, alias: 'h' } })
  if (flags['help']) {
    process.stdout.write('usage: cwasm inspect [--json] MODULE\n')
    return 0
  }
  const [file] = positionals
  if (!file || positionals.length > 1) throw new UsageError('cwasm inspect takes one MODULE')
  const rt = await createRuntime()
  const mod = await rt.loadModule(file)
  if (flags['json']) {
    process.stdout.write(`${JSON.stringify({ name: mod.name, hash: mod.hash, imports: mod.imports, exports: mod.exports }, null, 2)}\n`)
    return 0
  }
  process.stdout.write(`module ${mod.name ?? '(unnamed)'}  sha256 ${mod.hash}\n`)
  process.stdout.write(`imports (${mod.imports.length}):\n`)
  for (const i of mod.imports) process.stdout.write(`  ${i.module}::${i.name}: ${i.type.text}\n`)
  process.stdout.write(`exports (${mod.exports.length}):\n`)
  for (const e of mod.exports) process.stdout.write(`  ${e.name}: ${e.type.text}\n`)
  return 0
}

import { readFile } from 'node:fs/promises'
import {
  createRuntime,
  inspectModule,
  InvalidArgumentError,
  isArtifact,
  moduleText,
  readArtifactHeader,
  WasmError,
  type Module,
} from '@cybernetic/wasm'
import { defineCommand, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'

const DEF: CommandDef = {
  name: 'inspect',
  usage: ['[--json] [--wat] MODULE'],
  summary: 'imports, exports, custom sections, features; for a .cwasm, its engine and signature',
  description: `Lists a module's imports and exports with their types, its custom sections
and the WebAssembly features it uses; for a .cwasm artifact, also the engine
it was built for (Wasmtime version and every engine setting), how it is
signed, and whether this runtime accepts it.`,
  options: {
    json: { help: 'print everything as one JSON object' },
    wat: { help: 'print the text form of a .wasm or .wat instead' },
  },
  exits: commonExits('the module could not be read or compiled, or this runtime refuses the artifact'),
}

/** `cwasm inspect`. */
export const inspectCommand = defineCommand(DEF, async ({ flags, positionals }) => {
  const [file] = positionals
  if (!file || positionals.length > 1) throw new UsageError('cwasm inspect takes one MODULE')
  const bytes = await readFile(file).catch((e: Error) => {
    throw new InvalidArgumentError(`cannot read ${file}: ${e.message}`)
  })
  const artifact = isArtifact(bytes)
  if (flags['wat']) {
    if (artifact) throw new UsageError('a .cwasm artifact holds compiled code, not wasm: --wat needs the .wasm or .wat it was made from')
    process.stdout.write(moduleText(bytes))
    return 0
  }
  const rt = await createRuntime({ cacheDir: false })
  const header = artifact ? readArtifactHeader(bytes) : null
  let mod: Module | null = null
  let refused: WasmError | null = null
  try {
    mod = await rt.loadModule(file)
  } catch (e) {
    if (!(artifact && e instanceof WasmError)) throw e
    refused = e
  }
  const inspection = artifact ? null : inspectModule(bytes)
  if (flags['json']) {
    const out = {
      file,
      kind: artifact ? 'artifact' : bytes[0] === 0 ? 'wasm' : 'wat',
      name: mod?.name ?? null,
      hash: mod?.hash ?? header?.wasmSha256 ?? null,
      imports: mod?.imports ?? null,
      exports: mod?.exports ?? null,
      ...(inspection ? { size: inspection.size, customSections: inspection.customSections, features: inspection.features } : {}),
      ...(header ? { artifact: { ...header, accepted: refused === null, refusal: refused ? { code: refused.code, message: refused.message } : null } } : {}),
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
    return refused ? EXIT.failed : EXIT.ok
  }
  const w = (s: string) => process.stdout.write(`${s}\n`)
  if (header) {
    w(`artifact (format ${header.version}) of the module sha256 ${header.wasmSha256}, ${header.payloadBytes} bytes of code`)
    w(`  built by Wasmtime ${header.meta['wasmtime'] ?? '?'}, weave ${header.meta['weave'] ?? '?'}`)
    w(`  signed ${header.signature === 'ed25519' ? `by the Ed25519 key ${header.keyId}` : `with a local key (id ${header.keyId.slice(0, 16)}…)`}`)
    w(`  engine: ${Object.entries(header.meta).filter(([k]) => k.startsWith('engine.')).map(([k, v]) => `${k.slice(7)}=${v}`).join(' ')}`)
    w(refused ? `  refused by this runtime: error[${refused.code}]: ${refused.message}` : '  accepted by this runtime')
  }
  if (mod) {
    w(`module ${mod.name ?? '(unnamed)'}  sha256 ${mod.hash}`)
    w(`imports (${mod.imports.length}):`)
    for (const i of mod.imports) w(`  ${i.module}::${i.name}: ${i.type.text}`)
    w(`exports (${mod.exports.length}):`)
    for (const e of mod.exports) w(`  ${e.name}: ${e.type.text}`)
  }
  if (inspection) {
    w(`size ${inspection.size} bytes`)
    w(`custom sections (${inspection.customSections.length}):${inspection.customSections.map((c) => ` ${c.name} (${c.size} B)`).join(',')}`)
    w(`features: ${inspection.features.join(', ') || 'none beyond WebAssembly 1.0'}`)
  }
  return refused ? EXIT.failed : EXIT.ok
})

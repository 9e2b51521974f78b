// WAT text to a binary through the wabt package (the native backend has
// Wasmtime's own parser); loaded once, on the first WebAssembly runtime.
import { createRequire } from 'node:module'
import { CompileError, withCodeFrame } from '../errors.js'

type Wabt = Awaited<ReturnType<typeof import('wabt')>>

const require = createRequire(import.meta.url)
let wabt: Wabt | null = null
let loading: Promise<Wabt> | null = null

/** Loads wabt once (its own wasm build compiles in a few tens of ms). @internal */
export async function loadWabt(): Promise<void> {
  loading ??= (require('wabt') as typeof import('wabt'))().then((w) => (wabt = w))
  await loading
}

const FEATURES = {
  exceptions: true,
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  threads: true,
  function_references: true,
  multi_value: true,
  tail_call: true,
  bulk_memory: true,
  reference_types: true,
  gc: true,
  memory64: true,
  extended_const: true,
  relaxed_simd: true,
}

/** Whether bytes are a binary module (the magic number) rather than text. @internal */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d
}

/**
 * WAT text to a module binary; a parse or validation error is a
 * {@link CompileError} with wabt's 1-based line and column and a code frame.
 * @internal
 */
export function watToBinary(text: string, file: string | null): Uint8Array {
  if (!wabt) throw new CompileError('wabt is not loaded yet (call loadWabt first)', { file })
  let mod: ReturnType<Wabt['parseWat']> | null = null
  try {
    mod = wabt.parseWat(file ?? 'module.wat', text, FEATURES)
    mod.resolveNames()
    mod.validate()
    return mod.toBinary({ write_debug_names: true }).buffer
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    const m = /:(\d+):(\d+): error: ([^\n]*)/.exec(msg)
    const err = m
      ? new CompileError(`${file ?? 'module.wat'}:${m[1]}:${m[2]}: ${m[3]}`, { line: Number(m[1]), column: Number(m[2]), file })
      : new CompileError(msg.trim(), { file })
    throw withCodeFrame(err, text)
  } finally {
    mod?.destroy()
  }
}

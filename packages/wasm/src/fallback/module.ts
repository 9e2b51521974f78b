import { createHash } from 'node:crypto'
import { Module, type ExportType, type ImportType } from '../loader/module.js'
import { CompileError, UnsupportedError } from '../errors.js'
import type { Engine } from '../runtime/engine.js'
import type { BindingModule } from '../runtime/binding.js'
import { readModuleTypes } from './types.js'
import { unsupportedObject } from './capabilities.js'
import { checkMadeHere, checkSource } from '../options/arguments.js'
import { isBinary, watToBinary } from './wat.js'
import { WA, type HostModule } from './host.js'

// Offsets in V8's messages: "... @+123".
function compileError(e: unknown, file: string | null): CompileError {
  const msg = e instanceof Error ? e.message : String(e)
  const at = /@\+(\d+)/.exec(msg)
  return new CompileError(msg.replace(/^WebAssembly\.(Module|compile)\(\): /, ''), { offset: at ? Number(at[1]) : null, file }, { cause: e })
}

/**
 * A module compiled by the host's own `WebAssembly` (see
 * {@link Runtime.capabilities}): a {@link Module} for every call of its
 * runtime, with its imports and exports read from the binary. It has no
 * Wasmtime engine: `engine`, `tier` and `optimized()` throw
 * {@link UnsupportedError}.
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ backend: 'webassembly' })
 * const mod = await rt.loadModule('compute.wat') // a WebAssemblyModule
 * mod.exports // [{ name: 'process', type: { kind: 'func', params: ['i32'], results: ['i32'], … } }]
 * ```
 */
export class WebAssemblyModule extends Module {
  /** The host's compiled module (a `WebAssembly.Module`). @internal */
  readonly compiled: HostModule
  /** The module binary (WAT already turned into it). */
  readonly bytes: Uint8Array
  #types: { imports: ImportType[]; exports: ExportType[] }
  #hash: string | undefined

  /** @internal */
  constructor(compiled: HostModule, bytes: Uint8Array, file: string | null) {
    checkMadeHere(compiled instanceof WA.Module && bytes instanceof Uint8Array, 'WebAssemblyModule', 'modules of the webassembly backend come from rt.loadModule(source) and WebAssemblyModule.fromSource(source, file)')
    super(unsupportedObject<Engine>('module.engine'), unsupportedObject<BindingModule>('this module'), file)
    this.compiled = compiled
    this.bytes = bytes
    this.#types = readModuleTypes(bytes)
  }

  /**
   * Compiles wasm bytes or WAT text (a string, or bytes without the wasm magic number) on the host's `WebAssembly`.
   * @throws {@linkcode CompileError} with V8's message and byte offset, or wabt's line, column and code frame for WAT;
   * {@linkcode InvalidArgumentError} for a source that is neither bytes nor a string
   * @example
   * ```ts
   * const m = await WebAssemblyModule.fromSource('(module (func (export "f")))', null)
   * ```
   */
  static async fromSource(source: Uint8Array | string, file: string | null): Promise<WebAssemblyModule> {
    const bytes = toBinary(source, file)
    try {
      return new WebAssemblyModule(await WA.compile(bytes), bytes, file)
    } catch (e) {
      throw compileError(e, file)
    }
  }

  /**
   * {@link WebAssemblyModule.fromSource} on the calling thread.
   * @throws as {@link WebAssemblyModule.fromSource}
   * @example
   * ```ts
   * const m = WebAssemblyModule.fromSourceSync(bytes, null)
   * ```
   */
  static fromSourceSync(source: Uint8Array | string, file: string | null): WebAssemblyModule {
    const bytes = toBinary(source, file)
    try {
      return new WebAssemblyModule(new WA.Module(bytes), bytes, file)
    } catch (e) {
      throw compileError(e, file)
    }
  }

  /** Every import, in order, with its type (read from the binary). */
  override get imports(): ImportType[] {
    return this.#types.imports
  }

  /** Every export, in order, with its type (read from the binary). */
  override get exports(): ExportType[] {
    return this.#types.exports
  }

  /** Hex SHA-256 of the module's binary form. */
  override get hash(): string {
    this.#hash ??= createHash('sha256').update(this.bytes).digest('hex')
    return this.#hash
  }

  /** Not known on this backend: `null`. */
  override get name(): string | null {
    return null
  }

  /** Wasmtime's compiler tiers do not exist here. @throws {@linkcode UnsupportedError} */
  override get tier(): 'winch' | 'cranelift' {
    throw new UnsupportedError("module.tier is Wasmtime's compiler tier; this module was compiled by the host's WebAssembly", 'engine', 'webassembly')
  }

  /** `null`: there is no tier-up here. */
  override get tierUpMs(): number | null {
    return null
  }

  /**
   * Wasmtime's compiler tiers do not exist here.
   * @throws {@linkcode UnsupportedError}
   * @example
   * ```ts
   * await mod.optimized() // rejects with UnsupportedError on this backend
   * ```
   */
  override async optimized(_timeout?: number): Promise<boolean> {
    throw new UnsupportedError("module.optimized() waits for Wasmtime's optimizing tier; this module was compiled by the host's WebAssembly", 'engine', 'webassembly')
  }
}

function toBinary(source: Uint8Array | string, file: string | null): Uint8Array {
  checkSource(source, 'source')
  if (typeof source === 'string') return watToBinary(source, file)
  return isBinary(source) ? source : watToBinary(new TextDecoder().decode(source), file)
}

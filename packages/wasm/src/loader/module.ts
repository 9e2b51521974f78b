import { Engine } from '../runtime/engine.js'
import { binding, nativeLoadError, type BindingModule } from '../runtime/binding.js'
import { externType, type ExternType } from '../runtime/externs.js'
import { CompileError, fromNative, native, withCodeFrame } from '../errors.js'
import { checkMadeHere, checkMillis, checkOptionsObject, checkSource } from '../options/arguments.js'

/** One import of a module. */
export interface ImportType {
  /** Module name. */
  module: string
  /** Field name. */
  name: string
  /** Its full type. */
  type: ExternType
}

/** One export of a module. */
export interface ExportType {
  /** Export name. */
  name: string
  /** Its full type. */
  type: ExternType
}

/** Options of {@link Module.compile}. */
export interface CompileOptions {
  /**
   * Reuse an earlier compilation of the same bytes for the same engine
   * anywhere in the process (worker threads included).
   * @default true
   */
  cache?: boolean
  /**
   * What the bytes are: `'binary'` refuses anything without the wasm magic
   * number, `'text'` is WAT, `'auto'` decides by the magic number.
   * @default 'auto'
   */
  format?: 'auto' | 'binary' | 'text'
  /**
   * File name used in error messages.
   * @default null
   */
  file?: string | null
}

/**
 * A compiled module, shared process-wide: compiling the same bytes twice for
 * the same engine returns the same code.
 *
 * @example
 * ```ts
 * const mod = Module.compile(Engine.shared(), '(module (func (export "f")))')
 * mod.exports // [{ name: 'f', type: { kind: 'func', params: [], results: [], … } }]
 * ```
 */
export class Module {
  /** The engine this module was compiled for. */
  readonly engine: Engine
  /** @internal */
  readonly binding: BindingModule
  /** The file it came from, if any. */
  readonly file: string | null
  #imports?: ImportType[]
  #exports?: ExportType[]

  /** @internal */
  constructor(engine: Engine, b: BindingModule, file: string | null = null) {
    // Subclasses (the fallback's WebAssemblyModule) check their own arguments.
    checkMadeHere(new.target !== Module || (nativeLoadError === null && b instanceof binding.BindingModule), 'Module', 'modules come from rt.loadModule(source), Module.compile(bytes) and engine.compile(bytes)')
    this.engine = engine
    this.binding = b
    this.file = file
  }

  /**
   * Compiles wasm bytes or WAT text.
   * @throws {@linkcode CompileError} with the validator's message and byte offset; {@linkcode InvalidArgumentError}
   *   when `engine` is not an {@link Engine}, `source` is neither bytes nor a string, or an option is malformed
   * (or line and column for WAT).
   */
  static compile(engine: Engine, source: Uint8Array | string, options: CompileOptions = {}): Module {
    checkSource(source, 'Module.compile(source)')
    checkOptionsObject(options, 'Module.compile(options)')
    const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source
    let b: BindingModule
    try {
      b = native(() => binding.BindingModule.compile(engine.binding, bytes, options.cache ?? true, options.format ?? 'auto'), {
        file: options.file ?? null,
      })
    } catch (e) {
      // WAT errors have a line and column: show the text around them.
      throw e instanceof CompileError ? withCodeFrame(e, source) : e
    }
    return new Module(engine, b, options.file ?? null)
  }

  /**
   * {@link Module.compile} on a native pool thread: the event loop keeps
   * running while a large module compiles.
   * @throws as {@link Module.compile}.
   * @example
   * ```ts
   * const mod = await Module.compileAsync(Engine.shared(), readFileSync('big.wasm'))
   * ```
   */
  static async compileAsync(engine: Engine, source: Uint8Array | string, options: CompileOptions = {}): Promise<Module> {
    const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source
    let b: BindingModule
    try {
      b = await binding.BindingModule.compileAsync(engine.binding, bytes, options.cache ?? true, options.format ?? 'auto')
    } catch (e) {
      const err = fromNative(e, { file: options.file ?? null })
      throw err instanceof CompileError ? withCodeFrame(err, source) : err
    }
    return new Module(engine, b, options.file ?? null)
  }

  /**
   * Checks that bytes are a valid module without compiling them.
   * @throws {@linkcode CompileError} when they are not; {@linkcode InvalidArgumentError} when an argument is of the wrong type.
   */
  static validate(engine: Engine, source: Uint8Array | string, format: 'auto' | 'binary' | 'text' = 'auto'): void {
    checkSource(source, 'Module.validate(source)')
    const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source
    native(() => binding.BindingModule.validate(engine.binding, bytes, format))
  }

  /** Every import, in order, with its full type. */
  get imports(): ImportType[] {
    this.#imports ??= this.binding.imports().map((i) => ({ module: i.module, name: i.name, type: externType(i.ty) }))
    return this.#imports
  }

  /** Every export, in order, with its full type. */
  get exports(): ExportType[] {
    this.#exports ??= this.binding.exports().map((e) => ({ name: e.name, type: externType(e.ty) }))
    return this.#exports
  }

  /**
   * Which compiler's code instances created now get: `'winch'` right
   * after a cold compile with `compiler: 'auto'` (the default), while
   * Cranelift compiles the module in the background; `'cranelift'` once
   * that is done (and for modules from the cache or an artifact);
   * `'winch'` always with `compiler: 'winch'`. See {@link EngineOptions.compiler}.
   * @example
   * const m = await rt.loadModule('big.wasm') // cold: m.tier === 'winch'
   * await m.optimized()                       // now m.tier === 'cranelift'
   */
  get tier(): 'winch' | 'cranelift' {
    return this.binding.tier as 'winch' | 'cranelift'
  }

  /**
   * How long the module's Cranelift code took to be ready after its Winch
   * code was, in ms; `null` until then, and for modules that did not start
   * on Winch code.
   */
  get tierUpMs(): number | null {
    return this.binding.tierUpMs ?? null
  }

  /**
   * Resolves once instances of this module run Cranelift code (`true`; at
   * once for a module that already does), or with `false` after `timeout`
   * ms. It never compiles on the calling thread.
   * @param timeout The longest wait in ms. @default no limit
   * @throws {@linkcode InvalidArgumentError} for a bad timeout; {@linkcode CompileError} (rejected) when the background compile failed.
   * @example
   * if (!(await m.optimized(5000))) console.log('still on Winch code')
   */
  async optimized(timeout?: number): Promise<boolean> {
    if (timeout !== undefined) checkMillis(timeout, 'module.optimized(timeout)')
    if (this.engine.options.compiler === 'winch') return false
    try {
      return await this.binding.waitOptimized(timeout ?? undefined)
    } catch (e) {
      throw fromNative(e, { file: this.file })
    }
  }

  /** The module's name from its name section, if any. */
  get name(): string | null {
    return this.binding.name ?? null
  }

  /** Hex SHA-256 of the module's binary form. */
  get hash(): string {
    return this.binding.hash
  }
}

import { binding, nativeLoadError, type BindingExtern } from '../runtime/binding.js'
import { Func, Global, Memory, Table, Tag, wrapExtern, type Extern } from '../runtime/externs.js'
import type { HostFunction, Store } from '../runtime/store.js'
import type { Module } from './module.js'
import { CancelledError, InvalidArgumentError, native } from '../errors.js'
import { checkMadeHere, checkString, isObject } from '../options/arguments.js'
import { underToken } from '../runtime/token.js'

/** One import value: a JS function, or an item of the same store. */
export type ImportValue = HostFunction | Extern

/**
 * Imports by module and field name, as for `WebAssembly.instantiate`; a
 * module name may also map to an {@link Instance}, importing its exports.
 */
export type Imports = Record<string, Record<string, ImportValue> | Instance>

/**
 * An instantiated module.
 *
 * @example
 * ```ts
 * const instance = store.instantiate(mod)
 * instance.call('process', 42) // 84
 * ```
 */
export class Instance {
  /** The module it was made from. */
  readonly module: Module
  /** The store it lives in. */
  readonly store: Store
  #exports?: Record<string, Extern>
  #funcs?: Map<string, Func>
  // Its index in the store (the addon keeps instances by index).
  #index: number

  private constructor(store: Store, module: Module, index: number) {
    checkMadeHere(isObject(store) && nativeLoadError === null && store.binding instanceof binding.BindingStore && isObject(module) && Number.isInteger(index), 'Instance', 'instances come from store.instantiate(module), rt.instantiate(module) and linker.instantiate(store, module)')
    this.store = store
    this.module = module
    this.#index = index
  }

  /** @internal */
  static create(store: Store, module: Module, imports: Imports): Instance {
    if (module.engine !== store.engine && module.engine.configKey !== store.engine.configKey) {
      throw new InvalidArgumentError('the module was compiled for another engine than the store’s')
    }
    const modules: string[] = []
    const names: string[] = []
    const items: BindingExtern[] = []
    for (const imp of module.imports) {
      const ns = imports[imp.module]
      const value = ns instanceof Instance ? ns.exports[imp.name] : ns?.[imp.name]
      if (value === undefined) continue // reported, with every other missing import, as one LinkError
      let item: BindingExtern
      if (typeof value === 'function') {
        if (imp.type.kind !== 'func') {
          throw new InvalidArgumentError(
            `import ${imp.module}::${imp.name} must be a ${imp.type.kind} but was given a JS function`,
            `imports.${imp.module}.${imp.name}`,
          )
        }
        item = store.func({ params: imp.type.params ?? [], results: imp.type.results ?? [] }, value).binding
      } else if (value instanceof Func || value instanceof Memory || value instanceof Table || value instanceof Global || value instanceof Tag) {
        if (value.store !== store) {
          throw new InvalidArgumentError(
            `import ${imp.module}::${imp.name} belongs to another store; items can only be linked within one store`,
            `imports.${imp.module}.${imp.name}`,
          )
        }
        item = value.binding
      } else {
        throw new InvalidArgumentError(
          `import ${imp.module}::${imp.name} must be a function, Func, Memory, Table or Global`,
          `imports.${imp.module}.${imp.name}`,
        )
      }
      modules.push(imp.module)
      names.push(imp.name)
      items.push(item)
    }
    let index
    try {
      index = store.binding.instantiate(module.binding, modules, names, items)
    } catch (e) {
      throw store.toError(e)
    }
    return new Instance(store, module, index)
  }

  // One export without materialising all of them. A function takes its
  // type from the module's export list and gets its addon handle only when
  // something needs it (a numeric call goes by fast id), so a fresh
  // instance's `func(name).call(...)` makes no extra native object.
  #single(name: string): Extern | undefined {
    const type = this.module.exports.find((x) => x.name === name)?.type
    if (!type) return undefined
    if (type.kind === 'func') {
      const sig = { params: type.params ?? [], results: type.results ?? [] }
      return new Func(this.store, null, sig, { instance: this.#index, name })
    }
    return wrapExtern(this.store, native(() => this.store.binding.instanceExport(this.#index, name)))
  }

  /**
   * Every export by name (a function is the same object {@link Instance.func}
   * returns). A shared memory (`threads` on) is a {@link Memory} whose
   * `type.shared` is true.
   */
  get exports(): Readonly<Record<string, Extern>> {
    if (!this.#exports) {
      const out: Record<string, Extern> = Object.create(null)
      for (const b of native(() => this.store.binding.instanceExports(this.#index))) {
        const name = b.name ?? ''
        // A function already handed out by func() stays the same object.
        out[name] = this.#funcs?.get(name) ?? wrapExtern(this.store, b)
      }
      this.#exports = out
    }
    return this.#exports
  }

  /**
   * An exported function; the same {@link Func} object each time for a name.
   * @throws {@linkcode InvalidArgumentError} when there is no such function.
   */
  func(name: string): Func {
    checkString(name, 'instance.func(name)')
    const known = this.#funcs?.get(name)
    if (known) return known
    const e = this.#exports ? this.#exports[name] : this.#single(name)
    if (!(e instanceof Func)) {
      throw new InvalidArgumentError(
        e ? `the export '${name}' is not a function` : `the module has no export named '${name}'; it exports: ${Object.keys(this.exports).join(', ') || 'nothing'}`,
      )
    }
    this.#funcs ??= new Map()
    this.#funcs.set(name, e)
    return e
  }

  /**
   * An exported memory (the first one when no name is given).
   * @throws {@linkcode InvalidArgumentError} when there is none.
   */
  memory(name?: string): Memory {
    if (name !== undefined) checkString(name, 'instance.memory(name)')
    const e = name === undefined ? Object.values(this.exports).find((x) => x instanceof Memory) : this.exports[name]
    if (!(e instanceof Memory)) {
      const why = name === undefined ? 'the module exports no memory' : e ? `the export '${name}' is not a memory` : `the module has no export named '${name}'`
      throw new InvalidArgumentError(why, 'instance.memory(name)')
    }
    return e
  }

  /**
   * An exported global.
   * @throws {@linkcode InvalidArgumentError} when the export is missing or not a global.
   */
  global(name: string): Global {
    checkString(name, 'instance.global(name)')
    const e = this.exports[name]
    if (!(e instanceof Global)) throw new InvalidArgumentError(`the export '${name}' is not a global`)
    return e
  }

  /**
   * An exported table.
   * @throws {@linkcode InvalidArgumentError} when the export is missing or not a table.
   */
  table(name: string): Table {
    checkString(name, 'instance.table(name)')
    const e = this.exports[name]
    if (!(e instanceof Table)) throw new InvalidArgumentError(`the export '${name}' is not a table`)
    return e
  }

  /**
   * An exported tag (exception handling), to recognise a {@link WasmException}
   * or to throw one from a host function.
   * @throws {@linkcode InvalidArgumentError} when the export is missing or not a tag.
   * @example
   * ```ts
   * const oops = instance.tag('oops')
   * oops.params // ['i32']
   * ```
   */
  tag(name: string): Tag {
    checkString(name, 'instance.tag(name)')
    const e = this.exports[name]
    if (!(e instanceof Tag)) throw new InvalidArgumentError(e ? `the export '${name}' is not a tag` : `the module has no export named '${name}'`)
    return e
  }

  /**
   * Calls `name` with bytes in and bytes out, by the `allocate` convention
   * (README, "Bytes in and out"): the input is copied into memory the guest
   * allocates, `name(ptr, len)` returns `(outPtr << 32) | outLen` as an
   * i64, and the output is copied out; `deallocate` frees both buffers when
   * the guest exports it. Runs on this thread.
   * @throws {@linkcode AbiError} when the guest breaks the convention,
   * {@linkcode TrapError}, {@linkcode TimeoutError}, … as for {@link Func.call}.
   * @example
   * ```ts
   * const out = instance.callBytes('upper', new TextEncoder().encode('hi')) // bytes of 'HI'
   * ```
   */
  callBytes(name: string, input: Uint8Array): Uint8Array {
    if (typeof name !== 'string') throw new InvalidArgumentError('the export name must be a string', 'name')
    if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('a bytes call takes a Uint8Array', 'input')
    return native(() => this.store.binding.callBytes(this.#index, name, input))
  }

  /**
   * {@link Instance.callBytes} on a native pool thread; `signal` cancels it
   * (before it starts, while it runs; after it ended it does nothing).
   * @throws as {@link Instance.callBytes}, and {@linkcode CancelledError} when `signal` aborts.
   * @example
   * ```ts
   * const out = await instance.callBytesAsync('upper', bytes, { signal: AbortSignal.timeout(1000) })
   * ```
   */
  async callBytesAsync(
    name: string,
    input: Uint8Array,
    options: {
      /** Cancels the call (before it starts, or while it runs). @default undefined (only the store's limits stop it) */
      signal?: AbortSignal
    } = {},
  ): Promise<Uint8Array> {
    if (typeof name !== 'string') throw new InvalidArgumentError('the export name must be a string', 'name')
    if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('a bytes call takes a Uint8Array', 'input')
    const signal = options.signal
    if (signal?.aborted) throw new CancelledError('the call was cancelled before it started', { cause: signal.reason })
    return underToken(signal, (token) => this.store.binding.callBytesAsync(this.#index, name, input, token), (e) => this.store.toError(e))
  }

  /**
   * {@link Instance.callBytes} under a call token another thread may cancel (worker placement). @internal
   */
  callBytesWithToken(name: string, input: Uint8Array, token: number): Uint8Array {
    return native(() => this.store.binding.callBytes(this.#index, name, input, token))
  }

  /**
   * Calls an exported function: shorthand for `instance.func(name).call(...args)`.
   * @throws as {@link Func.call}; {@linkcode InvalidArgumentError} when there is no such exported function.
   */
  call(name: string, ...args: unknown[]): unknown {
    return this.func(name).call(...args)
  }
}

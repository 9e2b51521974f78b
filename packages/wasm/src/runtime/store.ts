import { binding, type BindingAudit, type BindingExtern, type BindingStore, type BindingWasiOptions } from './binding.js'
import { registerHostFunction, type HostWrapper } from './host.js'
import { Engine } from './engine.js'
import { Func, Global, Memory, Table, Tag, type FuncType } from './externs.js'
import { decode, encode, isValueType, refClass, SLOT, VALUE_TYPES, type GcKind, type RefTable, type ValueType } from './values.js'
import { GcRef } from './gcref.js'
import { fromNative, InvalidArgumentError, native, WasmException } from '../errors.js'
import { validateStoreLimits } from '../options/validate.js'
import { checkBoolean, checkBytes, checkFuel, checkInstance, checkMillis, checkOptionsObject, checkWhole } from '../options/arguments.js'
import { Module } from '../loader/module.js'
import { Instance, type Imports } from '../loader/instance.js'
import type { StoreLimits } from '../options/options.generated.js'

// How many new externref values a store takes between two sweeps.
const EXTERN_SWEEP = 4096

// The store limits are defined once, in options/definitions.mjs.
export type { StoreLimits } from '../options/options.generated.js'

/** What one call cost. */
export interface CallStats {
  /** Wall-clock time, in milliseconds. */
  wallMs: number
  /** Fuel consumed, or `null` when the engine does not meter fuel. */
  fuelConsumed: number | null
  /** Largest linear memory of the store so far, in bytes. */
  peakMemory: number
}

/**
 * A host function as written in JS: takes and returns wasm values. It may
 * return a Promise when the guest runs off-thread ({@link Func.callAsync}).
 */
export type HostFunction = (...args: any[]) => unknown

/**
 * Where instances live. Instances in one store can share memories, tables,
 * globals and functions; stores are isolated from each other.
 *
 * @example
 * ```ts
 * const store = new Store(Engine.shared(), { maxMemory: 16 << 20 })
 * const instance = store.instantiate(mod, { env: { log: (x: number) => console.log(x) } })
 * ```
 */
export class Store implements RefTable {
  /** The engine of this store. */
  readonly engine: Engine
  /** @internal */
  readonly binding: BindingStore
  // Made on first use: most stores never see a host error or an externref,
  // and a store per call is a common pattern.
  #hostErrors?: Map<number, unknown>
  // Keeps this store's host functions alive (the addon only knows their ids).
  #hostFns?: HostWrapper[]
  #nextHostError = 1
  #externValues?: Map<bigint, unknown>
  #externIds?: Map<unknown, bigint>
  #nextExtern = 1n
  // New externref ids since the last sweep of ids the guest no longer holds.
  #sinceSweep = 0
  // GC objects whose handles were collected, released in one addon call.
  #gcDead: number[] = []
  #gcRegistry?: FinalizationRegistry<number>

  /**
   * A store runs one compiler's code (see {@link EngineOptions.compiler}):
   * with `module` given, the code `module` has best now (its Winch code
   * while its Cranelift code compiles, so the first instances need not
   * wait); without, Cranelift code (instantiating a module whose Cranelift
   * code is still compiling waits for it). Every module instantiated into
   * the store runs that store's tier.
   * @param engine The engine modules must be compiled for. @default Engine.shared()
   * @param limits Limits for the store. @default none beyond the module's own (see {@link StoreLimits})
   * @param module The module the store is made for. @default none
   * @throws {@linkcode InvalidArgumentError} when a limit is invalid, or `module` is not a Module of `engine`.
   * @example
   * const store = new Store(rt.engine, {}, module)
   * store.tier // 'winch' right after a cold compile, 'cranelift' once it is optimized
   */
  constructor(engine: Engine = Engine.shared(), limits?: StoreLimits, module?: Module) {
    checkInstance(engine, Engine, 'new Store(engine)')
    this.engine = engine
    if (limits !== undefined) validateStoreLimits(limits)
    if (module !== undefined) {
      checkInstance(module, Module, 'new Store(engine, limits, module)', 'a compiled Module (see rt.loadModule)')
      if (module.engine !== engine && module.engine.configKey !== engine.configKey) {
        throw new InvalidArgumentError('the module was compiled for another engine config than the store\'s', 'module')
      }
      this.binding = binding.BindingStore.forModule(engine.binding, module.binding, limits)
      return
    }
    // Validated: only known keys, which the addon's struct names the same
    // (and none at all: no options object to read across napi).
    this.binding = limits === undefined ? new binding.BindingStore(engine.binding) : new binding.BindingStore(engine.binding, limits)
  }

  /**
   * Which compiler's code this store's instances run: `'winch'` (a store
   * made for a module still being optimized) or `'cranelift'`.
   */
  get tier(): 'winch' | 'cranelift' {
    return this.binding.tier as 'winch' | 'cranelift'
  }

  /**
   * Instantiates a module with imports given as `{ module: { name: value } }`,
   * where a value is a JS function, a {@link Func}, {@link Memory},
   * {@link Table} or {@link Global} of this store; `{ module: instance }`
   * imports all of an instance's exports.
   * @throws {@linkcode LinkError} listing every missing or mismatched import,
   * {@linkcode TrapError} when the start function traps, {@linkcode InvalidArgumentError}
   * when `module` is not a compiled {@link Module} or `imports` is not an object of objects.
   */
  instantiate(module: Module, imports: Imports = {}): Instance {
    checkInstance(module, Module, 'store.instantiate(module)', 'a compiled Module (see rt.loadModule)')
    checkOptionsObject(imports, 'store.instantiate(imports)')
    return Instance.create(this, module, imports)
  }

  /**
   * Makes a host function with a given signature.
   * @throws {@linkcode InvalidArgumentError} when `type` names an unknown value type or `fn` is not a function.
   *
   * @example
   * ```ts
   * const log = store.func({ params: ['i32'], results: [] }, (x) => console.log(x))
   * ```
   */
  func(type: FuncType, fn: HostFunction): Func {
    checkValueTypes(type, 'store.func(type)')
    if (typeof fn !== 'function') throw new InvalidArgumentError('a host function must be a function', 'store.func(fn)')
    const { params, results } = type
    const encodeResults = (ret: unknown): Uint8Array => {
      const values = results.length === 0 ? [] : results.length === 1 ? [ret] : (ret as unknown[])
      if (results.length > 1 && !Array.isArray(ret)) {
        throw new InvalidArgumentError(`a host function with ${results.length} results must return an array`)
      }
      const out = new Uint8Array(results.length * SLOT)
      const outView = new DataView(out.buffer)
      results.forEach((t, i) => encode(outView, i, t, values[i], this, `host function result ${i}`))
      return out
    }
    const invoke = (argSlots: Uint8Array): unknown => {
      const view = new DataView(argSlots.buffer, argSlots.byteOffset, argSlots.byteLength)
      return fn(...params.map((t, i) => decode(view, i, t, this)))
    }
    const b = native(() => this.binding.hostFunc(params, results, this.#register(invoke, encodeResults)))
    return new Func(this, b, { params: [...params], results: [...results] })
  }

  /**
   * Registers a host function on raw bytes (the WASI stream sinks and
   * sources): `fn` gets the bytes the addon passes and returns the bytes to
   * pass back, or a Promise of them when the guest runs off-thread.
   * Returns its dispatcher id. @internal
   */
  rawHost(fn: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>): number {
    return this.#register(fn, (ret) => {
      if (!(ret instanceof Uint8Array)) throw new InvalidArgumentError('a stream function must give bytes')
      return ret
    })
  }

  // The dispatcher entry of a host function: runs `invoke`, encodes what it
  // returns, and keeps what it throws for the error's `cause`. callId is 0
  // when the guest runs on this thread (the answer must come now), and the
  // id of the waiting guest when it runs on a pool thread (a Promise may
  // answer later, through completeHostCall).
  #register(invoke: (argSlots: Uint8Array) => unknown, encodeResults: (ret: unknown) => Uint8Array): number {
    const stash = (e: unknown): number => {
      const id = this.#nextHostError++
      this.#hostErrors ??= new Map()
      this.#hostErrors.set(id, e)
      return id
    }
    const wrapper: HostWrapper = (argSlots, callId) => {
      try {
        const ret = invoke(argSlots)
        if (ret instanceof Promise) {
          if (callId === 0) {
            void ret.catch(() => {})
            throw new InvalidArgumentError(
              'a host function returned a Promise during a synchronous call; use callAsync (or Runtime.call) to let guests await async host functions',
            )
          }
          // A call stopped meanwhile takes no answer: drop a stashed error.
          const deliver = (out: Uint8Array | number) => {
            if (!binding.completeHostCall(callId, out) && typeof out === 'number') this.#hostErrors?.delete(out)
          }
          ret.then(
            (v) => {
              let out: Uint8Array | number
              try {
                out = encodeResults(v)
              } catch (e) {
                out = stash(e)
              }
              deliver(out)
            },
            (e) => deliver(stash(e)),
          )
          return 0
        }
        return encodeResults(ret)
      } catch (e) {
        if (e instanceof WasmException) {
          // Thrown into the guest: the addon takes a negative id as "throw this exception object".
          try {
            return -this.thrownException(e)
          } catch (why) {
            return stash(why)
          }
        }
        return stash(e)
      }
    }
    this.#hostFns ??= []
    this.#hostFns.push(wrapper)
    return registerHostFunction(wrapper)
  }

  /**
   * Makes a memory. Sizes are in 64 KiB pages. With `shared: true` (an engine
   * with `threads`) it is a shared memory, for modules that import one
   * (`(import "env" "mem" (memory 1 4 shared))`): its `maximum` is required,
   * since a shared memory is reserved at its maximum and grows without asking
   * the store, and that maximum must fit the store's `maxMemory`.
   * @throws {@linkcode InvalidArgumentError} when a size is not a whole number, `maximum` is below `minimum`,
   *   `shared` is not a boolean, a shared memory has no `maximum`, or the engine has no `threads`.
   * @throws {@linkcode MemoryLimitError} when a shared memory's `maximum` passes the store's `maxMemory`.
   * @example
   * ```ts
   * const store = new Store(Engine.shared({ threads: true }), { maxMemory: 16 << 20 })
   * const mem = store.memory({ minimum: 1, maximum: 4, shared: true })
   * const instance = store.instantiate(mod, { env: { mem } })
   * ```
   */
  memory(type: {
    /** The initial size in pages. */
    minimum: number
    /** The most pages it may grow to; required when `shared`. @default undefined (no maximum beyond the engine's and the store's limits) */
    maximum?: number
    /** 64-bit addresses (memory64). @default false */
    memory64?: boolean
    /** A shared memory (the threads proposal; needs an engine with `threads: true` and a `maximum`). @default false */
    shared?: boolean
  }): Memory {
    checkType(type, 'store.memory(type)')
    if (type.memory64 !== undefined && typeof type.memory64 !== 'boolean') {
      throw new InvalidArgumentError(`store.memory(type).memory64 must be true or false, got ${String(type.memory64)}`, 'store.memory(type).memory64')
    }
    if (type.shared !== undefined) checkBoolean(type.shared, 'store.memory(type).shared')
    if (type.shared === true && type.maximum === undefined) {
      throw new InvalidArgumentError(
        'store.memory(type).maximum is required for a shared memory: it is reserved at its maximum and grows without asking the store',
        'store.memory(type).maximum',
      )
    }
    return new Memory(this, native(() => this.binding.newMemory(type.minimum, type.maximum, type.memory64, type.shared)))
  }

  /**
   * Makes a table of a reference type (`funcref`, `externref`, `anyref`, …), every element set to `init`;
   * its indices are 64-bit with `table64: true` (memory64's tables).
   * @throws {@linkcode InvalidArgumentError} when a size is not a whole number, the element type is not a reference type, or `init` does not fit it.
   */
  table(
    type: {
      /** The element type: a reference type. */
      element: ValueType
      /** The initial number of elements. */
      minimum: number
      /** The most elements it may grow to. @default undefined (no maximum beyond the store's limits) */
      maximum?: number
      /** 64-bit indices (memory64's tables). @default false */
      table64?: boolean
    },
    init: unknown = null,
  ): Table {
    checkType(type, 'store.table(type)')
    if (!isValueType(type.element) || refClass(type.element) === null) {
      throw new InvalidArgumentError(`store.table(type).element must be a reference type such as 'funcref' or 'externref', got ${String(type.element)}`, 'store.table(type).element')
    }
    const slot = new Uint8Array(SLOT)
    encode(new DataView(slot.buffer), 0, type.element, init, this, 'the initial element')
    if (type.table64 !== undefined && typeof type.table64 !== 'boolean') {
      throw new InvalidArgumentError(`store.table(type).table64 must be true or false, got ${String(type.table64)}`, 'store.table(type).table64')
    }
    return new Table(this, native(() => this.binding.newTable(type.element, type.minimum, type.maximum, slot, type.table64)))
  }

  /**
   * Makes a global holding `value`.
   * @throws {@linkcode InvalidArgumentError} when `type` is malformed or `value` does not fit its value type.
   */
  global(
    type: {
      /** Its value type. */
      value: ValueType
      /** Whether `set` may change it. @default false */
      mutable?: boolean
    },
    value: unknown,
  ): Global {
    checkGlobalType(type, 'store.global(type)')
    const slot = new Uint8Array(SLOT)
    encode(new DataView(slot.buffer), 0, type.value, value, this, 'the global value')
    return new Global(this, native(() => this.binding.newGlobal(type.value, type.mutable ?? false, slot)))
  }

  /**
   * Makes a global from a raw 16-byte slot (exact bits).
   * @throws {@linkcode InvalidArgumentError} when `type` is malformed or `slot` is not a Uint8Array.
   */
  globalFromSlot(
    type: {
      /** Its value type. */
      value: ValueType
      /** Whether `set` may change it. @default false */
      mutable?: boolean
    },
    slot: Uint8Array,
  ): Global {
    checkGlobalType(type, 'store.globalFromSlot(type)')
    checkBytes(slot, 'store.globalFromSlot(slot)')
    return new Global(this, native(() => this.binding.newGlobal(type.value, type.mutable ?? false, slot)))
  }

  /**
   * Sets the fuel budget of each call on this store (`null`: unlimited).
   * @throws {@linkcode InvalidArgumentError} when the engine does not meter fuel, or `fuel` is not `null` or a whole number.
   */
  setFuel(fuel: number | null): void {
    checkFuel(fuel, 'store.setFuel(fuel)')
    native(() => this.binding.setFuel(fuel))
  }

  /**
   * Sets the wall-clock limit of each call on this store, in ms (`null`: none).
   * @throws {@linkcode InvalidArgumentError} when the engine has epoch interruption off, or `ms` is not `null` or a number from 0 to 2^31.
   */
  setTimeout(ms: number | null): void {
    checkMillis(ms, 'store.setTimeout(ms)')
    native(() => this.binding.setDeadline(ms))
  }

  /**
   * Stops the call running in this store at its next check with
   * {@link CancelledError}; with no call running it does nothing. To stop
   * one call exactly (even one still waiting for a thread), pass it an
   * `AbortSignal` instead.
   * @throws never
   */
  cancel(): void {
    this.binding.cancel()
  }

  /**
   * Frees everything in this store now (instances, memories, tables)
   * instead of when it is garbage-collected. Each memory reserves gigabytes
   * of address space until it is freed. The collector is told how much
   * linear memory every store holds, so unreleased stores do not pile up,
   * but it frees them in batches, later: a loop that makes many stores is
   * faster releasing each one. When the system refuses memory
   * for a new one, instantiation throws {@link MemoryLimitError}. Every
   * later use of the store, or of anything made in it, throws
   * {@link InvalidArgumentError}. Calling it twice is fine.
   * @throws {@linkcode StoreBusyError} while a call runs in the store.
   * @example
   * ```ts
   * const store = new Store()
   * store.instantiate(mod).call('f')
   * store.release()
   * ```
   */
  release(): void {
    native(() => this.binding.release())
  }

  /**
   * Record what each call costs, for {@link Store.lastCallStats}. Off by
   * default: it costs two clock reads per call.
   * @default false
   */
  set collectStats(on: boolean) {
    checkBoolean(on, 'store.collectStats')
    this.binding.setCollectStats(on)
  }

  /** What the last call on this store cost (zeros unless {@link Store.collectStats} is on). */
  get lastCallStats(): CallStats {
    const s = this.binding.lastCallStats()
    return { wallMs: s.wallNs / 1e6, fuelConsumed: s.fuelConsumed ?? null, peakMemory: s.peakMemory }
  }

  /** The largest linear memory this store has had, in bytes. */
  get peakMemory(): number {
    return native(() => this.binding.peakMemory())
  }

  /** @internal Gives this store's WASI guests their context (see `sandbox/wasi.ts`). */
  setWasi(options: BindingWasiOptions): void {
    native(() => this.binding.setWasi(options))
  }

  /** @internal Takes what was captured of stdout (1) or stderr (2). */
  takeOutput(stream: 1 | 2): Buffer {
    const bytes = native(() => this.binding.takeWasiOutput(stream))
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** @internal Takes the sandbox's refusals recorded in this store. */
  takeAudit(): BindingAudit {
    return native(() => this.binding.takeAudit())
  }

  /** @internal Calls a function on its slots, converting errors. */
  callRaw(b: BindingExtern, slots: Uint8Array): number {
    try {
      return b.call(slots)
    } catch (e) {
      throw this.toError(e)
    }
  }

  /** @internal Converts what the addon threw during a call in this store, restoring host errors as `cause`. */
  toError(e: unknown): unknown {
    return fromNative(e, { hostError: (id) => this.takeHostError(id), exception: (id) => this.#exception(id) })
  }

  /** @internal */
  takeHostError(id: number): unknown {
    const e = this.#hostErrors?.get(id)
    this.#hostErrors?.delete(id)
    return e
  }

  /** @internal */
  funcHandle(func: unknown): number {
    if (!(func instanceof Func)) throw new InvalidArgumentError('a funcref must be a Func or null')
    if (func.store !== this) throw new InvalidArgumentError('the Func belongs to another store')
    return native(() => func.binding.handle())
  }

  /** @internal */
  funcFromHandle(handle: number): unknown {
    return new Func(this, native(() => this.binding.funcFromHandle(handle)))
  }

  /** @internal */
  externId(value: unknown): bigint {
    const ids = (this.#externIds ??= new Map())
    let id = ids.get(value)
    if (id === undefined) {
      if (++this.#sinceSweep >= EXTERN_SWEEP) this.#sweepExterns()
      id = this.#nextExtern++
      ids.set(value, id)
      this.#externValues ??= new Map()
      this.#externValues.set(id, value)
    }
    return id
  }

  /** @internal */
  externValue(id: bigint): unknown {
    return this.#externValues?.get(id)
  }

  /** @internal */
  gcId(value: unknown): { kind: GcKind; id: number } | null {
    const ref = value instanceof WasmException ? value.exn : value
    if (!(ref instanceof GcRef)) {
      if (value instanceof WasmException) throw new InvalidArgumentError('this WasmException was made in JS and has no exception object yet; throw it from a host function instead')
      return null
    }
    if (ref.store !== this) throw new InvalidArgumentError(`the ${ref.kind} reference belongs to another store`)
    if (ref.released) throw new InvalidArgumentError(`the ${ref.kind} reference was released (GcRef.release) and cannot go back into the guest`)
    return { kind: ref.kind, id: ref.id }
  }

  /** @internal */
  gcRef(kind: GcKind, id: number): GcRef {
    const ref = new GcRef(this, kind, id)
    this.#gcRegistry ??= new FinalizationRegistry((dead) => this.#gcCollected(dead))
    this.#gcRegistry.register(ref, id, ref)
    return ref
  }

  /** @internal Lets go of one handle's object now (GcRef.release). */
  releaseGcRef(ref: GcRef): void {
    this.#gcRegistry?.unregister(ref)
    native(() => this.binding.releaseGcRefs([ref.id]))
  }

  // Handles collected in one finalization task are released together, after it.
  #gcCollected(id: number): void {
    if (this.#gcDead.push(id) === 1) {
      queueMicrotask(() => {
        const ids = this.#gcDead
        this.#gcDead = []
        try {
          this.binding.releaseGcRefs(ids)
        } catch {
          // A store being torn down holds nothing any more.
        }
      })
    }
  }

  /**
   * How many GC objects (structs, arrays, exceptions) this store keeps alive
   * for JS handles; it falls as handles are collected.
   * @throws never
   */
  get gcRefsHeld(): number {
    return this.binding.gcRefsHeld
  }

  /**
   * Makes a tag (exception handling) whose payload has `params`, to import
   * into a module or to throw with {@link WasmException}.
   * @throws {@linkcode InvalidArgumentError} when a parameter type is unknown.
   * @example
   * ```ts
   * const oops = store.tag({ params: ['i32'] })
   * const instance = store.instantiate(mod, { env: { oops } })
   * ```
   */
  tag(type: { params: ValueType[] }): Tag {
    if (typeof type !== 'object' || type === null || !Array.isArray(type.params)) {
      throw new InvalidArgumentError('store.tag(type) must be { params: [...value types] }', 'store.tag(type)')
    }
    type.params.forEach((v, i) => checkValueType(v, `store.tag(type).params[${i}]`))
    return new Tag(this, native(() => this.binding.newTag([...type.params])))
  }

  // The tag and payload of an exception object that escaped a call.
  #exception(id: number): { tag: Tag; payload: unknown[]; exn: GcRef } {
    const exn = this.gcRef('exn', id)
    const tag = new Tag(this, native(() => this.binding.exceptionTag(id)))
    const { types, payload } = native(() => this.binding.exceptionPayload(id))
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
    return { tag, payload: types.map((t, i) => decode(view, i, t, this)), exn }
  }

  /** @internal The exception object a host function throws: its own, or a new one of its tag. */
  thrownException(e: WasmException): number {
    if (e.exn) return this.gcId(e.exn)!.id
    if (!(e.tag instanceof Tag)) throw new InvalidArgumentError('a WasmException thrown into the guest needs a Tag')
    if (e.tag.store !== this) throw new InvalidArgumentError("the WasmException's tag belongs to another store")
    const params = e.tag.params
    if (e.payload.length !== params.length) {
      throw new InvalidArgumentError(`the tag takes ${params.length} payload value(s), the WasmException has ${e.payload.length}`)
    }
    const slots = new Uint8Array(params.length * SLOT)
    const view = new DataView(slots.buffer)
    params.forEach((t, i) => encode(view, i, t, e.payload[i], this, `payload value ${i}`))
    return native(() => this.binding.newException(e.tag!.binding, slots))
  }

  /** @internal How many host-function errors wait to be attached as a `cause`. */
  get hostErrorCount(): number {
    return this.#hostErrors?.size ?? 0
  }

  /** @internal How many host values the store keeps for `externref`s. */
  get externCount(): number {
    return this.#externValues?.size ?? 0
  }

  // Forgets the values of externrefs the guest no longer holds anywhere
  // (the addon collects and reports them), so a long-lived store that
  // passes many objects does not keep them all.
  #sweepExterns(): void {
    this.#sinceSweep = 0
    for (const n of native(() => this.binding.collectExternrefs())) {
      const id = BigInt(n)
      const value = this.#externValues?.get(id)
      this.#externValues?.delete(id)
      if (this.#externIds?.get(value) === id) this.#externIds.delete(value)
    }
  }
}

/** Checks the size fields of a memory or table type. */
function checkType(type: unknown, path: string): asserts type is { minimum: number; maximum?: number } {
  if (typeof type !== 'object' || type === null || Array.isArray(type)) {
    throw new InvalidArgumentError(`${path} must be an object with minimum (and maximum), got ${type === null ? 'null' : typeof type}`, path)
  }
  const t = type as { minimum?: unknown; maximum?: unknown }
  checkWhole(t.minimum, `${path}.minimum`)
  if (t.maximum !== undefined) {
    checkWhole(t.maximum, `${path}.maximum`)
    if (t.maximum < t.minimum) {
      throw new InvalidArgumentError(`${path}.maximum (${t.maximum}) is below its minimum (${t.minimum})`, `${path}.maximum`)
    }
  }
}

function checkValueType(v: unknown, path: string): void {
  if (!isValueType(v)) {
    throw new InvalidArgumentError(`${path} must be one of ${VALUE_TYPES.join(', ')} or (ref [null] HEAP), got ${typeof v === 'string' ? JSON.stringify(v) : typeof v}`, path)
  }
}

/** Checks a function type: `params` and `results` lists of value types. */
function checkValueTypes(type: unknown, path: string): asserts type is FuncType {
  if (typeof type !== 'object' || type === null) throw new InvalidArgumentError(`${path} must be { params, results }, got ${type === null ? 'null' : typeof type}`, path)
  for (const key of ['params', 'results'] as const) {
    const list = (type as Record<string, unknown>)[key]
    if (!Array.isArray(list)) throw new InvalidArgumentError(`${path}.${key} must be a list of value types`, `${path}.${key}`)
    list.forEach((v, i) => checkValueType(v, `${path}.${key}[${i}]`))
  }
}

/** Checks a global type: `value` a value type, `mutable` a boolean when given. */
function checkGlobalType(type: unknown, path: string): asserts type is { value: ValueType; mutable?: boolean } {
  if (typeof type !== 'object' || type === null) throw new InvalidArgumentError(`${path} must be { value, mutable }, got ${type === null ? 'null' : typeof type}`, path)
  const t = type as { value?: unknown; mutable?: unknown }
  checkValueType(t.value, `${path}.value`)
  if (t.mutable !== undefined) checkBoolean(t.mutable, `${path}.mutable`)
}

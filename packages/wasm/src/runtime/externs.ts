import { binding, nativeLoadError, type BindingExtern, type BindingExternType } from './binding.js'
import { CancelledError, InvalidArgumentError, native } from '../errors.js'
import { decode, encode, SLOT, type RefTable, type ValueType } from './values.js'
import type { Store } from './store.js'
import { checkBytes, checkMadeHere, checkOptionsObject, checkWhole, isObject } from '../options/arguments.js'
import { underToken } from './token.js'

// Whether `b` is the addon's handle (and not something plain JS passed to an @internal constructor).
const isExtern = (b: unknown): boolean => nativeLoadError === null && b instanceof binding.BindingExtern

/** A function signature. */
export interface FuncType {
  /** Parameter types. */
  params: ValueType[]
  /** Result types. */
  results: ValueType[]
}

/** The full type of an import or export (as listed by {@link Module.imports}). */
export interface ExternType {
  /** What it is. */
  kind: 'func' | 'memory' | 'table' | 'global' | 'tag'
  /** Function parameter types. */
  params?: ValueType[]
  /** Function result types. */
  results?: ValueType[]
  /** Memory minimum in pages, or table minimum in elements. */
  minimum?: number
  /** Memory or table maximum, if any. */
  maximum?: number
  /** 64-bit memory or table. */
  is64?: boolean
  /** Shared memory. */
  shared?: boolean
  /** Memory page size in bytes. */
  pageSize?: number
  /** Table element type, or global value type. */
  valueType?: ValueType
  /** Whether a global can be set. */
  mutable?: boolean
  /** The type in text form, e.g. `func (i32) -> (i32)`. */
  text: string
}

// The fast call path's scratch buffer, shared with the addon once per thread.
const SCRATCH_SLOTS = 64
const SCRATCH = new Uint8Array(SCRATCH_SLOTS * SLOT)
const SCRATCH_VIEW = new DataView(SCRATCH.buffer)
// Without the addon (the WebAssembly fallback) there is nothing to share, and no call gets here.
if (nativeLoadError === null) binding.setCallScratch(SCRATCH)
const callFast = nativeLoadError === null ? binding.rawCallFast() : (id: number): number => binding.rawCallFast()(id)
const NUMERIC = new Set<string>(['i32', 'i64', 'f32', 'f64', 'v128'])
const S_I32 = new Int32Array(SCRATCH.buffer)
const S_F32 = new Float32Array(SCRATCH.buffer)
const S_F64 = new Float64Array(SCRATCH.buffer)
const S_I64 = new BigInt64Array(SCRATCH.buffer)

// Type codes of the fast path. A switch on a small integer keeps the
// argument loop monomorphic; per-position closures made every call site
// polymorphic (measured: ~25 ns more per two-argument call).
const T_I32 = 0
const T_I64 = 1
const T_F32 = 2
const T_F64 = 3
const T_V128 = 4
const CODES: Record<string, number> = { i32: T_I32, i64: T_I64, f32: T_F32, f64: T_F64, v128: T_V128 }

/** How one all-numeric signature moves through the scratch buffer. */
interface FastAccess {
  params: Uint8Array
  results: Uint8Array
  paramTypes: string[]
  resultTypes: string[]
}

// Per signature, shared by every function of that signature: numeric
// values never need a store's reference tables.
const FAST_ACCESS = new Map<string, FastAccess | null>()
const NO_REFS: RefTable = {
  funcHandle: () => 0,
  funcFromHandle: () => null,
  externId: () => 0n,
  externValue: () => undefined,
  gcId: () => null,
  gcRef: () => null,
}

function fastAccess(type: FuncType): FastAccess | null {
  const key = `${type.params.join(',')}>${type.results.join(',')}`
  let access = FAST_ACCESS.get(key)
  if (access === undefined) {
    const all = [...type.params, ...type.results]
    const fits = Math.max(type.params.length, type.results.length, 1) <= SCRATCH_SLOTS && all.every((t) => NUMERIC.has(t))
    access = fits
      ? {
          params: Uint8Array.from(type.params, (t) => CODES[t]!),
          results: Uint8Array.from(type.results, (t) => CODES[t]!),
          paramTypes: [...type.params],
          resultTypes: [...type.results],
        }
      : null
    FAST_ACCESS.set(key, access)
  }
  return access
}

// Writes call arguments into the scratch buffer. (The addon and x86-64 and
// arm64 are little-endian, as the slot format is.)
function writeArgs(fast: FastAccess, args: unknown[]): void {
  const codes = fast.params
  for (let i = 0; i < codes.length; i++) {
    const v = args[i]
    switch (codes[i]) {
      case T_I32:
        if (typeof v === 'number') {
          S_I32[i << 2] = v
          continue
        }
        break
      case T_F64:
        if (typeof v === 'number') {
          S_F64[i << 1] = v
          continue
        }
        break
      case T_F32:
        if (typeof v === 'number') {
          S_F32[i << 2] = v
          continue
        }
        break
      case T_I64:
        if (typeof v === 'bigint') {
          S_I64[i << 1] = v
          continue
        }
        break
    }
    // Anything else (v128, or a value of the wrong JS type: a typed error).
    encode(SCRATCH_VIEW, i, fast.paramTypes[i]!, v, NO_REFS, `argument ${i}`)
  }
}

function readResult(fast: FastAccess, i: number): unknown {
  switch (fast.results[i]) {
    case T_I32:
      return S_I32[i << 2]
    case T_F64:
      return S_F64[i << 1]
    case T_F32:
      return S_F32[i << 2]
    case T_I64:
      return S_I64[i << 1]
    default:
      return decode(SCRATCH_VIEW, i, fast.resultTypes[i]!, NO_REFS)
  }
}

/** @internal */
export function externType(t: BindingExternType): ExternType {
  const out: ExternType = { kind: t.kind as ExternType['kind'], text: t.text }
  if (t.params != null) out.params = t.params as ValueType[]
  if (t.results != null) out.results = t.results as ValueType[]
  if (t.minimum != null) out.minimum = t.minimum
  if (t.maximum != null) out.maximum = t.maximum
  if (t.is64 != null) out.is64 = t.is64
  if (t.shared != null) out.shared = t.shared
  if (t.pageSize != null) out.pageSize = t.pageSize
  if (t.valueType != null) out.valueType = t.valueType as ValueType
  if (t.mutable != null) out.mutable = t.mutable
  return out
}

/**
 * A WebAssembly function: an export, or a host function made with {@link Store.func}.
 *
 * @example
 * ```ts
 * const add = instance.func('add')
 * add.call(1, 2) // 3
 * ```
 */
export class Func {
  /** The store this function belongs to. */
  readonly store: Store
  /** Its signature. */
  readonly type: FuncType
  #binding: BindingExtern | null
  // For an export made without a binding object: where to fetch one.
  #source: { instance: number; name: string } | null
  #scratch: Uint8Array | null = null
  #view: DataView | null = null
  #inUse = false
  #fast: FastAccess | null
  #fastId = 0

  /** @internal */
  constructor(store: Store, b: BindingExtern | null, type?: FuncType, source?: { instance: number; name: string }) {
    checkMadeHere(isObject(store) && (b === null ? isObject(source) : isExtern(b)), 'Func', 'functions come from instance.func(name), instance.exports and store.func(type, fn)')
    this.store = store
    this.#binding = b
    this.#source = source ?? null
    if (type) {
      this.type = type
    } else {
      const t = native(() => this.binding.ty())
      this.type = { params: (t.params ?? []) as ValueType[], results: (t.results ?? []) as ValueType[] }
    }
    this.#fast = fastAccess(this.type)
  }

  /** @internal The addon's handle, made on first use for exports. */
  get binding(): BindingExtern {
    if (!this.#binding) {
      const { instance, name } = this.#source!
      this.#binding = native(() => this.store.binding.instanceExport(instance, name))
    }
    return this.#binding
  }

  /**
   * Calls the function on this thread. Returns `undefined` for no results,
   * the value for one, an array for several.
   * @throws {@linkcode TrapError} when the guest traps, {@linkcode HostFunctionError}
   * when a host function throws, {@linkcode InvalidArgumentError} for wrong arguments.
   */
  call(...args: unknown[]): unknown {
    const { params, results } = this.type
    if (args.length !== params.length) {
      throw new InvalidArgumentError(`the function takes ${params.length} argument(s) but was given ${args.length}`)
    }
    const fast = this.#fast
    if (fast) {
      // One shared scratch buffer per thread, one integer across napi.
      writeArgs(fast, args)
      this.#callFast()
      const n = fast.results.length
      if (n === 0) return undefined
      if (n === 1) return readResult(fast, 0)
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) out[i] = readResult(fast, i)
      return out
    }
    // A re-entrant call (from a host function) gets its own buffer.
    const slots = Math.max(params.length, results.length, 1)
    const reuse = !this.#inUse
    if (reuse && !this.#scratch) {
      this.#scratch = new Uint8Array(slots * SLOT)
      this.#view = new DataView(this.#scratch.buffer)
    }
    const buf = reuse ? this.#scratch! : new Uint8Array(slots * SLOT)
    const view = reuse ? this.#view! : new DataView(buf.buffer)
    for (let i = 0; i < params.length; i++) encode(view, i, params[i]!, args[i], this.store, `argument ${i}`)
    this.#inUse = true
    try {
      this.store.callRaw(this.binding, buf)
    } finally {
      if (reuse) this.#inUse = false
    }
    if (results.length === 0) return undefined
    if (results.length === 1) return decode(view, 0, results[0]!, this.store)
    return results.map((t, i) => decode(view, i, t, this.store))
  }

  // One call through the scratch buffer (arguments already written).
  #callFast(): void {
    this.#fastId ||= this.#registerFast()
    try {
      callFast(this.#fastId)
    } catch (e) {
      throw this.store.toError(e)
    }
  }

  #registerFast(): number {
    const src = this.#source
    if (src && !this.#binding) return native(() => this.store.binding.instanceFuncFastId(src.instance, src.name))
    return native(() => this.binding.fastId())
  }

  /**
   * Calls the function on a native pool thread (not libuv's pool), so the
   * event loop stays free. JS host functions it imports run on this thread
   * when the guest calls them, and may return Promises.
   *
   * `signal`: aborted before the call starts, it is taken off the pool's
   * queue and rejects at once; while it runs, the guest stops at its next
   * check (and the call rejects even if the guest returned first); after it
   * finished, nothing happens, to it or to the next call on this store.
   *
   * @example
   * ```ts
   * const ac = new AbortController()
   * const p = instance.func('work').callAsync([1_000_000], { signal: ac.signal })
   * ac.abort() // p rejects with CancelledError within about a millisecond
   * ```
   * @throws {@linkcode CancelledError} when `signal` aborts (its `cause` is the reason),
   * {@linkcode TrapError}, {@linkcode TimeoutError}, {@linkcode FuelExhaustedError}, …;
   * {@linkcode InvalidArgumentError} when `args` is not an array, an argument does not fit its parameter, or `signal` is not an AbortSignal.
   */
  async callAsync(
    args: unknown[] = [],
    options: {
      /** Cancels the call (before it starts, or while it runs). @default undefined (only the store's limits stop it) */
      signal?: AbortSignal
    } = {},
  ): Promise<unknown> {
    if (!Array.isArray(args)) throw new InvalidArgumentError('func.callAsync(args) must be an array of arguments', 'func.callAsync(args)')
    checkOptionsObject(options, 'func.callAsync(options)')
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new InvalidArgumentError('func.callAsync(options).signal must be an AbortSignal', 'func.callAsync(options).signal')
    }
    const { params, results } = this.type
    const signal = options.signal
    if (signal?.aborted) throw new CancelledError('the call was cancelled before it started', { cause: signal.reason })
    if (args.length !== params.length) {
      throw new InvalidArgumentError(`the function takes ${params.length} argument(s) but was given ${args.length}`)
    }
    const buf = new Uint8Array(Math.max(params.length, results.length, 1) * SLOT)
    const view = new DataView(buf.buffer)
    for (let i = 0; i < params.length; i++) encode(view, i, params[i]!, args[i], this.store, `argument ${i}`)
    const out = await underToken(signal, (token) => this.binding.callAsync(buf, token), (e) => this.store.toError(e))
    const outView = new DataView(out.buffer, out.byteOffset, out.byteLength)
    if (results.length === 0) return undefined
    if (results.length === 1) return decode(outView, 0, results[0]!, this.store)
    return results.map((t, i) => decode(outView, i, t, this.store))
  }

  /**
   * {@link Func.call} under a call token (from the addon's `newCallToken`),
   * which any thread can cancel: how a worker thread runs a call the main
   * thread may abort. @internal
   */
  callWithToken(args: unknown[], token: number): unknown {
    const { params, results } = this.type
    if (args.length !== params.length) {
      throw new InvalidArgumentError(`the function takes ${params.length} argument(s) but was given ${args.length}`)
    }
    const buf = new Uint8Array(Math.max(params.length, results.length, 1) * SLOT)
    const view = new DataView(buf.buffer)
    for (let i = 0; i < params.length; i++) encode(view, i, params[i]!, args[i], this.store, `argument ${i}`)
    try {
      this.binding.callWithToken(buf, token)
    } catch (e) {
      throw this.store.toError(e)
    }
    if (results.length === 0) return undefined
    if (results.length === 1) return decode(view, 0, results[0]!, this.store)
    return results.map((t, i) => decode(view, i, t, this.store))
  }

  /**
   * Calls with arguments and results as 16-byte little-endian slots: exact
   * bit patterns, NaN payloads included. Results overwrite `slots`, which must
   * hold `max(params, results)` slots. Returns the number of results.
   * @throws {@linkcode InvalidArgumentError} when `slots` is not a live Uint8Array or is too short;
   * what {@link Func.call} throws.
   */
  callSlots(slots: Uint8Array): number {
    checkBytes(slots, 'func.callSlots(slots)')
    const fast = this.#fast
    const bytes = Math.max(fast?.params.length ?? 0, fast?.results.length ?? 0, 1) * SLOT
    if (fast && slots.length >= bytes) {
      // The fast path through the scratch buffer (bytes are copied as they
      // are, so bit patterns survive); the addon reads the arguments before
      // any nested call can reuse the buffer.
      // (Byte loops: for a few slots they beat making subarray views.)
      for (let i = 0; i < bytes; i++) SCRATCH[i] = slots[i]!
      this.#callFast()
      const out = fast.results.length * SLOT
      for (let i = 0; i < out; i++) slots[i] = SCRATCH[i]!
      return fast.results.length
    }
    return this.store.callRaw(this.binding, slots)
  }
}

/**
 * A linear memory. Reads and writes copy: a guest's `memory.grow` may move
 * the memory, so no view into it is ever handed out.
 *
 * A shared memory (engine option `threads`; {@link Memory.type} says
 * `shared: true`) is one too: exported by a module, or made with
 * `store.memory({ minimum, maximum, shared: true })`. Guests on other threads
 * may write it while the host copies: a read then sees a mix of old and new
 * bytes, and a write may interleave with theirs, as with a `SharedArrayBuffer`;
 * order with the guest through its atomics, not through these copies. It grows
 * without asking its store, so {@link Memory.grow} checks the store's
 * `maxMemory` before growing it.
 *
 * @example
 * ```ts
 * const mem = instance.memory()
 * mem.write(0, new TextEncoder().encode('hello'))
 * instance.call('process', 0, 5)
 * const out = mem.read(0, 5)
 * ```
 */
export class Memory {
  /** The store this memory belongs to. */
  readonly store: Store
  /** @internal */
  readonly binding: BindingExtern
  /** @internal */
  constructor(store: Store, b: BindingExtern) {
    checkMadeHere(isObject(store) && isExtern(b), 'Memory', 'memories come from instance.memory(name), instance.exports and store.memory(type)')
    this.store = store
    this.binding = b
  }
  /**
   * The memory's type: `minimum` and `maximum` in pages, `is64`, `shared`
   * and `pageSize`, as {@link Module.imports} describes memories.
   * @throws {@linkcode InvalidArgumentError} only if the store was released.
   * @example
   * ```ts
   * const mem = instance.memory('mem')
   * if (mem.type.shared) console.log('shared, up to', mem.type.maximum, 'pages')
   * ```
   */
  get type(): ExternType {
    return externType(native(() => this.binding.ty()))
  }
  /** Size in bytes. */
  get byteLength(): number {
    return native(() => this.binding.memorySize())
  }
  /**
   * Copies `length` bytes starting at `offset`.
   * @throws {@linkcode InvalidArgumentError} when `offset` or `length` is not a whole number, or the range passes the end.
   */
  read(offset: number, length: number): Uint8Array {
    checkWhole(offset, 'memory.read(offset)')
    checkWhole(length, 'memory.read(length)')
    return native(() => this.binding.memoryRead(offset, length))
  }
  /**
   * Copies `bytes` in at `offset`.
   * @throws {@linkcode InvalidArgumentError} when `offset` is not a whole number, `bytes` is not a live Uint8Array, or the range passes the end.
   */
  write(offset: number, bytes: Uint8Array): void {
    checkWhole(offset, 'memory.write(offset)')
    checkBytes(bytes, 'memory.write(bytes)')
    native(() => this.binding.memoryWrite(offset, bytes))
  }
  /**
   * Grows by `deltaPages` 64 KiB pages; returns the old size in pages. A
   * shared memory's new size is checked against the store's `maxMemory` first.
   * @throws {@linkcode MemoryLimitError} past the store's limit or the memory's maximum.
   * @throws {@linkcode InvalidArgumentError} when `deltaPages` is not a whole number.
   */
  grow(deltaPages: number): number {
    checkWhole(deltaPages, 'memory.grow(deltaPages)')
    return native(() => this.binding.memoryGrow(deltaPages))
  }
}

/**
 * A table of `funcref` or `externref`.
 *
 * @example
 * ```ts
 * const table = store.table({ element: 'funcref', minimum: 2 })
 * table.set(0, instance.func('add'))
 * ```
 */
export class Table {
  /** The store this table belongs to. */
  readonly store: Store
  /** @internal */
  readonly binding: BindingExtern
  /** Element type. */
  readonly element: ValueType
  /** @internal */
  constructor(store: Store, b: BindingExtern) {
    checkMadeHere(isObject(store) && isExtern(b), 'Table', 'tables come from instance.table(name), instance.exports and store.table(type)')
    this.store = store
    this.binding = b
    this.element = (native(() => b.ty()).valueType ?? 'funcref') as ValueType
  }
  /** Number of elements. */
  get length(): number {
    return native(() => this.binding.tableSize())
  }
  /**
   * One element: a {@link Func}, an externref value, or `null`.
   * @throws {@linkcode InvalidArgumentError} when `index` is not a whole number below {@link Table.length}.
   */
  get(index: number): unknown {
    checkWhole(index, 'table.get(index)')
    const slot = native(() => this.binding.tableGet(index))
    return decode(new DataView(slot.buffer, slot.byteOffset, slot.byteLength), 0, this.element, this.store)
  }
  /**
   * Sets one element.
   * @throws {@linkcode InvalidArgumentError} when `index` is not a whole number below {@link Table.length}, or `value` has another type.
   */
  set(index: number, value: unknown): void {
    checkWhole(index, 'table.set(index)')
    const slot = new Uint8Array(SLOT)
    encode(new DataView(slot.buffer), 0, this.element, value, this.store, 'the table element')
    native(() => this.binding.tableSet(index, slot))
  }
  /**
   * Grows by `delta` elements set to `init`; returns the old length.
   * @throws {@linkcode InvalidArgumentError} when `delta` is not a whole number or `init` has another type.
   */
  grow(delta: number, init: unknown = null): number {
    checkWhole(delta, 'table.grow(delta)')
    const slot = new Uint8Array(SLOT)
    encode(new DataView(slot.buffer), 0, this.element, init, this.store, 'the initial element')
    return native(() => this.binding.tableGrow(delta, slot))
  }
}

/**
 * A global variable.
 *
 * @example
 * ```ts
 * const counter = store.global({ value: 'i32', mutable: true }, 0)
 * counter.value = 41
 * ```
 */
export class Global {
  /** The store this global belongs to. */
  readonly store: Store
  /** @internal */
  readonly binding: BindingExtern
  /** Value type. */
  readonly valueType: ValueType
  /** Whether it can be set. */
  readonly mutable: boolean
  /** @internal */
  constructor(store: Store, b: BindingExtern) {
    checkMadeHere(isObject(store) && isExtern(b), 'Global', 'globals come from instance.global(name), instance.exports and store.global(type, value)')
    this.store = store
    this.binding = b
    const t = native(() => b.ty())
    this.valueType = (t.valueType ?? 'i32') as ValueType
    this.mutable = t.mutable ?? false
  }
  /** The current value. */
  get value(): unknown {
    const slot = native(() => this.binding.globalGet())
    return decode(new DataView(slot.buffer, slot.byteOffset, slot.byteLength), 0, this.valueType, this.store)
  }
  /**
   * Sets the value.
   * @throws {@linkcode InvalidArgumentError} when the global is immutable or the value has another type.
   */
  set value(v: unknown) {
    const slot = new Uint8Array(SLOT)
    encode(new DataView(slot.buffer), 0, this.valueType, v, this.store, 'the global value')
    native(() => this.binding.globalSet(slot))
  }
  /**
   * The value as a raw 16-byte slot (exact bits).
   * @throws {@linkcode InvalidArgumentError} when the store was released.
   */
  getSlot(): Uint8Array {
    return native(() => this.binding.globalGet())
  }
}

/**
 * An exception tag (exported by modules using exception handling).
 *
 * @example
 * ```ts
 * const tag = instance.exports['error'] // a Tag when the module exports one
 * ```
 */
export class Tag {
  /** The store this tag belongs to. */
  readonly store: Store
  /** @internal */
  readonly binding: BindingExtern
  #params?: ValueType[]
  /** @internal Tags come from instances' exports and {@link Store.tag}. */
  constructor(store: Store, b: BindingExtern) {
    checkMadeHere(isObject(store) && isExtern(b), 'Tag', 'tags come from instance.tag(name), instance.exports and store.tag(type)')
    this.store = store
    this.binding = b
  }

  /**
   * The types of the tag's payload, e.g. `['i32', 'f64']`.
   * @throws never
   */
  get params(): ValueType[] {
    this.#params ??= native(() => this.store.binding.tagParams(this.binding)) as ValueType[]
    return [...this.#params]
  }

  /**
   * Whether `other` is the same tag (two exports of one tag, or an import
   * and what it was given, are the same tag; two tags of the same type are
   * not). Tags of different stores are never the same.
   * @throws never
   * @example
   * ```ts
   * if (e instanceof WasmException && e.tag?.equals(instance.tag('oops'))) ...
   * ```
   */
  equals(other: Tag | null | undefined): boolean {
    if (!(other instanceof Tag) || other.store !== this.store) return false
    return other === this || native(() => this.store.binding.sameTag(this.binding, other.binding))
  }
}

/** Anything an instance can export or import. */
export type Extern = Func | Memory | Table | Global | Tag

/** @internal Wraps a binding item in the class of its kind. */
export function wrapExtern(store: Store, b: BindingExtern): Extern {
  switch (b.kind) {
    case 'func':
      return new Func(store, b)
    case 'memory':
      return new Memory(store, b)
    case 'table':
      return new Table(store, b)
    case 'global':
      return new Global(store, b)
    default:
      return new Tag(store, b)
  }
}

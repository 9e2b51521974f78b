// Values cross the addon boundary as 16-byte little-endian slots: exact bit
// patterns (NaN payloads survive), no per-value objects. This file is the one
// place that maps JS values to slots and back.
import { InvalidArgumentError } from '../errors.js'

/**
 * The reference types named by their shorthand: `funcref`, `externref`, the
 * WebAssembly 3.0 GC hierarchy (`anyref`, `eqref`, `i31ref`, `structref`,
 * `arrayref`, `nullref`), exceptions (`exnref`, `nullexnref`) and the
 * bottom types `nullfuncref`, `nullexternref`.
 */
export type RefTypeName =
  | 'funcref'
  | 'externref'
  | 'anyref'
  | 'eqref'
  | 'i31ref'
  | 'structref'
  | 'arrayref'
  | 'nullref'
  | 'exnref'
  | 'nullexnref'
  | 'nullfuncref'
  | 'nullexternref'

/**
 * A WebAssembly value type as this library names it: a number type, `v128`,
 * a reference shorthand ({@link RefTypeName}), or a reference type written
 * out, `(ref null any)`, `(ref eq)`; a module's own types show as
 * `(ref null $struct)`, `(ref $array)`, `(ref $func)` (they cannot be named
 * by the host).
 */
export type ValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | RefTypeName | `(ref ${string})`

/** Every number type and reference shorthand, for checks at the edge. @internal */
export const VALUE_TYPES: readonly ValueType[] = [
  'i32',
  'i64',
  'f32',
  'f64',
  'v128',
  'funcref',
  'externref',
  'anyref',
  'eqref',
  'i31ref',
  'structref',
  'arrayref',
  'nullref',
  'exnref',
  'nullexnref',
  'nullfuncref',
  'nullexternref',
]

/** The abstract heap types a host may write in `(ref [null] HEAP)`. */
const HEAP_TYPES = ['func', 'nofunc', 'extern', 'noextern', 'any', 'eq', 'i31', 'struct', 'array', 'none', 'exn', 'noexn']

/** Whether `v` names a value type the host can write (see {@link ValueType}). @internal */
export function isValueType(v: unknown): v is ValueType {
  if (typeof v !== 'string') return false
  if ((VALUE_TYPES as readonly string[]).includes(v)) return true
  const m = /^\(ref (null )?([a-z0-9]+)\)$/.exec(v)
  return m !== null && HEAP_TYPES.includes(m[2]!)
}

/**
 * A JS value passed to or returned from WebAssembly: `number` for i32/f32/f64,
 * `bigint` for i64, a 16-byte `Uint8Array` for v128 (a `bigint` is accepted
 * as input too), a {@link Func} or `null` for funcref, anything for externref;
 * for `anyref` and its subtypes a {@link GcRef} (a guest's struct or array),
 * a `number` (an `i31ref`), any other JS value (a host value, as
 * `any.convert_extern` makes one) or `null`; for `exnref` a {@link GcRef} of
 * kind `exn` or `null`.
 */
export type WasmValue = number | bigint | Uint8Array | null | unknown

/** Bytes per value slot. */
export const SLOT = 16

/** What a non-function reference slot holds (byte 8 of the slot; see crates/cwasm_core/src/value.rs). @internal */
export const SLOT_TAG = { null: 0, host: 1, i31: 2, struct: 3, array: 4, exn: 5 } as const

/** The kind of GC object a {@link GcRef} stands for. */
export type GcKind = 'struct' | 'array' | 'exn'

/** How a store resolves references in slots. */
export interface RefTable {
  /** Handle (> 0) for a function of this store; throws for another store's. */
  funcHandle(func: unknown): number
  /** The function behind a handle. */
  funcFromHandle(handle: number): unknown
  /** Id of an externref value (stable per value). */
  externId(value: unknown): bigint
  /** The value behind an externref id. */
  externValue(id: bigint): unknown
  /** The store's id of a GC handle (struct, array or exception) when `value` is one; `null` when it is not one; throws for another store's. */
  gcId(value: unknown): { kind: GcKind; id: number } | null
  /** A handle for the GC object the store now roots under `id`. */
  gcRef(kind: GcKind, id: number): unknown
}

/** The reference hierarchy a value type belongs to, or `null` for a number type. @internal */
export function refClass(type: string): 'func' | 'extern' | 'any' | 'exn' | null {
  switch (type) {
    case 'i32':
    case 'i64':
    case 'f32':
    case 'f64':
    case 'v128':
      return null
    case 'funcref':
    case 'nullfuncref':
      return 'func'
    case 'externref':
    case 'nullexternref':
      return 'extern'
    case 'exnref':
    case 'nullexnref':
      return 'exn'
    case 'anyref':
    case 'eqref':
    case 'i31ref':
    case 'structref':
    case 'arrayref':
    case 'nullref':
      return 'any'
  }
  const heap = /^\(ref (?:null )?(\$?[a-z0-9]+)\)$/.exec(type)?.[1]
  switch (heap) {
    case 'func':
    case 'nofunc':
    case '$func':
      return 'func'
    case 'extern':
    case 'noextern':
      return 'extern'
    case 'exn':
    case 'noexn':
    case '$exn':
      return 'exn'
    case 'any':
    case 'eq':
    case 'i31':
    case 'struct':
    case 'array':
    case 'none':
    case '$struct':
    case '$array':
      return 'any'
  }
  return null
}

/** Smallest and largest `i31ref` values. */
const I31_MIN = -(2 ** 30)
const I31_MAX = 2 ** 30 - 1

// Writes a non-function reference: byte 8 says what it is.
function putRef(view: DataView, off: number, tag: number, low: bigint): void {
  view.setBigUint64(off, low, true)
  view.setUint8(off + 8, tag)
}

const TWO_64 = 1n << 64n

/** Writes `value` of type `type` into slot `index` of `view`. */
export function encode(view: DataView, index: number, type: string, value: unknown, refs: RefTable, what: string): void {
  const off = index * SLOT
  switch (type) {
    case 'i32':
      if (typeof value === 'number') return view.setInt32(off, value | 0, true)
      if (typeof value === 'boolean') return view.setInt32(off, value ? 1 : 0, true)
      break
    case 'i64':
      if (typeof value === 'bigint') return view.setBigInt64(off, BigInt.asIntN(64, value), true)
      if (typeof value === 'number' && Number.isSafeInteger(value)) return view.setBigInt64(off, BigInt(value), true)
      break
    case 'f32':
      if (typeof value === 'number') return view.setFloat32(off, value, true)
      break
    case 'f64':
      if (typeof value === 'number') return view.setFloat64(off, value, true)
      break
    case 'v128':
      if (value instanceof Uint8Array && value.length === 16) {
        new Uint8Array(view.buffer, view.byteOffset + off, 16).set(value)
        return
      }
      if (typeof value === 'bigint') {
        const v = BigInt.asUintN(128, value)
        view.setBigUint64(off, v % TWO_64, true)
        view.setBigUint64(off + 8, v / TWO_64, true)
        return
      }
      break
    default: {
      const cls = refClass(type)
      if (cls === null) break
      // Non-null types refuse null in the addon, which checks every reference against the declared type.
      if (cls === 'func') {
        view.setUint32(off, value == null ? 0 : refs.funcHandle(value), true)
        return
      }
      if (value == null) return putRef(view, off, SLOT_TAG.null, 0n)
      const gc = refs.gcId(value)
      if (cls === 'exn') {
        if (gc?.kind !== 'exn') throw new InvalidArgumentError(`${what} must be an exception reference (a GcRef of kind exn, or a WasmException) or null (${type}), got ${typeName(value)}`)
        return putRef(view, off, SLOT_TAG.exn, BigInt(gc.id))
      }
      if (gc !== null) {
        if (gc.kind === 'exn') throw new InvalidArgumentError(`${what} has type ${type}, which an exception reference cannot be passed as`)
        return putRef(view, off, gc.kind === 'struct' ? SLOT_TAG.struct : SLOT_TAG.array, BigInt(gc.id))
      }
      // As the JS API for GC does: into the any hierarchy a whole number in
      // range becomes an i31ref, anything else a host value.
      if (cls === 'any' && typeof value === 'number' && Number.isInteger(value) && value >= I31_MIN && value <= I31_MAX) {
        return putRef(view, off, SLOT_TAG.i31, BigInt.asUintN(64, BigInt(value)))
      }
      return putRef(view, off, SLOT_TAG.host, refs.externId(value))
    }
  }
  throw new InvalidArgumentError(`${what} must be ${describe(type)}, got ${typeName(value)}`)
}

/** Reads a value of type `type` from slot `index` of `view`. */
export function decode(view: DataView, index: number, type: string, refs: RefTable): unknown {
  const off = index * SLOT
  switch (type) {
    case 'i32':
      return view.getInt32(off, true)
    case 'i64':
      return view.getBigInt64(off, true)
    case 'f32':
      return view.getFloat32(off, true)
    case 'f64':
      return view.getFloat64(off, true)
    case 'v128':
      return new Uint8Array(view.buffer.slice(view.byteOffset + off, view.byteOffset + off + 16))
    default:
      return decodeRef(view, off, type, refs)
  }
}

function decodeRef(view: DataView, off: number, type: string, refs: RefTable): unknown {
  const cls = refClass(type)
  if (cls === 'func') {
    const h = view.getUint32(off, true)
    return h === 0 ? null : refs.funcFromHandle(h)
  }
  if (cls === null) throw new InvalidArgumentError(`a value of type ${type} cannot cross to JavaScript`)
  const low = view.getBigUint64(off, true)
  switch (view.getUint8(off + 8)) {
    case SLOT_TAG.null:
      return null
    case SLOT_TAG.host:
      return refs.externValue(low)
    case SLOT_TAG.i31:
      return view.getInt32(off, true)
    case SLOT_TAG.struct:
      return refs.gcRef('struct', Number(low))
    case SLOT_TAG.array:
      return refs.gcRef('array', Number(low))
    case SLOT_TAG.exn:
      return refs.gcRef('exn', Number(low))
    default:
      throw new InvalidArgumentError(`the addon wrote a ${type} slot this library cannot read`)
  }
}

/** What a value of `type` must be, for error messages (also the fallback's). @internal */
export function describe(type: string): string {
  switch (type) {
    case 'i32':
      return 'a number (i32)'
    case 'i64':
      return 'a bigint (i64)'
    case 'f32':
    case 'f64':
      return `a number (${type})`
    case 'v128':
      return 'a 16-byte Uint8Array or a bigint (v128)'
    default:
      return type
  }
}

/** What `v` is, for error messages (also the fallback's). @internal */
export function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`
  return typeof v
}

// Values cross the addon boundary as 16-byte little-endian slots: exact bit
// patterns (NaN payloads survive), no per-value objects. This file is the one
// place that maps JS values to slots and back.
import { InvalidArgumentError } from '../errors.js'

/** A WebAssembly value type as this library names it. */
export type ValueType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref'

/** Every {@link ValueType}, for checks at the edge. @internal */
export const VALUE_TYPES: readonly ValueType[] = ['i32', 'i64', 'f32', 'f64', 'v128', 'funcref', 'externref']

/**
 * A JS value passed to or returned from WebAssembly: `number` for i32/f32/f64,
 * `bigint` for i64, a 16-byte `Uint8Array` for v128 (a `bigint` is accepted
 * as input too), a {@link Func} or `null` for funcref, anything for externref.
 */
export type WasmValue = number | bigint | Uint8Array | null | unknown

/** Bytes per value slot. */
export const SLOT = 16

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
    case 'funcref':
      view.setUint32(off, value == null ? 0 : refs.funcHandle(value), true)
      return
    case 'externref':
      if (value == null) {
        view.setBigUint64(off, 0n, true)
        view.setUint8(off + 8, 0)
      } else {
        view.setBigUint64(off, refs.externId(value), true)
        view.setUint8(off + 8, 1)
      }
      return
    default:
      throw new InvalidArgumentError(`${what} has type ${type}, which cannot cross to JavaScript yet`)
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
    case 'funcref': {
      const h = view.getUint32(off, true)
      return h === 0 ? null : refs.funcFromHandle(h)
    }
    case 'externref':
      return view.getUint8(off + 8) === 0 ? null : refs.externValue(view.getBigUint64(off, true))
    default:
      throw new InvalidArgumentError(`a value of type ${type} cannot cross to JavaScript yet`)
  }
}

function describe(type: string): string {
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

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (v instanceof Uint8Array) return `a Uint8Array of ${v.length} bytes`
  return typeof v
}

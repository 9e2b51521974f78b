/**
 * Wasm values as JSON, for job data and results: BullMQ stores both as
 * JSON text, which has no bigint (i64), no bytes (v128) and no NaN or
 * infinities (f32/f64). Each of those becomes a one-key tagged object.
 *
 * @module
 */
import { InvalidArgumentError } from '@cybernetic/wasm'

/** A value as it travels in JSON. @internal */
export type Wire = number | null | Wire[] | { $b: string } | { $n: string } | { $u8: string } | { $u: 1 }

/** Encodes a wasm argument or result. @internal */
export function toWire(v: unknown, path: string): Wire {
  if (typeof v === 'number') {
    if (Number.isFinite(v) && !Object.is(v, -0)) return v
    return { $n: Object.is(v, -0) ? '-0' : String(v) }
  }
  if (typeof v === 'bigint') return { $b: v.toString() }
  if (v instanceof Uint8Array) return { $u8: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') }
  if (v === null) return null
  if (v === undefined) return { $u: 1 }
  if (Array.isArray(v)) return v.map((x, i) => toWire(x, `${path}[${i}]`))
  throw new InvalidArgumentError(
    `${path} cannot travel to another machine: only numbers, bigints, 16-byte Uint8Arrays (v128) and null references can (got ${typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v})`,
    path,
  )
}

/** Decodes what {@link toWire} made. @internal */
export function fromWire(w: unknown): unknown {
  if (typeof w === 'number' || w === null) return w
  if (Array.isArray(w)) return w.map(fromWire)
  if (typeof w === 'object') {
    const o = w as Record<string, unknown>
    if (typeof o.$b === 'string') return BigInt(o.$b)
    if (typeof o.$n === 'string') return o.$n === '-0' ? -0 : Number(o.$n)
    if (typeof o.$u8 === 'string') return new Uint8Array(Buffer.from(o.$u8, 'base64'))
    if (o.$u === 1) return undefined
  }
  throw new InvalidArgumentError(`a value in the job is not in the queue's value encoding: ${JSON.stringify(w)?.slice(0, 80)}`, 'args')
}

/** Bytes as base64 text. @internal */
export function bytesToWire(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
}

/** Base64 text as bytes. @internal */
export function bytesFromWire(s: unknown): Uint8Array {
  if (typeof s !== 'string') throw new InvalidArgumentError('the job carries no input bytes', 'input')
  return new Uint8Array(Buffer.from(s, 'base64'))
}

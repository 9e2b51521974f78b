// Spec-test values as exact bit patterns in 16-byte slots (the layout of
// Func.callSlots): writing arguments, and comparing results with expected
// constants, NaN patterns (`nan:canonical`, `nan:arithmetic`) included.
import { SLOT } from '@cybernetic/wasm'
import type { Const, EitherConst, ScalarConst, VectorConst } from './script.js'

const LANE_BITS = { i8: 8, i16: 16, i32: 32, i64: 64, f32: 32, f64: 64 } as const

type NanPattern = 'nan:canonical' | 'nan:arithmetic'

function isNanPattern(s: string | undefined): s is NanPattern {
  return s === 'nan:canonical' || s === 'nan:arithmetic'
}

/** Parses a decimal bit pattern into an unsigned `bits`-wide integer. */
function bitsOf(text: string | undefined, bits: number, what: string): bigint {
  if (text === undefined || !/^-?\d+$/.test(text)) throw new Error(`${what}: '${text}' is not a decimal bit pattern`)
  return BigInt.asUintN(bits, BigInt(text))
}

function writeBits(view: DataView, off: number, bits: number, v: bigint): void {
  switch (bits) {
    case 8:
      return view.setUint8(off, Number(v))
    case 16:
      return view.setUint16(off, Number(v), true)
    case 32:
      return view.setUint32(off, Number(v), true)
    default:
      return view.setBigUint64(off, v, true)
  }
}

function readBits(view: DataView, off: number, bits: number): bigint {
  switch (bits) {
    case 8:
      return BigInt(view.getUint8(off))
    case 16:
      return BigInt(view.getUint16(off, true))
    case 32:
      return BigInt(view.getUint32(off, true))
    default:
      return view.getBigUint64(off, true)
  }
}

/** Writes an argument constant into slot `index` (NaN patterns are not arguments). */
export function writeConst(view: DataView, index: number, c: Const): void {
  const off = index * SLOT
  new Uint8Array(view.buffer, view.byteOffset + off, SLOT).fill(0)
  switch (c.type) {
    case 'i32':
    case 'f32':
      return writeBits(view, off, 32, bitsOf(c.value as string, 32, c.type))
    case 'i64':
    case 'f64':
      return writeBits(view, off, 64, bitsOf(c.value as string, 64, c.type))
    case 'v128': {
      const v = c as VectorConst
      const bits = LANE_BITS[v.lane_type]
      if (!bits || v.value.length * bits !== 128) throw new Error(`a v128 of ${v.value.length} ${v.lane_type} lanes is not 128 bits`)
      v.value.forEach((lane, i) => writeBits(view, off + (i * bits) / 8, bits, bitsOf(lane, bits, `v128 lane ${i}`)))
      return
    }
    default: {
      const hierarchy = refHierarchy(c.type)
      if (hierarchy === null || c.type === 'either') throw new Error(`unsupported argument type '${c.type}'`)
      const value = (c as ScalarConst).value
      if (value === 'null' || value === undefined) return
      // Scripts can only pass null funcrefs (there is no constant for a function).
      if (hierarchy === 'func') throw new Error(`a funcref argument must be null, got '${value}'`)
      // `ref.extern N` and `ref.host N` are the host's value N: its id in the slot.
      view.setBigUint64(off, bitsOf(value, 64, c.type), true)
      view.setUint8(off + 8, REF_TAG.host)
      return
    }
  }
}

/**
 * What a non-function reference slot holds, in byte 8 (the layout of
 * Func.callSlots): null, a host value (its id in bytes 0..8), an i31 (in
 * bytes 0..4), or a struct, array or exception the store roots (its id).
 * A funcref slot holds a function handle in bytes 0..4 instead, 0 for null.
 */
const REF_TAG = { null: 0, host: 1, i31: 2, struct: 3, array: 4, exn: 5 } as const

/** Null references of a type, as the 3.0 scripts write them (`value` absent or `null`). */
const NULL_TYPES = new Set(['refnull', 'nullref', 'nullfuncref', 'nullexternref', 'nullexnref'])

/**
 * The tags a non-null reference of an abstract type may have in its slot,
 * for the scripts' `(ref.array)`, `(ref.eq)`, … results (no value: any
 * reference of the type).
 */
const NON_NULL_TAGS: Record<string, readonly number[]> = {
  anyref: [REF_TAG.host, REF_TAG.i31, REF_TAG.struct, REF_TAG.array],
  eqref: [REF_TAG.i31, REF_TAG.struct, REF_TAG.array],
  i31ref: [REF_TAG.i31],
  structref: [REF_TAG.struct],
  arrayref: [REF_TAG.array],
  externref: [REF_TAG.host, REF_TAG.i31, REF_TAG.struct, REF_TAG.array],
  exnref: [REF_TAG.exn],
}

/**
 * The reference hierarchy of a type, as the runtime writes declared types
 * (`funcref`, `(ref null $struct)`, `(ref noextern)`, …) or a script writes
 * constants (`refnull`, `nullexnref`, …); null for a number or vector type.
 * Each hierarchy has its own slot layout (see {@link REF_TAG}).
 */
export function refHierarchy(type: string): 'func' | 'extern' | 'exn' | 'any' | null {
  if (type === 'i32' || type === 'i64' || type === 'f32' || type === 'f64' || type === 'v128') return null
  if (/func/.test(type)) return 'func'
  if (/extern/.test(type)) return 'extern'
  if (/exn/.test(type)) return 'exn'
  return 'any'
}

/** Whether an argument constant of type `given` may be passed where the function declares `declared` (the runtime checks subtyping). */
export function argumentFits(given: string, declared: string): boolean {
  if (given === declared) return true
  const hierarchy = refHierarchy(given)
  return hierarchy !== null && refHierarchy(declared) === hierarchy
}

function isNullSlot(view: DataView, off: number, hierarchy: 'func' | 'extern' | 'exn' | 'any'): boolean {
  return hierarchy === 'func' ? view.getUint32(off, true) === 0 : view.getUint8(off + 8) === REF_TAG.null
}

/**
 * Whether slot `index`, declared of type `type`, matches the expected
 * constant: one of an `either`'s values, a null of any reference type, any
 * non-null reference of an abstract type (a constant without a value), a
 * host reference by its id, or a value of exactly the declared type.
 */
export function resultMatches(view: DataView, index: number, c: Const, type: string): boolean {
  if (c.type === 'either') return (c as EitherConst).values.some((v) => resultMatches(view, index, v, type))
  const expected = refHierarchy(c.type)
  if (expected === null) return c.type === type && matches(view, index, c)
  const declared = refHierarchy(type)
  const off = index * SLOT
  // `(ref.null)` without a heap type: a null of whatever type the result has.
  if (c.type === 'refnull') return declared !== null && isNullSlot(view, off, declared)
  if (declared !== expected) return false
  const value = (c as ScalarConst).value
  if (NULL_TYPES.has(c.type) || value === 'null') return (value === undefined || value === 'null') && isNullSlot(view, off, declared)
  if (value === undefined) {
    if (declared === 'func') return view.getUint32(off, true) !== 0
    return NON_NULL_TAGS[c.type]?.includes(view.getUint8(off + 8)) ?? false
  }
  if (declared === 'func') throw new Error(`a funcref result constant cannot have a value, got '${value}'`)
  return view.getUint8(off + 8) === REF_TAG.host && view.getBigUint64(off, true) === bitsOf(value, 64, c.type)
}

/** Whether a float of `bits` width matches `pattern` (an exact bit pattern or a NaN pattern). */
function floatMatches(actual: bigint, bits: 32 | 64, pattern: string): boolean {
  if (!isNanPattern(pattern)) return actual === bitsOf(pattern, bits, `f${bits}`)
  const expMask = bits === 32 ? 0x7f800000n : 0x7ff0000000000000n
  const quiet = bits === 32 ? 0x00400000n : 0x0008000000000000n
  const payload = bits === 32 ? 0x007fffffn : 0x000fffffffffffffn
  if ((actual & expMask) !== expMask) return false
  // canonical: only the quiet bit set in the payload (either sign);
  // arithmetic: the quiet bit set, anything else in the payload.
  return pattern === 'nan:canonical' ? (actual & payload) === quiet : (actual & quiet) !== 0n
}

/** Whether slot `index` of `view` holds a value matching the expected constant. */
export function matches(view: DataView, index: number, c: Const): boolean {
  const off = index * SLOT
  switch (c.type) {
    case 'i32':
      return readBits(view, off, 32) === bitsOf(c.value, 32, 'i32')
    case 'i64':
      return readBits(view, off, 64) === bitsOf(c.value, 64, 'i64')
    case 'f32':
      return floatMatches(readBits(view, off, 32), 32, c.value as string)
    case 'f64':
      return floatMatches(readBits(view, off, 64), 64, c.value as string)
    case 'v128': {
      const v = c as VectorConst
      const bits = LANE_BITS[v.lane_type]
      return v.value.every((lane, i) => {
        const actual = readBits(view, off + (i * bits) / 8, bits)
        if (v.lane_type === 'f32' || v.lane_type === 'f64') return floatMatches(actual, bits as 32 | 64, lane)
        return actual === bitsOf(lane, bits, `v128 lane ${i}`)
      })
    }
    default:
      throw new Error(`unsupported result type '${c.type}'`)
  }
}

/** Renders an expected constant for a failure message. */
export function showConst(c: Const): string {
  if (c.type === 'either') return (c as EitherConst).values.map(showConst).join(' | ')
  if (c.type === 'v128') {
    const v = c as VectorConst
    return `v128 ${v.lane_type} [${v.value.map((l) => showLane(v.lane_type, l)).join(' ')}]`
  }
  const value = (c as ScalarConst).value
  if (refHierarchy(c.type) !== null) return value === undefined ? (NULL_TYPES.has(c.type) ? `${c.type} null` : `${c.type} (non-null)`) : `${c.type} ${value}`
  return `${c.type} ${showLane(c.type, value ?? '?')}`
}

function showLane(type: string, value: string): string {
  if (isNanPattern(value) || !/^-?\d+$/.test(value)) return value
  return showBits(type, BigInt(value))
}

function showBits(type: string, raw: bigint): string {
  switch (type) {
    case 'i8':
    case 'i16':
    case 'i32':
    case 'i64': {
      const bits = LANE_BITS[type]
      const u = BigInt.asUintN(bits, raw)
      const s = BigInt.asIntN(bits, raw)
      return s === u ? `${u}` : `${s} (0x${u.toString(16)})`
    }
    case 'f32':
    case 'f64': {
      const bits = type === 'f32' ? 32 : 64
      const u = BigInt.asUintN(bits, raw)
      const buf = new DataView(new ArrayBuffer(8))
      let n: number
      if (bits === 32) {
        buf.setUint32(0, Number(u), true)
        n = buf.getFloat32(0, true)
      } else {
        buf.setBigUint64(0, u, true)
        n = buf.getFloat64(0, true)
      }
      return `${Object.is(n, -0) ? '-0' : n} (0x${u.toString(16).padStart(bits / 4, '0')})`
    }
    default:
      return `${raw}`
  }
}

/** Renders slot `index` as a value of the type (and lane shape) of `like`. */
export function showSlot(view: DataView, index: number, like: Const): string {
  const off = index * SLOT
  switch (like.type) {
    case 'i32':
    case 'f32':
      return `${like.type} ${showBits(like.type, readBits(view, off, 32))}`
    case 'i64':
    case 'f64':
      return `${like.type} ${showBits(like.type, readBits(view, off, 64))}`
    case 'v128': {
      const lane = (like as Partial<VectorConst>).lane_type ?? 'i32'
      const bits = LANE_BITS[lane]
      const lanes: string[] = []
      for (let i = 0; i < 128 / bits; i++) lanes.push(showBits(lane, readBits(view, off + (i * bits) / 8, bits)))
      return `v128 ${lane} [${lanes.join(' ')}]`
    }
    default:
      return showRef(view, off, like.type)
  }
}

/** Renders a reference slot of type `type`: `funcref null`, `(ref $struct): struct #3`, `anyref: host 7`, … */
function showRef(view: DataView, off: number, type: string): string {
  const hierarchy = refHierarchy(type)
  if (hierarchy === null) return type
  if (hierarchy === 'func') return view.getUint32(off, true) === 0 ? `${type} null` : `${type} (a function)`
  const tag = view.getUint8(off + 8)
  const low = view.getBigUint64(off, true)
  switch (tag) {
    case REF_TAG.null:
      return `${type} null`
    case REF_TAG.host:
      return `${type} host ${low}`
    case REF_TAG.i31:
      return `${type} i31 ${view.getInt32(off, true)}`
    case REF_TAG.struct:
      return `${type} struct #${low}`
    case REF_TAG.array:
      return `${type} array #${low}`
    case REF_TAG.exn:
      return `${type} exception #${low}`
    default:
      return `${type} (slot tag ${tag})`
  }
}

/** Renders slot `index` of declared type `type`, in the shape of the expected `like` where it has one. */
export function showResult(view: DataView, index: number, type: string, like: Const | undefined): string {
  const shape = like?.type === 'either' ? (like as EitherConst).values[0] : like
  return showSlot(view, index, shape?.type === type ? shape : ({ type } as Const))
}

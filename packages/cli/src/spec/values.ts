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
    case 'externref':
      // The slot carries the host's id for the reference: `ref.extern N` is id N.
      if (c.value === 'null') return
      view.setBigUint64(off, bitsOf(c.value, 64, 'externref'), true)
      view.setUint8(off + 8, 1)
      return
    case 'funcref':
      // Scripts can only pass null funcrefs (there is no constant for a function).
      if (c.value === 'null') return
      throw new Error(`a funcref argument must be null, got '${c.value}'`)
    default:
      throw new Error(`unsupported argument type '${c.type}'`)
  }
}

/** Null references of a type, as the 3.0 scripts write them (`value` absent or `null`). */
const NULL_TYPES = new Set(['refnull', 'nullref', 'nullfuncref', 'nullexternref', 'nullexnref'])

/**
 * How a reference result of this declared type sits in its slot: a function
 * handle, an externref id, or neither (GC and exception references cannot
 * reach the host yet). Typed references (`(ref null $t)`, `(ref extern)`)
 * sit as their top type does.
 */
export function refKind(type: string): 'func' | 'extern' | null {
  if (/func/.test(type)) return 'func'
  if (/extern/.test(type)) return 'extern'
  return null
}

/** Whether an argument constant of type `given` may be passed where the function declares `declared`. */
export function argumentFits(given: string, declared: string): boolean {
  if (given === declared) return true
  return (given === 'funcref' || given === 'externref') && refKind(declared) === refKind(given) && refKind(given) !== null
}

/**
 * Whether slot `index`, declared of type `type`, matches the expected
 * constant: one of an `either`'s values, a null of any reference type, a
 * reference of the same kind (for typed references), or a value of exactly
 * the declared type.
 */
export function resultMatches(view: DataView, index: number, c: Const, type: string): boolean {
  if (c.type === 'either') return (c as EitherConst).values.some((v) => resultMatches(view, index, v, type))
  const kind = refKind(type)
  const isNull = (c as ScalarConst).value === undefined || (c as ScalarConst).value === 'null'
  if (NULL_TYPES.has(c.type)) {
    if (!isNull) return false
    const off = index * SLOT
    if (kind === 'func') return view.getUint32(off, true) === 0
    if (kind === 'extern') return view.getUint8(off + 8) === 0
    return false
  }
  if ((c.type === 'funcref' || c.type === 'externref') && (c as ScalarConst).value === undefined) {
    // No value: any non-null reference of the type.
    const off = index * SLOT
    if (kind !== refKind(c.type)) return false
    return kind === 'func' ? view.getUint32(off, true) !== 0 : view.getUint8(off + 8) !== 0
  }
  if ((c.type === 'funcref' || c.type === 'externref') && c.type !== type) {
    return kind === refKind(c.type) && matches(view, index, c)
  }
  return c.type === type && matches(view, index, c)
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
    case 'externref': {
      const present = view.getUint8(off + 8) !== 0
      if (c.value === 'null') return !present
      return present && view.getBigUint64(off, true) === bitsOf(c.value, 64, 'externref')
    }
    case 'funcref': {
      const handle = view.getUint32(off, true)
      // `(ref.func)` without an index only says "some function".
      return c.value === 'null' ? handle === 0 : handle !== 0
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
  return `${c.type} ${showLane(c.type, (c as ScalarConst).value ?? '?')}`
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
    case 'externref':
      return view.getUint8(off + 8) === 0 ? 'externref null' : `externref ${view.getBigUint64(off, true)}`
    case 'funcref':
      return view.getUint32(off, true) === 0 ? 'funcref null' : 'funcref (a function)'
    default:
      return like.type
  }
}

/** Renders slot `index` of declared type `type`, in the shape of the expected `like` where it has one. */
export function showResult(view: DataView, index: number, type: string, like: Const | undefined): string {
  const shape = like?.type === 'either' ? (like as EitherConst).values[0] : like
  if (shape?.type === type) return showSlot(view, index, shape)
  const kind = refKind(type)
  if (kind === 'func') return `${type}: ${showSlot(view, index, { type: 'funcref' })}`
  if (kind === 'extern') return `${type}: ${showSlot(view, index, { type: 'externref' })}`
  return showSlot(view, index, { type } as Const)
}

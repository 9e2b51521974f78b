// Positional arguments of public methods (offsets, indices, counts, byte
// buffers, per-call limits) are checked here, once, before anything reaches
// the addon: the addon converts with checked conversions too, but only this
// side can name the argument the caller wrote. Each problem is an
// InvalidArgumentError whose path is `<method>(<argument>)`, e.g.
// `memory.read(offset)`, and whose message says what would be accepted.
import { InvalidArgumentError } from '../errors.js'

/** The largest whole number a JS number holds exactly: 2^53 - 1. */
const MAX_WHOLE = Number.MAX_SAFE_INTEGER

/** A value as an error message shows it: strings quoted, objects by kind. @internal */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'symbol') return v.toString()
  if (typeof v === 'function') return 'a function'
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return String(v)
}

function refuse(path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`${path} must be ${expected}, got ${show(value)}`, path)
}

/**
 * Checks a whole-number argument (an offset, index, length or count): a
 * number, not NaN or infinite, no fraction, from `min` to `max`.
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkWhole(value: unknown, path: string, min = 0, max = MAX_WHOLE): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    refuse(path, `an integer from ${min} to ${max === MAX_WHOLE ? '2^53 - 1' : max}`, value)
  }
}

/**
 * Checks a byte-buffer argument: a `Uint8Array` (a Node `Buffer` is one)
 * whose memory has not been transferred or detached.
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkBytes(value: unknown, path: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) refuse(path, 'a Uint8Array', value)
  if (isDetached(value.buffer)) {
    throw new InvalidArgumentError(`${path} is a Uint8Array whose buffer was transferred or detached`, path)
  }
}

function isDetached(buffer: ArrayBufferLike): boolean {
  const flag = (buffer as { detached?: unknown }).detached
  if (typeof flag === 'boolean') return flag
  // Node 20 before ArrayBuffer.prototype.detached: a view over a detached
  // buffer cannot be made.
  if (buffer.byteLength !== 0 || !(buffer instanceof ArrayBuffer)) return false
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}

/**
 * Checks a limit in milliseconds that may be `null` (no limit): a number
 * from 0 to 2^31 (about 24.8 days), fractions allowed, not NaN.
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkMillis(value: unknown, path: string): asserts value is number | null {
  if (value === null) return
  if (typeof value !== 'number' || !(value >= 0 && value <= 2 ** 31)) refuse(path, 'null or a number of milliseconds from 0 to 2^31', value)
}

/**
 * Checks a fuel budget that may be `null` (unlimited): an integer from 0 to 2^53 - 1.
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkFuel(value: unknown, path: string): asserts value is number | null {
  if (value === null) return
  checkWhole(value, path, 0)
}

/**
 * Checks a name that wasm allows to be any string, the empty one included
 * (an export or import name).
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkString(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string') refuse(path, 'a string', value)
}

/**
 * Checks a non-empty string argument (a path, a plugin source).
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkName(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || value === '') refuse(path, 'a non-empty string', value)
}

/**
 * Checks that an argument is a plain options object (or `undefined`).
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkOptionsObject(value: unknown, path: string): asserts value is object | undefined {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(path, 'an options object', value)
}

/**
 * Checks a module source argument: wasm bytes or WAT text (a `Uint8Array`
 * or a string).
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkSource(value: unknown, path: string): asserts value is Uint8Array | string {
  if (typeof value === 'string') return
  if (!(value instanceof Uint8Array)) refuse(path, 'wasm bytes (a Uint8Array) or WAT text (a string)', value)
  checkBytes(value, path)
}

/**
 * Checks a boolean argument.
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkBoolean(value: unknown, path: string): asserts value is boolean {
  if (typeof value !== 'boolean') refuse(path, 'true or false', value)
}

/**
 * Checks that an argument is an instance of `cls`.
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkInstance<T>(value: unknown, cls: { prototype: T; name: string }, path: string, what = `a ${cls.name}`): asserts value is T {
  // A class with a private constructor is still a constructor at run time.
  if (!(value instanceof (cls as unknown as new () => T))) refuse(path, what, value)
}

/**
 * Refuses `new X(…)` of a class this package makes itself: its constructor is
 * `@internal` (TypeScript alone hides it), so from plain JS it would otherwise
 * fail later with a bare TypeError on a missing field, or a napi error.
 * `made` is the constructor's own check of its arguments; `how` says where
 * such objects come from.
 * @throws {@linkcode InvalidArgumentError} when `made` is false.
 * @internal
 */
export function checkMadeHere(made: boolean, cls: string, how: string): void {
  if (!made) throw new InvalidArgumentError(`new ${cls}(…) cannot be called directly: ${how}`, cls)
}

/** Whether `v` is a non-null object (the arguments internal constructors are given). @internal */
export function isObject(v: unknown): v is object {
  return v !== null && typeof v === 'object'
}

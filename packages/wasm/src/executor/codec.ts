/**
 * How `map` and the bytes calls turn inputs into bytes and outputs back.
 *
 * @module
 */
import { AbiError, InvalidArgumentError } from '../errors.js'

/**
 * How a call's input and output cross: `'values'` (wasm arguments and
 * results), `'bytes'` (a `Uint8Array` by the `allocate` convention),
 * `'string'` (UTF-8 text by the same convention), `'json'` (a JSON value as UTF-8 text).
 */
export type Codec = 'values' | 'bytes' | 'string' | 'json'

const enc = new TextEncoder()
const dec = new TextDecoder('utf-8', { fatal: true })

/** An input as the bytes a bytes call takes. @internal */
export function encodeInput(codec: Exclude<Codec, 'values'>, input: unknown): Uint8Array {
  switch (codec) {
    case 'bytes':
      if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('with codec bytes each input must be a Uint8Array', 'input')
      return input
    case 'string':
      if (typeof input !== 'string') throw new InvalidArgumentError('with codec string each input must be a string', 'input')
      return enc.encode(input)
    case 'json': {
      let text: string | undefined
      try {
        text = JSON.stringify(input)
      } catch (e) {
        throw new InvalidArgumentError(`the input cannot be written as JSON: ${(e as Error).message}`, 'input', { cause: e })
      }
      if (text === undefined) throw new InvalidArgumentError('the input cannot be written as JSON', 'input')
      return enc.encode(text)
    }
    default:
      throw new InvalidArgumentError("codec must be 'values', 'bytes', 'string' or 'json'", 'codec')
  }
}

/** The output bytes of a bytes call as the codec's value. @internal */
export function decodeOutput(codec: Exclude<Codec, 'values'>, out: Uint8Array): unknown {
  if (codec === 'bytes') return out
  let text: string
  try {
    text = dec.decode(out)
  } catch (e) {
    throw new AbiError('the guest returned bytes that are not UTF-8 text', { cause: e })
  }
  if (codec === 'string') return text
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new AbiError(`the guest returned text that is not JSON: ${(e as Error).message}`, { cause: e })
  }
}

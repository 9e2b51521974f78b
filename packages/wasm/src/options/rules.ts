// The validation rules of options whose values are not plain numbers,
// strings or enums: definitions.mjs names them (`rule: 'rules.stdin'`), and
// the generated schemas use them from here, so each is written once.
import type { Rule } from './validate.js'

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null

/** A standard output stream's destination (see `OutputOption`). */
export const output: Rule = {
  kind: 'custom',
  expected: "'capture', 'inherit', 'discard', 'deny' or a function taking each chunk",
  test: (v) => typeof v === 'function' || v === 'capture' || v === 'inherit' || v === 'discard' || v === 'deny',
}

/** Standard input (see `StdinOption`). */
export const stdin: Rule = {
  kind: 'custom',
  expected: 'bytes, a string, an async iterable of chunks, "inherit", "deny" or null',
  test: (v) =>
    v === null ||
    v === 'inherit' ||
    v === 'deny' ||
    typeof v === 'string' ||
    v instanceof Uint8Array ||
    (isObject(v) && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'),
}

/** A policy's stdio grant: `true`, `false` or `'inherit'`. */
export const stdioGrant: Rule = { kind: 'booleanOrEnum', values: ['inherit'] }

/** A call's `AbortSignal`. */
export const abortSignal: Rule = { kind: 'custom', expected: 'an AbortSignal', test: (v) => v instanceof AbortSignal }

/** An imports object: import module name → its functions and externs. */
export const importsObject: Rule = { kind: 'custom', expected: 'an object of import modules', test: isObject }

/** Preloaded modules by import name. */
export const preload: Rule = { kind: 'custom', expected: 'an object of modules by import name', test: (v) => isObject(v) && !Array.isArray(v) }

/** Any array (each item is checked where it is used). */
export const array: Rule = { kind: 'custom', expected: 'an array', test: Array.isArray }

/** Any function. */
export const fn: Rule = { kind: 'custom', expected: 'a function', test: (v) => typeof v === 'function' }

/** A host functions file: a non-empty path or a `file:` URL. */
export const hostFile: Rule = {
  kind: 'custom',
  expected: 'a file path or a file: URL',
  test: (v) => (typeof v === 'string' && v !== '') || (v instanceof URL && v.protocol === 'file:'),
}

/** A `Runtime`, told by its `createStore` method (the class is not imported here, to keep the options free of cycles). */
export const runtime: Rule = {
  kind: 'custom',
  expected: 'a Runtime (from createRuntime)',
  test: (v) => isObject(v) && typeof (v as { createStore?: unknown }).createStore === 'function',
}

/** A queue bound: a whole number from 0, or `Infinity`. */
export const maxQueue: Rule = {
  kind: 'custom',
  expected: 'a whole number from 0, or Infinity',
  test: (v) => v === Infinity || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0),
}

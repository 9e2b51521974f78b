/**
 * The pure-compute fast path of the executor: a module with no imports,
 * called on an export with numeric parameters and results, runs start to
 * end on a native pool thread (store made, instantiated, called, freed
 * there): the JS thread only writes the arguments and reads the results,
 * so calls scale with the pool's threads instead of waiting for the JS
 * thread to instantiate each one.
 *
 * @module
 */
import type { Runtime } from '../runtime/runtime.js'
import type { Module } from '../loader/module.js'
import { decode, encode, SLOT, type RefTable, type ValueType } from '../runtime/values.js'
import { fromNative, InternalError, type NativeExceptionValue } from '../errors.js'
import type { CallOptions, CallResult } from './call.js'
import { underToken } from '../runtime/token.js'

const NUMERIC = new Set(['i32', 'i64', 'f32', 'f64', 'v128'])

// Numeric values never touch a reference table.
const NO_REFS: RefTable = {
  funcHandle: () => {
    throw new InternalError('a numeric slot asked for a funcref')
  },
  funcFromHandle: () => null,
  externId: () => 0n,
  externValue: () => undefined,
  gcId: () => null,
  gcRef: () => null,
}

/** An escaping exception's payload from its slots: numbers and vectors; a reference (no slot) is undefined. */
function decodePayload(values: NativeExceptionValue[]): unknown[] {
  return values.map((v) => {
    if (v.slot === null) return undefined
    const slot = Buffer.from(v.slot, 'hex')
    return decode(new DataView(slot.buffer, slot.byteOffset, slot.byteLength), 0, v.type as ValueType, NO_REFS)
  })
}

/** The export's signature when `module` can take the fast path for `name` and `args`; else null. @internal */
export function oneShotSignature(module: Module, name: string, args: unknown[], options: CallOptions): { params: string[]; results: string[] } | null {
  if (options.imports !== undefined && Object.keys(options.imports).length > 0) return null
  if (module.imports.length > 0) return null
  const e = module.exports.find((x) => x.name === name)
  if (!e || e.type.kind !== 'func') return null
  const params = e.type.params ?? []
  const results = e.type.results ?? []
  if (args.length !== params.length || !params.every((t) => NUMERIC.has(t)) || !results.every((t) => NUMERIC.has(t))) return null
  return { params, results }
}

/** Runs one fast-path call (see the module docs). @internal */
export async function callOneShot(rt: Runtime, module: Module, name: string, sig: { params: string[]; results: string[] }, args: unknown[], options: CallOptions, stats: boolean): Promise<CallResult> {
  const slots = new Uint8Array(Math.max(sig.params.length, sig.results.length, 1) * SLOT)
  const view = new DataView(slots.buffer)
  for (let i = 0; i < sig.params.length; i++) encode(view, i, sig.params[i]!, args[i], NO_REFS, `argument ${i}`)
  const timeout = options.timeout === undefined ? rt.options.maxExecutionTime : options.timeout
  const fuel = options.fuel === undefined ? rt.options.fuel : options.fuel
  const o = {
    maxMemoryBytes: options.maxMemory ?? rt.options.maxMemory,
    ...(timeout !== null && module.engine.options.epochInterruption !== false ? { deadlineMs: timeout } : {}),
    ...(fuel != null ? { fuel } : {}),
    ...(stats ? { stats: true } : {}),
  }
  const signal = options.signal
  const r = await underToken(signal, (token) => module.binding.callOnceAsync(name, slots, o, token), (e) => fromNative(e, { payload: decodePayload }))
  const out = new DataView(r.slots.buffer, r.slots.byteOffset, r.slots.byteLength)
  const n = sig.results.length
  const value = n === 0 ? undefined : n === 1 ? decode(out, 0, sig.results[0]!, NO_REFS) : sig.results.map((t, i) => decode(out, i, t, NO_REFS))
  return { value, stats: { wallMs: r.stats.wallNs / 1e6, fuelConsumed: r.stats.fuelConsumed ?? null, peakMemory: r.stats.peakMemory } }
}

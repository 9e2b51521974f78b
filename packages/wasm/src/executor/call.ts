import type { Runtime } from '../runtime/runtime.js'
import type { Module } from '../loader/module.js'
import { CancelledError, InvalidArgumentError } from '../errors.js'
import type { CallStats, Store } from '../runtime/store.js'
import type { Func } from '../runtime/externs.js'
import { Plugin } from '../sandbox/plugin.js'
import { checkTarget, prepareWasiCall, type RunOptions } from './run.js'
import { validateCallOptions } from '../options/validate.js'
import { callOneShot, oneShotSignature } from './oneshot.js'
import type { CallOptions } from '../options/options.generated.js'

export type { CallOptions }

/** A call's result together with what it cost. */
export interface CallResult {
  /** The function's result (`undefined` for none, an array for several). */
  value: unknown
  /** Wall time, fuel consumed, peak memory. */
  stats: CallStats
}

/**
 * Runs one call in a fresh store and instance, so calls never share state.
 * @internal
 */
export function prepare(rt: Runtime, module: Module, name: string, args: unknown[], options: CallOptions, stats = false): { store: Store; func: Func } {
  if (!Array.isArray(args)) throw new InvalidArgumentError('call arguments must be an array', 'args')
  if (options.signal?.aborted) throw new CancelledError('the call was cancelled before it started', { cause: options.signal.reason })
  const timeout = options.timeout === undefined ? rt.options.maxExecutionTime : options.timeout
  const store = rt.createStore(options.maxMemory !== undefined ? { maxMemory: options.maxMemory } : {}, timeout, module)
  const fuel = options.fuel === undefined ? rt.options.fuel : options.fuel
  if (fuel != null) store.setFuel(fuel)
  if (stats) store.collectStats = true
  const instance = store.instantiate(module, options.imports ?? {})
  return { store, func: instance.func(name) }
}

/** The run options a call's options give a WASI call (only those set). */
function wasiCallOptions(o: CallOptions): RunOptions {
  return {
    ...(o.imports ? { imports: o.imports } : {}),
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    ...(o.fuel !== undefined ? { fuel: o.fuel } : {}),
    ...(o.maxMemory !== undefined ? { maxMemory: o.maxMemory } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  }
}

function nameOf(target: Module | Plugin, name: string | undefined): string {
  if (name !== undefined) {
    if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('the export name must be a non-empty string', 'name')
    return name
  }
  if (target instanceof Plugin && target.entry !== null) return target.entry
  throw new InvalidArgumentError(
    target instanceof Plugin ? `name the export to call: the plugin ${target.name} sets no module.entry` : 'name the export to call',
    'name',
  )
}

/** Runs one call on this thread. @internal */
export function callOnceSync(rt: Runtime, module: Module, name: string, args: unknown[], options: CallOptions, stats = false): CallResult {
  if ((module as unknown) instanceof Plugin) throw new InvalidArgumentError('a plugin runs in its WASI world off the main thread: use rt.call', 'module')
  checkTarget(module, 'rt.callSync(module)')
  validateCallOptions(options)
  const { store, func } = prepare(rt, module, nameOf(module, name), args, options, stats)
  try {
    const value = func.call(...args)
    return { value, stats: store.lastCallStats }
  } finally {
    // One store per call: free it now, not when the GC gets to it (each
    // memory reserves gigabytes of address space until then).
    store.release()
  }
}

/** Runs one call on the native pool (or on this thread when parallelExecution is off). @internal */
export async function callOnce(rt: Runtime, target: Module | Plugin, name: string | undefined, args: unknown[], options: CallOptions, stats = false): Promise<CallResult> {
  checkTarget(target, 'rt.call(module)')
  const fn = nameOf(target, name)
  validateCallOptions(options)
  if (!Array.isArray(args)) throw new InvalidArgumentError('call arguments must be an array', 'args')
  if (options.signal?.aborted) throw new CancelledError('the call was cancelled before it started', { cause: options.signal.reason })
  const wasi = await prepareWasiCall(rt, target, wasiCallOptions(options))
  if (wasi) {
    try {
      const func = wasi.instance.func(fn)
      const value = rt.options.parallelExecution ? await func.callAsync(args, options.signal ? { signal: options.signal } : {}) : func.call(...args)
      return { value, stats: wasi.store.lastCallStats }
    } finally {
      wasi.finish()
      wasi.store.release()
    }
  }
  const module = target as Module
  if (!rt.options.parallelExecution) return callOnceSync(rt, module, fn, args, options, stats)
  const sig = oneShotSignature(module, fn, args, options)
  if (sig) return callOneShot(rt, module, fn, sig, args, options, stats)
  const { store, func } = prepare(rt, module, fn, args, options, stats)
  try {
    const value = await func.callAsync(args, options.signal ? { signal: options.signal } : {})
    return { value, stats: store.lastCallStats }
  } finally {
    store.release()
  }
}

/** Runs one bytes call (the `allocate` convention) in a fresh store, on the pool or this thread. @internal */
export async function callBytesOnce(rt: Runtime, target: Module | Plugin, name: string | undefined, input: Uint8Array, options: CallOptions): Promise<Uint8Array> {
  checkTarget(target, 'rt.callBytes(module)')
  const fn = nameOf(target, name)
  validateCallOptions(options)
  if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('a bytes call takes a Uint8Array', 'input')
  if (options.signal?.aborted) throw new CancelledError('the call was cancelled before it started', { cause: options.signal.reason })
  const wasi = await prepareWasiCall(rt, target, wasiCallOptions(options))
  const signal = options.signal ? { signal: options.signal } : {}
  if (wasi) {
    try {
      return rt.options.parallelExecution ? await wasi.instance.callBytesAsync(fn, input, signal) : wasi.instance.callBytes(fn, input)
    } finally {
      wasi.finish()
      wasi.store.release()
    }
  }
  const module = target as Module
  const store = rt.createStore(options.maxMemory !== undefined ? { maxMemory: options.maxMemory } : {}, options.timeout === undefined ? rt.options.maxExecutionTime : options.timeout, module)
  try {
    const fuel = options.fuel === undefined ? rt.options.fuel : options.fuel
    if (fuel != null) store.setFuel(fuel)
    const instance = store.instantiate(module, options.imports ?? {})
    return rt.options.parallelExecution ? await instance.callBytesAsync(fn, input, signal) : instance.callBytes(fn, input)
  } finally {
    store.release()
  }
}

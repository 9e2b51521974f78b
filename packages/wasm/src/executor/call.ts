import type { Runtime } from '../runtime/runtime.js'
import type { Module } from '../loader/module.js'
import type { Imports } from '../loader/instance.js'
import { InvalidArgumentError } from '../errors.js'

/** Per-call options; each overrides the runtime's default. */
export interface CallOptions {
  /**
   * Imports for the fresh instance.
   * @default {}
   */
  imports?: Imports
  /**
   * Wall-clock limit in milliseconds, or `null` for none.
   * @default the runtime's maxExecutionTime
   */
  timeout?: number | null
  /**
   * Largest linear memory in bytes.
   * @default the runtime's maxMemory
   */
  maxMemory?: number
}

/**
 * Runs one call in a fresh store and instance, so calls never share state.
 * @internal
 */
export function callOnce(rt: Runtime, module: Module, name: string, args: unknown[], options: CallOptions): unknown {
  if (!Array.isArray(args)) throw new InvalidArgumentError('call arguments must be an array', 'args')
  const timeout = options.timeout === undefined ? rt.options.maxExecutionTime : options.timeout
  const store = rt.createStore(options.maxMemory !== undefined ? { maxMemory: options.maxMemory } : {}, timeout)
  const instance = store.instantiate(module, options.imports ?? {})
  return instance.func(name).call(...args)
}

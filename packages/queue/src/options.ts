/**
 * Checks of the options this package takes, each refusal an
 * {@link InvalidArgumentError} naming the dotted option.
 *
 * @module
 */
import { InvalidArgumentError } from '@cybernetic/wasm'

/** Throws unless `o` is a plain options object whose keys are all in `keys`. @internal */
export function checkKeys(o: unknown, keys: readonly string[], path: string, hint: Record<string, string> = {}): asserts o is Record<string, unknown> {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InvalidArgumentError(`${path} must be an object`, path)
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidArgumentError(hint[k] ?? `unknown option ${path}.${k}; options are: ${keys.join(', ')}`, `${path}.${k}`)
  }
}

/** Throws unless `v` is undefined or a whole number in [min, max]. @internal */
export function checkInt(v: unknown, min: number, max: number, path: string, nullable = false): void {
  if (v === undefined || (nullable && v === null)) return
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${path} must be a whole number from ${min} to ${max}${nullable ? ', or null' : ''}, got ${String(v)}`, path)
  }
}

/** The options every queued call takes. */
export interface QueueCallOptions {
  /**
   * Cancels the call: a job still waiting is taken off the queue; a running
   * one is stopped at the guest's next check on whatever worker holds it.
   * The call rejects with {@link CancelledError} at once either way.
   * @default undefined
   */
  signal?: AbortSignal
  /**
   * The guest's wall-clock limit in ms on the worker, or `null` for none (a
   * worker whose policy sets `limits.timeMs` refuses `null` and anything above it).
   * @default the worker's: its policy's limits.timeMs, else its runtime's maxExecutionTime
   */
  timeout?: number | null
  /**
   * Fuel budget on the worker, or `null` for none (at most the worker policy's `limits.fuel`).
   * @default the worker's: its policy's limits.fuel, else unlimited
   */
  fuel?: number | null
  /**
   * Largest linear memory in bytes (at most the worker policy's `limits.memory`).
   * @default the worker's: its policy's limits.memory, else its runtime's maxMemory
   */
  maxMemory?: number
  /**
   * A sandbox manifest (TOML or JSON text) the job runs under as a plugin:
   * the worker meets it with its own policy and refuses more with
   * {@link CapabilityError}. Relative paths in it are relative to the
   * worker's `manifestDir`. A {@link Plugin} target sends its own manifest.
   * @default none (a plain module: nothing granted beyond what the worker gives every job)
   */
  manifest?: string
  /**
   * BullMQ job priority: 1 is the highest; jobs without one go first.
   * @default none
   */
  priority?: number
}

const CALL_KEYS = ['signal', 'timeout', 'fuel', 'maxMemory', 'manifest', 'priority'] as const
const NO_FUNCTIONS = {
  imports: 'host functions cannot travel with a queued job (functions do not cross machines): give the module no JS imports, or run it with the local executor',
  host: 'host files are not sent with queued jobs: run calls with host functions on the local executor',
  placement: 'placement is a local executor option: queued jobs run where a worker takes them',
}

/** Checks a call's options. @internal */
export function checkCallOptions(o: unknown, path = 'options', extra: readonly string[] = []): asserts o is QueueCallOptions {
  checkKeys(o, [...CALL_KEYS, ...extra], path, NO_FUNCTIONS)
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidArgumentError(`${path}.signal must be an AbortSignal`, `${path}.signal`)
  checkInt(o.timeout, 1, 2 ** 31, `${path}.timeout`, true)
  checkInt(o.fuel, 1, Number.MAX_SAFE_INTEGER, `${path}.fuel`, true)
  checkInt(o.maxMemory, 0, Number.MAX_SAFE_INTEGER, `${path}.maxMemory`)
  checkInt(o.priority, 1, 2_097_152, `${path}.priority`)
  if (o.manifest !== undefined && (typeof o.manifest !== 'string' || o.manifest === '')) {
    throw new InvalidArgumentError(`${path}.manifest must be the manifest's text (TOML or JSON)`, `${path}.manifest`)
  }
}

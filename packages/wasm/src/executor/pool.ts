/**
 * The native pool's health, for checks and tests.
 *
 * @module
 */
import { binding } from '../runtime/binding.js'

/** What the native pool is doing. */
export interface PoolStats {
  /** Threads in the pool (fixed for the life of the process: the machine's cores, at least 2). */
  threads: number
  /** Threads running a call now (it may lag an instant behind a call's end). */
  busy: number
  /** Calls waiting for a pool thread. */
  queued: number
}

/**
 * What the addon's native thread pool is doing now (shared by every
 * runtime and executor of the process).
 * @throws never
 * @example
 * ```ts
 * poolStats() // { threads: 2, busy: 0, queued: 0 }
 * ```
 */
export function poolStats(): PoolStats {
  const s = binding.poolStats()
  return { threads: s.threads, busy: s.busy, queued: s.queued }
}

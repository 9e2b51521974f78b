import { binding } from './binding.js'

/** Counters of the process-wide module registry (shared by all worker threads). */
export interface RegistryStats {
  /** Modules compiled by Cranelift in this process. */
  compiled: number
  /** Compilations avoided by reusing the same bytes' code. */
  cacheHits: number
  /** Modules loaded from verified artifacts. */
  deserialized: number
  /** Modules held in the registry now. */
  cached: number
}

/**
 * The process-wide module registry's counters.
 *
 * @throws never
 * @example
 * ```ts
 * const { compiled, cacheHits } = registryStats()
 * ```
 */
export function registryStats(): RegistryStats {
  return binding.moduleRegistryStats()
}

/**
 * Every trap code the addon can report (compare with {@link TRAP_CODES}).
 *
 * @throws never
 * @example
 * ```ts
 * trapCodes().includes('integer_divide_by_zero') // true
 * ```
 */
export function trapCodes(): string[] {
  return binding.trapCodes()
}

/**
 * The embedded Wasmtime version.
 *
 * @throws never
 * @example
 * ```ts
 * wasmtimeVersion() // '48.0.8'
 * ```
 */
export function wasmtimeVersion(): string {
  return binding.wasmtimeVersion()
}

// The on-disk module cache: compiled code kept between processes (the
// addon's DiskCache does the work: naming, atomic writes, verification
// before deserialization, LRU eviction; see crates/cwasm_core/src/cache.rs).
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { binding, type BindingDiskCache } from './binding.js'
import { cacheDir } from './aot.js'
import type { Engine } from './engine.js'
import { RUNTIME_DEFAULTS } from '../options/options.generated.js'
import { Module } from '../loader/module.js'
import { checkMadeHere } from '../options/arguments.js'
import { CompileError, fromNative, native, withCodeFrame, type ArtifactProblem } from '../errors.js'

/** The default size bound of the disk cache: 1 GiB (the `maxCacheSize` default of options/definitions.mjs). */
export const DEFAULT_MAX_CACHE_SIZE = RUNTIME_DEFAULTS.maxCacheSize

/**
 * The default cache directory: `$CWASM_CACHE_DIR`, else `modules` in {@link cacheDir}.
 *
 * @throws never
 * @example
 * ```ts
 * defaultModuleCacheDir() // '/home/me/.cache/cybernetic-wasm/modules'
 * ```
 */
export function defaultModuleCacheDir(): string {
  return process.env['CWASM_CACHE_DIR'] || join(cacheDir(), 'modules')
}

/** What the cache holds, and what this process did with it (counters are process-wide). */
export interface ModuleCacheStats {
  /** The directory. */
  dir: string
  /** Entries in it now. */
  entries: number
  /** Their total size in bytes. */
  bytes: number
  /** The size bound in bytes; past it the least recently used entries go. */
  maxBytes: number
  /** Loads answered from disk. */
  hits: number
  /** Loads that had to compile. */
  misses: number
  /** Entries found bad (truncated, modified, another module's) and removed. */
  rejected: number
  /** Entries written. */
  writes: number
  /** Entries that could not be written (the load still succeeded). */
  writeFailures: number
  /** Entries removed to stay under the bound. */
  evictions: number
}

/** A cache entry that was refused before the module was compiled again. */
export interface CacheRejection {
  /** The module file being loaded, if it came from a file. */
  file: string | null
  /** Hex SHA-256 of the module. */
  hash: string
  /** Why the entry was refused. */
  problem: ArtifactProblem
  /** In words. */
  message: string
}

/** Where a module came from. */
export type CacheOutcome = 'memory' | 'disk' | 'compiled'

/**
 * The on-disk cache of compiled modules, one directory (mode 0700) of
 * verified artifacts named by content hash and engine configuration. A
 * truncated, modified or swapped entry is never loaded: it is removed, the
 * module compiled again, and a `'rejected'` event emitted; a failed write
 * emits `'writeError'` and does not fail the load.
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ cacheDir: '/var/cache/my-app/wasm' })
 * rt.cache?.on('rejected', (r) => console.warn(`bad cache entry for ${r.file}: ${r.message}`))
 * rt.cache?.stats() // { entries: 12, bytes: 48_000_000, hits: 3, … }
 * ```
 */
export class ModuleCache extends EventEmitter<{ rejected: [CacheRejection]; writeError: [{ file: string | null; message: string }] }> {
  /** The directory. */
  readonly dir: string
  readonly #b: BindingDiskCache

  /** @internal */
  constructor(dir: string, maxBytes: number, key: Uint8Array) {
    super()
    checkMadeHere(typeof dir === 'string' && Number.isSafeInteger(maxBytes) && key instanceof Uint8Array, 'ModuleCache', 'the disk cache is rt.cache, made by createRuntime({ cacheDir })')
    this.dir = dir
    this.#b = native(() => new binding.BindingDiskCache(dir, maxBytes, key))
  }

  /**
   * What the cache holds, and the process's counters.
   * @throws never
   */
  stats(): ModuleCacheStats {
    return { dir: this.dir, ...native(() => this.#b.stats()) }
  }

  /**
   * Removes every entry; returns how many.
   * @throws never: an entry that cannot be removed is left for the next clear
   */
  clear(): number {
    return native(() => this.#b.clear())
  }

  /** The module of `bytes` for `engine`, off the main thread. @internal */
  async load(engine: Engine, bytes: Uint8Array, file: string | null, format: 'auto' | 'binary' | 'text' = 'auto'): Promise<{ module: Module; outcome: CacheOutcome }> {
    let r
    try {
      r = await this.#b.loadAsync(engine.binding, bytes, format)
    } catch (e) {
      throw this.#compileError(e, bytes, file)
    }
    return this.#finish(engine, r, file)
  }

  /** {@link ModuleCache.load} on this thread. @internal */
  loadSync(engine: Engine, bytes: Uint8Array, file: string | null, format: 'auto' | 'binary' | 'text' = 'auto'): { module: Module; outcome: CacheOutcome } {
    let r
    try {
      r = this.#b.load(engine.binding, bytes, format)
    } catch (e) {
      throw this.#compileError(e, bytes, file)
    }
    return this.#finish(engine, r, file)
  }

  #compileError(e: unknown, bytes: Uint8Array, file: string | null): unknown {
    return framed(fromNative(e, { file }), bytes)
  }

  #finish(engine: Engine, r: Awaited<ReturnType<BindingDiskCache['loadAsync']>>, file: string | null): { module: Module; outcome: CacheOutcome } {
    const module = new Module(engine, r.module, file)
    if (r.rejected) {
      this.emit('rejected', { file, hash: module.hash, problem: r.rejected.problem as ArtifactProblem, message: r.rejected.message })
    }
    if (r.writeError) this.emit('writeError', { file, message: r.writeError })
    return { module, outcome: r.outcome as CacheOutcome }
  }
}

/** Adds a code frame to a WAT compile error. @internal */
export function framed(e: unknown, source: Uint8Array | string): unknown {
  return e instanceof CompileError ? withCodeFrame(e, source) : e
}

// Hot reload: a module (or a plugin: manifest and module) watched on disk,
// recompiled in the background when it changes, and swapped in one step.
import { EventEmitter } from 'node:events'
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { checkMadeHere, isObject } from '../options/arguments.js'

/** Options of {@link Runtime.watch} and {@link Runtime.watchPlugin}. */
export interface WatchOptions {
  /**
   * How long the files must stay unchanged before a reload starts, in ms (editors and build tools
   * write in several steps).
   * @default 100
   */
  debounceMs?: number
}

/** Which version of a watched module is serving. */
export interface WatchedVersion {
  /** Hex SHA-256 of the module. */
  hash: string
  /** 0 for the version loaded first, then one more for each reload. */
  generation: number
  /** When it was swapped in (ms since the epoch). */
  loadedAt: number
}

/** A reload that failed: the previous version keeps serving. */
export interface ReloadFailure {
  /** What went wrong (a {@link CompileError}, {@link ManifestError}, …). */
  error: unknown
  /** The version still serving. */
  version: WatchedVersion
}

/** What a loader gives a watcher: the value, its hash, and the files it came from. @internal */
export interface Loaded<T> {
  value: T
  hash: string
  files: string[]
}

/**
 * A module or plugin kept up to date with its files. {@link Watched.current}
 * is the version serving now: a call started with it finishes on it, and
 * calls after a reload get the new one ({@link Runtime.call} and
 * {@link Runtime.run} take a `Watched` and read `current` when they start).
 * A change is compiled in the background; a file that does not compile
 * leaves the old version serving and emits `'failed'`. An idle watcher does
 * not keep the process alive; {@link Watched.close} stops it.
 *
 * @example
 * ```ts
 * const w = await rt.watch('plugins/resize.wasm')
 * w.on('reload', (v) => console.log(`now serving generation ${v.generation} (${v.hash.slice(0, 8)})`))
 * w.on('failed', ({ error }) => console.error(`kept the old version: ${error}`))
 * await rt.call(w, 'resize', [640, 480])
 * w.close()
 * ```
 */
export class Watched<T> extends EventEmitter<{ reload: [WatchedVersion]; failed: [ReloadFailure]; close: [] }> {
  #current: T
  #version: WatchedVersion
  #watchers = new Map<string, FSWatcher>()
  #timer: NodeJS.Timeout | undefined
  #files = new Set<string>()
  #loading = false
  #again = false
  #closed = false
  readonly #debounce: number
  readonly #load: () => Promise<Loaded<T>>

  /** @internal */
  constructor(first: Loaded<T>, load: () => Promise<Loaded<T>>, options: WatchOptions = {}) {
    super()
    checkMadeHere(isObject(first) && typeof load === 'function', 'Watched', 'watched modules come from rt.watch(path) and rt.watchPlugin(dir)')
    const debounce = options.debounceMs ?? 100
    if (!Number.isFinite(debounce) || debounce < 0) throw new InvalidArgumentError(`debounceMs must be 0 or more milliseconds, got ${debounce}`, 'debounceMs')
    this.#debounce = debounce
    this.#load = load
    this.#current = first.value
    this.#version = { hash: first.hash, generation: 0, loadedAt: Date.now() }
    this.#follow(first.files)
  }

  /** The version serving now. */
  get current(): T {
    return this.#current
  }

  /** Which version that is. */
  get version(): WatchedVersion {
    return this.#version
  }

  /** Whether {@link Watched.close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Stops watching (the current version stays usable). Emits `'close'`.
   * @throws never
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    for (const w of this.#watchers.values()) w.close()
    this.#watchers.clear()
    this.emit('close')
  }

  /**
   * Checks the files now instead of waiting for a change event (also what a change event does, debounced).
   * @throws never: a version that does not load leaves the old one serving and emits `'failed'`
   */
  async reload(): Promise<void> {
    if (this.#closed) return
    if (this.#loading) {
      this.#again = true
      return
    }
    this.#loading = true
    try {
      do {
        this.#again = false
        let next: Loaded<T>
        try {
          next = await this.#load()
        } catch (error) {
          if (!this.#closed) this.emit('failed', { error, version: this.#version })
          continue
        }
        this.#follow(next.files)
        if (this.#closed || next.hash === this.#version.hash) continue
        this.#current = next.value
        this.#version = { hash: next.hash, generation: this.#version.generation + 1, loadedAt: Date.now() }
        this.emit('reload', this.#version)
      } while (this.#again && !this.#closed)
    } finally {
      this.#loading = false
    }
  }

  /** Watches the directories of `files` (files are often replaced by a rename, which a file watch misses). */
  #follow(files: string[]): void {
    this.#files = new Set(files.map((f) => resolve(f)))
    for (const dir of new Set([...this.#files].map((f) => dirname(f)))) {
      if (this.#watchers.has(dir) || this.#closed) continue
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || [...this.#files].some((f) => dirname(f) === dir && basename(f) === name.toString())) this.#schedule()
      })
      w.on('error', () => {
        // The directory went away; a later reload() finds out what is left.
        this.#watchers.delete(dir)
      })
      this.#watchers.set(dir, w)
    }
  }

  #schedule(): void {
    if (this.#closed) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.reload(), this.#debounce)
    // An idle watcher must not keep the process alive.
    this.#timer.unref()
  }
}

/**
 * The audit log: every call the sandbox refused, every filesystem access the
 * preopen rules refused, and every import refused at load, in one bounded
 * log that the host reads, subscribes to, or iterates.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import { checkOptionsObject, checkWhole } from '../options/arguments.js'

/** One refusal of the sandbox. */
export interface AuditRecord {
  /** When it happened, in milliseconds since the Unix epoch. */
  time: number
  /** The module's name (plugin name, name section, or file), or `null`. */
  module: string | null
  /** Hex SHA-256 of the module. */
  moduleHash: string
  /** The WASI function (`path_open`), or for a refusal at load the import (`wasi_snapshot_preview1::environ_get`). */
  function: string
  /** Its capability group: `fs-read`, `fs-write`, `env`, `args`, `clock`, `random`, `proc`, `poll`, `sockets`, or `import`/`memory` at load. */
  capability: string
  /** The descriptor the call acted on, if any. */
  fd: number | null
  /** The path it named, if any. */
  path: string | null
  /** The errno the guest got (76 is `notcapable`); 0 for a partial write that was cut at a cap, -1 for a refusal at load. */
  errno: number
  /** The errno's name (`notcapable`, `perm`, `fbig`, …), or `refused_at_load`. */
  errnoName: string
  /** Why, in words. */
  reason: string
}

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /**
   * How many records the log keeps; past that the oldest are dropped and counted in {@link AuditLog.dropped}.
   * @default 10_000
   */
  capacity?: number
}

/**
 * A bounded log of sandbox refusals. Emits `'record'` for each new one;
 * `for await (const r of log)` yields records as they arrive (from the moment
 * iteration starts) until `break`.
 *
 * @example
 * ```ts
 * rt.audit.on('record', (r) => console.warn(`denied ${r.function} ${r.path ?? ''}: ${r.errnoName}`))
 * for await (const r of rt.audit) if (r.capability === 'fs-write') break
 * ```
 */
export class AuditLog extends EventEmitter<{ record: [AuditRecord] }> {
  /** How many records the log keeps. */
  readonly capacity: number
  #records: AuditRecord[] = []
  #start = 0
  #dropped = 0

  /**
   * @param options - see {@link AuditLogOptions}
   * @throws {@linkcode InvalidArgumentError} when `options` is not an object or `capacity` is not a whole number from 1
   */
  constructor(options: AuditLogOptions = {}) {
    super()
    checkOptionsObject(options, 'new AuditLog(options)')
    if (options.capacity !== undefined) checkWhole(options.capacity, 'new AuditLog(options).capacity', 1)
    this.capacity = Math.max(1, Math.floor(options.capacity ?? 10_000))
  }

  /** Records dropped because the log was full (the oldest go first), including those the stores dropped. */
  get dropped(): number {
    return this.#dropped
  }

  /** How many records the log holds now. */
  get size(): number {
    return this.#records.length - this.#start
  }

  /**
   * The records the log holds, oldest first (a copy).
   * @throws never
   */
  records(): AuditRecord[] {
    return this.#records.slice(this.#start)
  }

  /**
   * Forgets every record (the dropped count too).
   * @throws never
   */
  clear(): void {
    this.#records = []
    this.#start = 0
    this.#dropped = 0
  }

  /** Adds records; `dropped` counts records lost before they reached the log. @internal */
  add(records: readonly AuditRecord[], dropped = 0): void {
    this.#dropped += dropped
    for (const r of records) {
      this.#records.push(r)
      if (this.size > this.capacity) {
        this.#start++
        this.#dropped++
      }
      this.emit('record', r)
    }
    // Compact now and then instead of shifting on every drop.
    if (this.#start > this.capacity) {
      this.#records = this.#records.slice(this.#start)
      this.#start = 0
    }
  }

  /**
   * Yields each record added from now on; a slow reader keeps at most `capacity` pending ones.
   * @throws never: the iteration ends when the log is closed
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<AuditRecord, void, undefined> {
    const pending: AuditRecord[] = []
    let wake: (() => void) | null = null
    const listener = (r: AuditRecord): void => {
      if (pending.length >= this.capacity) pending.shift()
      pending.push(r)
      wake?.()
    }
    this.on('record', listener)
    try {
      for (;;) {
        const next = pending.shift()
        if (next) yield next
        else await new Promise<void>((resolve) => (wake = resolve))
        wake = null
      }
    } finally {
      this.off('record', listener)
    }
  }
}

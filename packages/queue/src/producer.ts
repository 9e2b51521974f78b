/**
 * The producer side: {@link QueueExecutor} has the local executor's call
 * shape (`run`, `runWithStats`, the bytes calls, `map`), and each call is
 * one BullMQ job that a worker process anywhere runs.
 *
 * How a call travels: the module's bytes are stored once in Redis under
 * their sha256 (a producer sends each module once); the job carries the
 * hash, the arguments, the limits and the manifest. The worker writes the
 * job's one outcome under a key named by the job id (the first write wins,
 * so a job BullMQ ran twice still has one result) and completes or fails
 * the job; the producer hears of it through BullMQ's queue events and
 * settles the call once. Errors cross as the same data the local
 * executor's worker threads use, and become the same classes.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { Queue, QueueEvents, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'
import {
  CancelledError,
  ClosedError,
  InvalidArgumentError,
  QueueError,
  decodeOutput,
  encodeInput,
  mapCalls,
  reviveError,
  type CallResult,
  type CallStats,
  type Codec,
  type MapProgress,
  type MapResult,
  type CloseOptions,
} from '@cybernetic/wasm'
import { checkQueueName, connect, Keys, type Connection } from './connection.js'
import { DEFAULT_MAX_MODULE_SIZE, ModuleStore, resolveTarget, type ModuleRef, type QueueTarget } from './modules.js'
import { JOB_VERSION, type JobData, type Outcome } from './job.js'
import { bytesFromWire, bytesToWire, fromWire, toWire } from './values.js'
import { checkCallOptions, checkInt, checkKeys, type QueueCallOptions } from './options.js'

/** Options of {@link createQueueExecutor}. */
export interface QueueExecutorOptions {
  /** Where Redis is: a `redis://` URL or ioredis options. Required. */
  connection: Connection
  /** The BullMQ queue's name (workers of the same name take its jobs). Required. */
  queue: string
  /**
   * BullMQ's key prefix; producers and workers of one queue must agree.
   * @default 'bull'
   */
  prefix?: string
  /**
   * The largest module this producer stores, in bytes; a larger one is a {@link QueueError} `module_too_large`.
   * @default 67108864 (64 MiB)
   */
  maxModuleSize?: number
  /**
   * Items of one {@link QueueExecutor.map} in flight at once.
   * @default 64
   */
  concurrency?: number
  /**
   * How many times BullMQ may start a job whose failure was not the
   * guest's (Redis unreachable from the worker, say). Guest failures (traps,
   * limits, refusals) are never retried: they would fail again.
   * @default 3
   */
  attempts?: number
  /**
   * How long a job's outcome stays in Redis after it is written, in ms.
   * @default 3600000 (an hour)
   */
  resultTtl?: number
  /**
   * How often, in ms, calls still waiting look up their outcome directly,
   * in case the queue-events stream dropped their event (it is trimmed).
   * @default 2000
   */
  reconcileInterval?: number
}

/** Options of {@link QueueExecutor.map}: the call options apply to every item. */
export interface QueueMapOptions extends QueueCallOptions {
  /**
   * Items in flight at once (and the most results held unread).
   * @default the executor's concurrency
   */
  concurrency?: number
  /**
   * Yield results in input order instead of as they complete.
   * @default false
   */
  ordered?: boolean
  /**
   * End the batch at the first failure; the items still running are cancelled.
   * @default false
   */
  stopOnError?: boolean
  /**
   * Called after each item finishes.
   * @default undefined
   */
  onProgress?: (progress: MapProgress) => void
  /**
   * How inputs and outputs cross (as {@link Executor.map}).
   * @default 'values'
   */
  codec?: Codec
}

/** What a {@link QueueExecutor} has done and waits for. */
export interface QueueExecutorStats {
  /** Calls whose job is queued or running. */
  pending: number
  /** Of those, the calls whose job a worker is running now (from BullMQ's `active` events; back to queued when a stalled job is put back). */
  running: number
  /** Calls that resolved. */
  completed: number
  /** Calls that rejected (cancelled ones included). */
  failed: number
  /** Calls rejected because they were cancelled. */
  cancelled: number
}

interface Pending {
  id: string
  kind: 'values' | 'bytes'
  resolve: (r: CallResult) => void
  reject: (e: unknown) => void
  settled: boolean
  /** A worker holds the job (BullMQ's last event for it was \`active\`). */
  running: boolean
  since: number
  cleanup: () => void
}

const MAP_KEYS = ['concurrency', 'ordered', 'stopOnError', 'onProgress', 'codec'] as const

/**
 * Runs calls as BullMQ jobs on worker processes (see {@link startWorker}),
 * with the local {@link Executor}'s call shape. See the module docs for how
 * a call travels.
 *
 * @example
 * ```ts
 * const qe = createQueueExecutor({ connection: 'redis://127.0.0.1:6379', queue: 'wasm' })
 * await qe.run('compute.wasm', 'process', [42]) // 84, computed by some worker
 * for await (const r of qe.map('compute.wasm', 'process', [1, 2, 3])) console.log(r.index, r.value)
 * await qe.close()
 * ```
 */
export class QueueExecutor {
  /** The queue's name. */
  readonly queue: string
  /** Items of one map in flight at once, by default. */
  readonly concurrency: number
  #redis: Redis
  /** The events reader's own connection (BullMQ does not close one it was given). */
  #eventsConn: Redis
  #events: QueueEvents
  #bull: Queue
  #keys: Keys
  #modules: ModuleStore
  #maxModuleSize: number
  #attempts: number
  #resultTtl: number
  #ready: Promise<void>
  #id = randomUUID().replaceAll('-', '')
  #seq = 0
  #pending = new Map<string, Pending>()
  #batch: { p: Pending; data: JobData; opts: JobsOptions }[] = []
  #flushing = false
  #refs = new WeakMap<object, Promise<ModuleRef>>()
  #timer: ReturnType<typeof setInterval>
  #idle: (() => void)[] = []
  #closed = false
  #closing: Promise<void> | null = null
  #completed = 0
  #failed = 0
  #cancelled = 0

  /** @internal Use {@link createQueueExecutor}. */
  constructor(options: QueueExecutorOptions) {
    checkKeys(options, ['connection', 'queue', 'prefix', 'maxModuleSize', 'concurrency', 'attempts', 'resultTtl', 'reconcileInterval'], 'options')
    this.queue = checkQueueName(options.queue, 'options.queue')
    const prefix = options.prefix ?? 'bull'
    if (typeof prefix !== 'string' || prefix === '') throw new InvalidArgumentError('options.prefix must be a non-empty string', 'options.prefix')
    checkInt(options.maxModuleSize, 1, 512 * 1024 * 1024, 'options.maxModuleSize')
    checkInt(options.concurrency, 1, 1_000_000, 'options.concurrency')
    checkInt(options.attempts, 1, 1000, 'options.attempts')
    checkInt(options.resultTtl, 1000, 2 ** 31, 'options.resultTtl')
    checkInt(options.reconcileInterval, 10, 2 ** 31, 'options.reconcileInterval')
    this.#maxModuleSize = options.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE
    this.concurrency = options.concurrency ?? 64
    this.#attempts = options.attempts ?? 3
    this.#resultTtl = options.resultTtl ?? 3_600_000
    this.#redis = connect(options.connection, 'options.connection')
    this.#keys = new Keys(prefix, this.queue)
    this.#modules = new ModuleStore(this.#redis, this.#keys, this.#maxModuleSize)
    this.#bull = new Queue(this.queue, { connection: this.#redis, prefix })
    // Its own connection: the events reader blocks on XREAD.
    this.#eventsConn = connect(options.connection, 'options.connection')
    this.#events = new QueueEvents(this.queue, { connection: this.#eventsConn, prefix })
    this.#events.on('completed', ({ jobId, returnvalue }) => this.#onEvent(jobId, returnvalue as unknown, null))
    this.#events.on('failed', ({ jobId, failedReason }) => this.#onEvent(jobId, undefined, failedReason))
    this.#events.on('active', ({ jobId }) => this.#onState(jobId, true))
    this.#events.on('waiting', ({ jobId }) => this.#onState(jobId, false))
    this.#events.on('stalled', ({ jobId }) => this.#onState(jobId, false))
    // Errors of the connections are retried by ioredis; a listener keeps them from being unhandled.
    this.#events.on('error', () => {})
    this.#bull.on('error', () => {})
    this.#redis.on('error', () => {})
    this.#eventsConn.on('error', () => {})
    // Jobs are added only once the events reader listens: it reads from "now".
    this.#ready = Promise.all([this.#bull.waitUntilReady(), this.#events.waitUntilReady()]).then(() => {})
    this.#ready.catch(() => {})
    this.#timer = setInterval(() => void this.#reconcile(), options.reconcileInterval ?? 2000)
    this.#timer.unref()
  }

  /** Counters, and the calls waiting for their job. */
  get stats(): QueueExecutorStats {
    let running = 0
    for (const p of this.#pending.values()) if (p.running) running++
    return { pending: this.#pending.size, running, completed: this.#completed, failed: this.#failed, cancelled: this.#cancelled }
  }

  /** Whether {@link QueueExecutor.close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Resolves once the connections to Redis are up (calls wait for it anyway).
   * @throws never itself; the Promise rejects with ioredis's own connection error when Redis cannot be reached
   * @example
   * ```ts
   * await qe.ready()
   * ```
   */
  ready(): Promise<void> {
    return this.#ready
  }

  /**
   * Calls `fn` with `args` on a worker, in a fresh instance, and resolves to
   * its result as {@link Executor.run} does.
   * @throws {@linkcode TrapError}, {@linkcode TimeoutError}, {@linkcode FuelExhaustedError},
   * {@linkcode MemoryLimitError}, {@linkcode LinkError}, {@linkcode CompileError} from the worker;
   * {@linkcode CapabilityError} when the job asks for more than the worker's policy allows;
   * {@linkcode QueueError} (`module_too_large`, `hash_mismatch`, `job_lost`…);
   * {@linkcode CancelledError} when `signal` aborts; {@linkcode ClosedError} after {@link QueueExecutor.close};
   * {@linkcode InvalidArgumentError} for a bad argument or option.
   * @example
   * ```ts
   * await qe.run(mod, 'process', [42], { timeout: 1000 }) // 84
   * ```
   */
  run(module: QueueTarget, fn: string | undefined, args: unknown[] = [], options: QueueCallOptions = {}): Promise<unknown> {
    return this.runWithStats(module, fn, args, options).then((r) => r.value)
  }

  /**
   * {@link QueueExecutor.run}, also returning what the call cost on the worker (wall time, fuel, peak memory).
   * @throws as {@link QueueExecutor.run}
   * @example
   * ```ts
   * const { value, stats } = await qe.runWithStats(mod, 'process', [42])
   * ```
   */
  runWithStats(module: QueueTarget, fn: string | undefined, args: unknown[] = [], options: QueueCallOptions = {}): Promise<CallResult> {
    return this.#call(module, 'values', fn, args, null, options)
  }

  /**
   * Calls `fn` with bytes in and out by the `allocate` convention, on a worker.
   * @throws {@linkcode AbiError} when the guest breaks the convention; otherwise as {@link QueueExecutor.run}
   * @example
   * ```ts
   * const out = await qe.callBytes(mod, 'upper', new TextEncoder().encode('hi'))
   * ```
   */
  callBytes(module: QueueTarget, fn: string, input: Uint8Array, options: QueueCallOptions = {}): Promise<Uint8Array> {
    if (!(input instanceof Uint8Array)) return Promise.reject(new InvalidArgumentError('a bytes call takes a Uint8Array', 'input'))
    return this.#call(module, 'bytes', fn, [], input, options).then((r) => r.value as Uint8Array)
  }

  /**
   * {@link QueueExecutor.callBytes} with a UTF-8 string in and out.
   * @throws as {@link QueueExecutor.callBytes}
   * @example
   * ```ts
   * await qe.callString(mod, 'upper', 'hello') // 'HELLO'
   * ```
   */
  async callString(module: QueueTarget, fn: string, input: string, options: QueueCallOptions = {}): Promise<string> {
    return decodeOutput('string', await this.callBytes(module, fn, encodeInput('string', input), options)) as string
  }

  /**
   * {@link QueueExecutor.callBytes} with JSON in and out.
   * @throws as {@link QueueExecutor.callBytes}, and {@linkcode AbiError} when the output is not JSON
   * @example
   * ```ts
   * await qe.callJson(mod, 'sum', [1, 2, 3])
   * ```
   */
  async callJson(module: QueueTarget, fn: string, input: unknown, options: QueueCallOptions = {}): Promise<unknown> {
    return decodeOutput('json', await this.callBytes(module, fn, encodeInput('json', input), options))
  }

  /**
   * Calls `fn` once per input as jobs, up to `concurrency` in flight, and
   * yields `{ index, input, ok, value | error }` as each finishes (in input
   * order with `ordered`), as {@link Executor.map}. The module is resolved
   * and stored once for the whole batch. Aborting `signal`, or leaving the
   * loop early, cancels the items still in flight.
   * @throws {@linkcode CancelledError} from the loop when `signal` aborts; with `stopOnError`, the first item's error;
   * {@linkcode InvalidArgumentError} for bad options (at once).
   * @example
   * ```ts
   * for await (const r of qe.map(mod, 'fib', [10, 20, 30], { ordered: true })) console.log(r.index, r.ok ? r.value : r.error)
   * ```
   */
  map<I = unknown>(module: QueueTarget, fn: string, inputs: Iterable<I> | AsyncIterable<I>, options: QueueMapOptions = {}): AsyncIterable<MapResult<I>> {
    checkCallOptions(options, 'options', MAP_KEYS)
    if (typeof fn !== 'string' || fn === '') throw new InvalidArgumentError('name the export to call', 'fn')
    const codec: Codec = options.codec ?? 'values'
    const { signal: _s, concurrency: _c, ordered: _o, stopOnError: _e, onProgress: _p, codec: _k, ...each } = options
    let ref: Promise<ModuleRef> | null = null
    return mapCalls(inputs, options, this.concurrency, (input, signal) => {
      ref ??= this.#ref(module)
      const o: QueueCallOptions = { ...each, signal }
      if (codec === 'values') return this.#call(ref, 'values', fn, Array.isArray(input) ? input : [input], null, o).then((r) => r.value)
      let bytes: Uint8Array
      try {
        bytes = encodeInput(codec, input)
      } catch (e) {
        return Promise.reject(e)
      }
      return this.#call(ref, 'bytes', fn, [], bytes, o).then((r) => decodeOutput(codec, r.value as Uint8Array))
    })
  }

  /** The bytes and hash of a target, once per Module or Plugin object. */
  #ref(module: QueueTarget): Promise<ModuleRef> {
    if (typeof module !== 'object' || module instanceof Uint8Array || module === null) return resolveTarget(module, this.#maxModuleSize)
    let r = this.#refs.get(module)
    if (!r) {
      r = resolveTarget(module, this.#maxModuleSize)
      this.#refs.set(module, r)
      r.catch(() => this.#refs.delete(module))
    }
    return r
  }

  async #call(
    module: QueueTarget | Promise<ModuleRef>,
    kind: 'values' | 'bytes',
    fn: string | undefined,
    args: unknown[],
    input: Uint8Array | null,
    options: QueueCallOptions,
  ): Promise<CallResult> {
    if (this.#closed) throw new ClosedError('the queue executor is closed and takes no new calls')
    checkCallOptions(options)
    if (fn !== undefined && (typeof fn !== 'string' || fn === '')) throw new InvalidArgumentError('the export name must be a non-empty string', 'name')
    if (!Array.isArray(args)) throw new InvalidArgumentError('call arguments must be an array', 'args')
    const signal = options.signal
    const cancelled = () => new CancelledError('the call was cancelled before its job was queued', { cause: signal?.reason })
    if (signal?.aborted) {
      this.#failed++
      this.#cancelled++
      throw cancelled()
    }
    const wire = args.map((a, i) => toWire(a, `args[${i}]`))
    const ref = module instanceof Promise ? await module : await this.#ref(module)
    const manifest = options.manifest ?? ref.manifest
    await this.#modules.put(ref)
    await this.#ready
    if (signal?.aborted) {
      this.#failed++
      this.#cancelled++
      throw cancelled()
    }
    const data: JobData = {
      v: JOB_VERSION,
      kind,
      module: ref.hash,
      fn: fn ?? null,
      args: wire,
      input: input ? bytesToWire(input) : null,
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
      ...(options.fuel !== undefined ? { fuel: options.fuel } : {}),
      ...(options.maxMemory !== undefined ? { maxMemory: options.maxMemory } : {}),
      manifest,
      stats: true,
    }
    const id = `${this.#id}-${++this.#seq}`
    const opts: JobsOptions = {
      jobId: id,
      attempts: this.#attempts,
      backoff: { type: 'fixed', delay: 250 },
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    }
    return new Promise<CallResult>((resolve, reject) => {
      const onAbort = () => this.#cancel(p, signal!.reason)
      const p: Pending = {
        id,
        kind,
        resolve,
        reject,
        settled: false,
        running: false,
        since: Date.now(),
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      }
      // Registered before the job exists: its outcome can never come first.
      this.#pending.set(id, p)
      if (signal) {
        setMaxListeners(0, signal)
        signal.addEventListener('abort', onAbort, { once: true })
      }
      this.#batch.push({ p, data, opts })
      if (!this.#flushing) {
        this.#flushing = true
        setImmediate(() => void this.#flush())
      }
    })
  }

  /** Adds the jobs of this turn of the event loop in one round trip. */
  async #flush(): Promise<void> {
    const batch = this.#batch.filter((b) => !b.p.settled)
    this.#batch = []
    this.#flushing = false
    if (batch.length === 0) return
    try {
      await this.#bull.addBulk(batch.map((b) => ({ name: 'call', data: b.data, opts: b.opts })))
    } catch (e) {
      for (const b of batch) this.#settle(b.p, false, e)
    }
  }

  #settle(p: Pending, ok: boolean, v: unknown): void {
    if (p.settled) return
    p.settled = true
    p.cleanup()
    this.#pending.delete(p.id)
    if (ok) {
      this.#completed++
      p.resolve(v as CallResult)
    } else {
      this.#failed++
      if (v instanceof CancelledError) this.#cancelled++
      p.reject(v)
    }
    if (this.#pending.size === 0) {
      const waiting = this.#idle
      this.#idle = []
      for (const w of waiting) w()
    }
  }

  /** An outcome as the call's result or error. */
  #finish(p: Pending, o: Outcome): void {
    if (!o.ok) {
      this.#settle(p, false, reviveError(o.error))
      return
    }
    try {
      const value = p.kind === 'bytes' ? bytesFromWire(o.value) : fromWire(o.value)
      const stats: CallStats = o.stats ?? { wallMs: 0, fuelConsumed: null, peakMemory: 0 }
      this.#settle(p, true, { value, stats })
    } catch (e) {
      this.#settle(p, false, e)
    }
  }

  #onState(jobId: string, running: boolean): void {
    const p = this.#pending.get(jobId)
    if (p && !p.settled) p.running = running
  }

  #onEvent(jobId: string, returnvalue: unknown, failedReason: string | null): void {
    const p = this.#pending.get(jobId)
    // Not ours, already settled, or a second completion of a job BullMQ ran twice: ignored.
    if (!p || p.settled) return
    if (failedReason === null && isOutcome(returnvalue)) {
      this.#finish(p, returnvalue)
      return
    }
    void this.#lookup([p]).then(() => {
      if (!p.settled && failedReason !== null) {
        // Failed without an outcome: BullMQ itself gave up on it.
        const lost = /stalled/i.test(failedReason)
        this.#settle(
          p,
          false,
          new QueueError(
            lost
              ? `the job's workers stopped while running it more often than their maxStalledCount allows (BullMQ: ${failedReason})`
              : `the job failed before a worker recorded an outcome (BullMQ: ${failedReason})`,
            'job_lost',
          ),
        )
      }
    })
  }

  /** Settles the calls whose outcome is in Redis. */
  async #lookup(ps: Pending[]): Promise<void> {
    if (ps.length === 0) return
    let texts: (string | null)[]
    try {
      texts = await this.#redis.mget(ps.map((p) => this.#keys.result(p.id)))
    } catch {
      return
    }
    ps.forEach((p, i) => {
      const t = texts[i]
      if (t == null || p.settled) return
      try {
        const o = JSON.parse(t) as unknown
        if (isOutcome(o)) this.#finish(p, o)
      } catch {
        // Not an outcome of ours: leave the call to its event.
      }
    })
  }

  async #reconcile(): Promise<void> {
    const old = Date.now() - 1000
    const ps = [...this.#pending.values()].filter((p) => p.since < old).slice(0, 1000)
    await this.#lookup(ps)
  }

  /** Rejects at once, then tells the queue and the workers. */
  #cancel(p: Pending, reason: unknown, error?: Error): void {
    if (p.settled) return
    this.#settle(p, false, error ?? new CancelledError('the call was cancelled', { cause: reason }))
    const id = p.id
    void (async () => {
      try {
        // The key for a worker that picks the job up later, the message for one running it now.
        await this.#redis.set(this.#keys.cancel(id), '1', 'PX', this.#resultTtl)
        await this.#redis.publish(this.#keys.cancelChannel, id)
        await this.#bull.remove(id)
      } catch {
        // Locked by a worker (it got the message) or already gone.
      }
    })()
  }

  /**
   * Stops taking calls, waits for the calls in flight (or with `force`
   * cancels them: they reject with {@link ClosedError} and their jobs are
   * stopped), and closes the connections. `timeout` forces a graceful close
   * that takes longer. Calling it again returns the same Promise.
   * @throws {@linkcode InvalidArgumentError} for malformed options.
   * @example
   * ```ts
   * await qe.close({ timeout: 10_000 })
   * ```
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing) {
      if (options.force) this.#force()
      return this.#closing
    }
    // Read before checkKeys narrows `options` to a record of unknowns.
    const { timeout } = options
    checkKeys(options, ['force', 'timeout'], 'close(options)')
    checkInt(timeout, 0, 2 ** 31, 'close(options).timeout')
    this.#closed = true
    if (options.force) this.#force()
    this.#closing = (async () => {
      const drained = new Promise<void>((resolve) => {
        if (this.#pending.size === 0) resolve()
        else this.#idle.push(resolve)
      })
      if (timeout !== undefined) {
        let timer: ReturnType<typeof setTimeout> | undefined
        await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, timeout)))])
        clearTimeout(timer)
        this.#force()
        await drained
      } else await drained
      clearInterval(this.#timer)
      await Promise.allSettled([this.#events.close(), this.#bull.close()])
      await Promise.allSettled([this.#redis.quit(), this.#eventsConn.quit()])
    })()
    return this.#closing
  }

  #force(): void {
    for (const p of [...this.#pending.values()]) this.#cancel(p, undefined, new ClosedError('the queue executor was closed (forced) before the job finished'))
  }
}

function isOutcome(o: unknown): o is Outcome {
  return typeof o === 'object' && o !== null && typeof (o as { ok?: unknown }).ok === 'boolean' && ('value' in o || 'error' in o)
}

/**
 * Creates a producer for a queue of wasm jobs.
 * @throws {@linkcode InvalidArgumentError} for a bad option.
 * @example
 * ```ts
 * const qe = createQueueExecutor({ connection: process.env.REDIS_URL!, queue: 'wasm' })
 * ```
 */
export function createQueueExecutor(options: QueueExecutorOptions): QueueExecutor {
  return new QueueExecutor(options)
}

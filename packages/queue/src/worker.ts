/**
 * The worker side: {@link startWorker} takes jobs off a BullMQ queue and
 * runs them with the local runtime and executor.
 *
 * Per job: the module's bytes are fetched by hash and checked against it
 * (a mismatch is refused before anything compiles); each module is compiled
 * once per worker and kept (and the runtime's disk cache keeps its code
 * between runs); a job with a manifest runs as a plugin whose sandbox is
 * the manifest met with this worker's policy; per-call limits above the
 * policy's are refused. A guest failure is final (BullMQ's
 * `UnrecoverableError`: it would fail again); a failure of ours (Redis
 * gone) is retried by BullMQ up to the job's attempts. A worker that dies
 * mid-job leaves the job locked until `lockDuration` passes; then another
 * worker's stalled-job check (every `stalledInterval`) puts it back.
 *
 * @module
 */
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { availableParallelism } from 'node:os'
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import {
  CancelledError,
  CapabilityError,
  Engine,
  InvalidArgumentError,
  Plugin,
  WasmError,
  createRuntime,
  errorData,
  intersect,
  loadModuleFile,
  parseManifest,
  validatePolicy,
  type CallStats,
  type ErrorCode,
  type Executor,
  type ExecOptions,
  type Module,
  type Runtime,
  type RuntimeOptions,
  type SandboxPolicy,
  type CloseOptions,
} from '@cybernetic/wasm'
import { checkQueueName, connect, Keys, type Connection } from './connection.js'
import { DEFAULT_MAX_MODULE_SIZE, ModuleStore } from './modules.js'
import { checkJobData, type JobData, type Outcome } from './job.js'
import { bytesFromWire, bytesToWire, fromWire, toWire, type Wire } from './values.js'
import { checkInt, checkKeys } from './options.js'
import { Summary, type MetricSummary } from './metrics.js'

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** Where Redis is: a `redis://` URL or ioredis options. Required. */
  connection: Connection
  /** The BullMQ queue to take jobs from. Required. */
  queue: string
  /**
   * BullMQ's key prefix; producers and workers of one queue must agree.
   * @default 'bull'
   */
  prefix?: string
  /**
   * Jobs run at once (the executor gets as many threads).
   * @default the machine's available parallelism
   */
  concurrency?: number
  /**
   * The most a job may have: a job's manifest is met with it (asking for
   * more is a {@link CapabilityError}), and its `limits` bound each job's
   * `timeout`, `fuel` and `maxMemory` and are their defaults.
   * @default {} (stdio, args and a memory; nothing else)
   */
  policy?: SandboxPolicy
  /**
   * The directory relative paths in a job's manifest start from.
   * @default process.cwd()
   */
  manifestDir?: string
  /**
   * Options of the worker's runtime (its disk cache, default limits, engine).
   * @default { engine: { fuel: true } } (fuel is metered so every job reports what it used)
   */
  runtime?: RuntimeOptions
  /**
   * The largest module this worker fetches, in bytes.
   * @default 67108864 (64 MiB)
   */
  maxModuleSize?: number
  /**
   * How long a job's lock lasts without renewal, in ms: a killed worker's
   * job goes back to the queue once it runs out (BullMQ's default is 30 s).
   * @default 30000
   */
  lockDuration?: number
  /**
   * How often this worker looks for jobs whose lock ran out, in ms.
   * @default 30000
   */
  stalledInterval?: number
  /**
   * How often a job may lose its worker before BullMQ fails it
   * ({@link QueueError} `job_lost` for the caller).
   * @default 1
   */
  maxStalledCount?: number
  /**
   * How long a job's outcome stays in Redis, in ms.
   * @default 3600000 (an hour)
   */
  resultTtl?: number
  /**
   * This worker's name, in its reports and in each outcome.
   * @default `${hostname}:${pid}`
   */
  name?: string
}

/** One job this worker finished (the `'job'` event). */
export interface JobReport {
  /** The BullMQ job id. */
  id: string
  /** Whether the call succeeded. */
  ok: boolean
  /** The error's code when it failed. */
  code: ErrorCode | null
  /** The error's message when it failed. */
  message: string | null
  /** Wall time of the whole job on this worker in ms (fetching and compiling included). */
  wallMs: number
  /** Wall time of the guest call in ms, when it ran. */
  guestMs: number | null
  /** Fuel the guest used, when fuel is metered. */
  fuelConsumed: number | null
  /** Another worker had already recorded this job's outcome (BullMQ ran it twice); this one was dropped. */
  duplicate: boolean
}

/** What a worker has done, for dashboards and logs. */
export interface WorkerMetrics {
  /** Jobs that succeeded. */
  done: number
  /** Jobs that failed (cancelled ones included). */
  failed: number
  /** Jobs cancelled by their caller. */
  cancelled: number
  /** Jobs running now. */
  running: number
  /** Jobs whose outcome another worker had already recorded. */
  duplicates: number
  /** Modules compiled (or loaded from the disk cache) by this worker. */
  modules: number
  /** Wall time per job on this worker in ms (fetching and compiling included), every job counted. */
  wallMs: MetricSummary
  /** Fuel per job, over the jobs whose fuel was metered and that ran to the end (a trapped call reports none). */
  fuel: MetricSummary
}

const MAX_MODULES = 256

/**
 * A running worker (see {@link startWorker}). Emits `'start'` with
 * `{ id, attempt }` when a job starts, `'job'` with a {@link JobReport}
 * after each job, and `'error'` for connection errors.
 *
 * @example
 * ```ts
 * const w = await startWorker({ connection: 'redis://127.0.0.1:6379', queue: 'wasm', concurrency: 4 })
 * w.on('job', (r) => console.log(r.id, r.ok ? 'ok' : r.code, r.wallMs))
 * process.on('SIGTERM', () => void w.close())
 * ```
 */
export class QueueWorker extends EventEmitter {
  /** The worker's name. */
  readonly name: string
  /** The runtime jobs run in. */
  readonly runtime: Runtime
  /** Jobs run at once. */
  readonly concurrency: number
  #worker: Worker
  #redis: Redis
  #sub: Redis
  /** The connection BullMQ's Worker was given: BullMQ leaves a connection it did not open to us to close. */
  #bullConn: Redis
  #keys: Keys
  #store: ModuleStore
  #executor: Executor
  #policy: SandboxPolicy
  #manifestDir: string
  #resultTtl: number
  #modules = new Map<string, Promise<Module>>()
  #running = new Map<string, AbortController>()
  #counts = { done: 0, failed: 0, cancelled: 0, duplicates: 0, modules: 0 }
  #wallMs = new Summary()
  #fuel = new Summary()
  #closing: Promise<void> | null = null

  /** @internal Use {@link startWorker}. */
  constructor(runtime: Runtime, options: WorkerOptions) {
    super()
    const prefix = options.prefix ?? 'bull'
    this.runtime = runtime
    this.name = options.name ?? `${hostname()}:${process.pid}`
    this.concurrency = options.concurrency ?? availableParallelism()
    this.#policy = options.policy ?? {}
    this.#manifestDir = options.manifestDir ?? process.cwd()
    this.#resultTtl = options.resultTtl ?? 3_600_000
    this.#keys = new Keys(prefix, options.queue)
    this.#redis = connect(options.connection, 'options.connection')
    this.#sub = connect(options.connection, 'options.connection')
    this.#redis.on('error', (e) => this.#error(e))
    this.#sub.on('error', (e) => this.#error(e))
    this.#store = new ModuleStore(this.#redis, this.#keys, options.maxModuleSize ?? DEFAULT_MAX_MODULE_SIZE)
    this.#executor = runtime.createExecutor({ threads: this.concurrency })
    this.#sub.on('message', (_channel: string, id: string) => this.#running.get(id)?.abort(new CancelledError('the caller cancelled the job')))
    this.#bullConn = connect(options.connection, 'options.connection')
    this.#bullConn.on('error', (e) => this.#error(e))
    this.#worker = new Worker(options.queue, (job) => this.#process(job), {
      connection: this.#bullConn,
      prefix,
      concurrency: this.concurrency,
      autorun: false,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 1,
      name: this.name,
    })
    this.#worker.on('error', (e) => this.#error(e))
  }

  /** @internal */
  async start(): Promise<void> {
    await this.#sub.subscribe(this.#keys.cancelChannel)
    await this.#worker.waitUntilReady()
    void this.#worker.run().catch((e: unknown) => this.#error(e))
  }

  #error(e: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', e)
  }

  /** Counters of what this worker did, and summaries of its jobs' wall time and fuel (a fresh object each time). */
  get metrics(): WorkerMetrics {
    return { ...this.#counts, running: this.#running.size, wallMs: this.#wallMs.get(), fuel: this.#fuel.get() }
  }

  async #process(job: Job): Promise<Outcome> {
    const id = job.id ?? ''
    const t0 = performance.now()
    const ac = new AbortController()
    this.#running.set(id, ac)
    this.emit('start', { id, attempt: job.attemptsMade + 1 })
    let outcome: Outcome
    let stats: CallStats | null = null
    try {
      const data = checkJobData(job.data)
      if ((await this.#redis.exists(this.#keys.cancel(id))) === 1) throw new CancelledError('the caller cancelled the job before it started')
      const r = await this.#run(data, ac.signal)
      stats = r.stats
      outcome = { ok: true, value: r.value, stats: data.stats ? r.stats : null, worker: this.name }
    } catch (e) {
      const final = e instanceof WasmError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
      if (!final) {
        this.#running.delete(id)
        // Not the guest's doing (Redis went away, say): BullMQ tries again.
        throw e
      }
      const data = errorData(e)
      // Captured guest output is for the local caller; it does not travel.
      delete data.fields['output']
      outcome = { ok: false, error: data, worker: this.name }
    } finally {
      this.#running.delete(id)
    }
    const text = JSON.stringify(outcome)
    // The first outcome written is the job's: a second run of the same job
    // (BullMQ is at-least-once) finds it and reports that one instead.
    const first = await this.#redis.set(this.#keys.result(id), text, 'PX', this.#resultTtl, 'NX')
    let duplicate = false
    if (first === null) {
      duplicate = true
      const stored = await this.#redis.get(this.#keys.result(id))
      if (stored !== null) outcome = JSON.parse(stored) as Outcome
    }
    this.#report(id, outcome, stats, performance.now() - t0, duplicate)
    if (!outcome.ok) throw new UnrecoverableError(outcome.error.message)
    return outcome
  }

  #report(id: string, o: Outcome, stats: CallStats | null, wallMs: number, duplicate: boolean): void {
    const m = this.#counts
    if (duplicate) m.duplicates++
    if (o.ok) m.done++
    else {
      m.failed++
      if (o.error.code === 'cancelled') m.cancelled++
    }
    this.#wallMs.add(wallMs)
    if (stats?.fuelConsumed != null) this.#fuel.add(stats.fuelConsumed)
    const report: JobReport = {
      id,
      ok: o.ok,
      code: o.ok ? null : ((o.error.code as ErrorCode | null) ?? null),
      message: o.ok ? null : o.error.message,
      wallMs,
      guestMs: stats?.wallMs ?? null,
      fuelConsumed: stats?.fuelConsumed ?? null,
      duplicate,
    }
    this.emit('job', report)
  }

  /** The call's options: the job's limits, checked against the policy's and defaulting to them. */
  #limits(d: JobData): ExecOptions {
    const lim = this.#policy.limits ?? {}
    const deny = (what: string, asked: string, key: string, max: number): never => {
      throw new CapabilityError(`the job asks for ${what} ${asked} but this worker's policy allows at most ${max} (${key})`, { manifestKey: null, policyKey: key })
    }
    const bound = (asked: number | null | undefined, max: number | undefined, what: string, key: string): number | null | undefined => {
      if (max === undefined) return asked
      if (asked === undefined) return max
      if (asked === null) return deny(what, 'no limit', key, max)
      return asked > max ? deny(what, String(asked), key, max) : asked
    }
    const timeout = bound(d.timeout, lim.timeMs, 'timeout', 'policy.limits.timeMs')
    const fuel = bound(d.fuel, lim.fuel, 'fuel', 'policy.limits.fuel')
    const maxMemory = bound(d.maxMemory, lim.memory, 'maxMemory', 'policy.limits.memory')
    return {
      ...(timeout !== undefined ? { timeout } : {}),
      ...(fuel !== undefined ? { fuel } : {}),
      ...(maxMemory !== undefined && maxMemory !== null ? { maxMemory } : {}),
    }
  }

  async #run(d: JobData, signal: AbortSignal): Promise<{ value: Wire | string; stats: CallStats | null }> {
    const options: ExecOptions = { ...this.#limits(d), signal }
    let target: Module | Plugin
    if (d.manifest !== null) {
      const manifest = parseManifest(d.manifest, { dir: this.#manifestDir, ...(this.#policy.root !== undefined ? { root: this.#policy.root } : {}) })
      const sandbox = intersect(manifest, this.#policy)
      const { stack, fuel } = sandbox.limits
      const engine =
        stack === undefined && fuel === undefined
          ? this.runtime.engine
          : Engine.shared({ ...this.runtime.options.engine, ...(stack !== undefined ? { maxWasmStack: stack } : {}), ...(fuel !== undefined ? { fuel: true } : {}) })
      target = new Plugin(manifest, await this.#module(d.module, engine), sandbox)
    } else {
      target = await this.#module(d.module, this.runtime.engine)
    }
    if (d.kind === 'bytes') {
      const t0 = performance.now()
      const out = await this.#executor.callBytes(target, d.fn ?? '', bytesFromWire(d.input), options)
      return { value: bytesToWire(out), stats: { wallMs: performance.now() - t0, fuelConsumed: null, peakMemory: 0 } }
    }
    const args = d.args.map(fromWire)
    const r = await this.#executor.runWithStats(target, d.fn ?? undefined, args, options)
    return { value: toWire(r.value, 'result'), stats: r.stats }
  }

  /** A module by hash, compiled once per engine and kept (the runtime's disk cache keeps its code across restarts). */
  #module(hash: string, engine: Engine): Promise<Module> {
    const key = `${hash}:${engine === this.runtime.engine ? '' : JSON.stringify(engine.options)}`
    let m = this.#modules.get(key)
    if (!m) {
      m = this.#store.get(hash).then((bytes) => {
        this.#counts.modules++
        return loadModuleFile(engine, bytes, this.runtime.loadOptions())
      })
      this.#modules.set(key, m)
      // A failure is not kept: the next job fetches again.
      m.catch(() => this.#modules.delete(key))
      if (this.#modules.size > MAX_MODULES) this.#modules.delete(this.#modules.keys().next().value as string)
    }
    return m
  }

  /**
   * Stops taking jobs and shuts down: lets the running jobs finish
   * (graceful), or with `force` cancels them (their callers get
   * {@link CancelledError}); `timeout` forces a graceful close that takes
   * longer. Then closes the connections and the runtime. Calling it again
   * returns the same Promise.
   * @throws {@linkcode InvalidArgumentError} for malformed options.
   * @example
   * ```ts
   * process.on('SIGTERM', () => void worker.close({ timeout: 30_000 }))
   * ```
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing) {
      if (options.force) this.#abortAll()
      return this.#closing
    }
    // Read before checkKeys narrows `options` to a record of unknowns.
    const { timeout } = options
    checkKeys(options, ['force', 'timeout'], 'close(options)')
    checkInt(timeout, 0, 2 ** 31, 'close(options).timeout')
    if (options.force) this.#abortAll()
    this.#closing = (async () => {
      const closed = this.#worker.close()
      if (timeout !== undefined) {
        let timer: ReturnType<typeof setTimeout> | undefined
        await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, timeout)))])
        clearTimeout(timer)
        this.#abortAll()
      }
      await closed.catch(() => {})
      await this.runtime.close()
      await Promise.allSettled([this.#sub.quit(), this.#redis.quit(), this.#bullConn.quit()])
    })()
    return this.#closing
  }

  #abortAll(): void {
    for (const ac of this.#running.values()) ac.abort(new CancelledError('the worker was closed (forced) while the job ran'))
  }
}

/**
 * Starts a worker that takes jobs off `queue` and runs them with the
 * local runtime and executor, `concurrency` at a time, within `policy`.
 * Resolves once it listens.
 * @throws {@linkcode InvalidArgumentError} for a bad option; the connection's error when Redis cannot be reached.
 * @example
 * ```ts
 * const w = await startWorker({
 *   connection: 'redis://10.0.0.5:6379', queue: 'wasm', concurrency: 8,
 *   policy: { clocks: true, limits: { timeMs: 10_000, memory: 256 << 20 } },
 * })
 * ```
 */
export async function startWorker(options: WorkerOptions): Promise<QueueWorker> {
  checkKeys(options, ['connection', 'queue', 'prefix', 'concurrency', 'policy', 'manifestDir', 'runtime', 'maxModuleSize', 'lockDuration', 'stalledInterval', 'maxStalledCount', 'resultTtl', 'name'], 'options')
  checkQueueName(options.queue, 'options.queue')
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || options.prefix === '')) throw new InvalidArgumentError('options.prefix must be a non-empty string', 'options.prefix')
  checkInt(options.concurrency, 1, 4096, 'options.concurrency')
  checkInt(options.maxModuleSize, 1, 512 * 1024 * 1024, 'options.maxModuleSize')
  checkInt(options.lockDuration, 100, 2 ** 31, 'options.lockDuration')
  checkInt(options.stalledInterval, 100, 2 ** 31, 'options.stalledInterval')
  checkInt(options.maxStalledCount, 0, 1000, 'options.maxStalledCount')
  checkInt(options.resultTtl, 1000, 2 ** 31, 'options.resultTtl')
  if (options.policy !== undefined) validatePolicy(options.policy)
  if (options.manifestDir !== undefined && (typeof options.manifestDir !== 'string' || options.manifestDir === '')) {
    throw new InvalidArgumentError('options.manifestDir must be a directory path', 'options.manifestDir')
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) throw new InvalidArgumentError('options.name must be a non-empty string', 'options.name')
  const runtime = await createRuntime(options.runtime ?? { engine: { fuel: true } })
  const w = new QueueWorker(runtime, options)
  try {
    await w.start()
  } catch (e) {
    await w.close({ force: true })
    throw e
  }
  return w
}

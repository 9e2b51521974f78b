/**
 * The executor: calls off the main thread, a bounded queue, parallel
 * `map`, bytes and streams, and one rule for cancellation and shutdown.
 *
 * **Where a call runs** (the placement rule):
 * - a call with `host` (a module file whose default export is the imports
 *   object, or `(ctx) => imports`) runs on a piscina **worker thread**,
 *   which calls its host functions synchronously beside the guest: no hop
 *   to the main thread per host call;
 * - every other call runs on the **native pool** (threads of the addon's
 *   own, not libuv's). In-process `imports` functions can only run on the
 *   main thread, so such a call hops there once per host call;
 * - WASI modules and plugins always use the native pool;
 * - `placement: 'pool' | 'worker'` overrides the choice (`'worker'` needs `host`).
 *
 * A module is compiled once per process: workers get the main thread's
 * compiled code by number (`Module::share`), never by compiling again.
 *
 * **Cancellation** (`signal`): before the call starts it is taken off the
 * executor's, the pool's or the worker's queue and rejects with
 * {@link CancelledError} at once; while it runs, the guest stops at its next
 * check (and the call rejects even if the guest returned before reaching
 * one: the abort came first); after it finished, nothing happens, to it or
 * to the next call on the same store.
 *
 * **Shutdown**: {@link Executor.close} refuses new calls ({@link ClosedError}),
 * lets queued and running calls finish (or, with `force`, rejects the
 * queued ones with {@link ClosedError} and cancels the running ones), and
 * then ends its worker threads. `timeout` turns a graceful close into a
 * forced one when it runs out. An idle executor or runtime never keeps the
 * process alive.
 *
 * @module
 */
import { setMaxListeners } from 'node:events'
import type { Runtime, Target } from '../runtime/runtime.js'
import { Watched } from '../loader/watch.js'
import type { Module } from '../loader/module.js'
import type { Imports } from '../loader/instance.js'
import { binding } from '../runtime/binding.js'
import { CancelledError, ClosedError, InvalidArgumentError, QueueFullError, WasmException } from '../errors.js'
import { GcRef } from '../runtime/gcref.js'
import { Plugin } from '../sandbox/plugin.js'
import { WASI_MODULE } from '../sandbox/capabilities.js'
import { callBytesOnce, callOnce, type CallOptions, type CallResult } from './call.js'
import { checkTarget, runCommand, type RunOptions, type RunResult } from './run.js'
import { mapCalls, type MapOptions, type MapResult } from './map.js'
import { ByteStream } from './stream.js'
import { WorkerPool } from './workers.js'
import { decodeOutput, encodeInput, type Codec } from './codec.js'
import { validateCloseOptions, validateExecOptions, validateExecutorOptions, validateMapOptions } from '../options/validate.js'
import { EXECUTOR_DEFAULTS, type CloseOptions, type ExecOptions, type ExecutorOptions } from '../options/options.generated.js'

export type { CloseOptions, ExecOptions, ExecutorOptions }

/** What an executor has done and is doing. */
export interface ExecutorStats {
  /** Calls running now. */
  running: number
  /** Calls waiting for a thread. */
  queued: number
  /** Calls that resolved. */
  completed: number
  /** Calls that rejected (cancelled ones included). */
  failed: number
  /** Calls rejected because they were cancelled. */
  cancelled: number
  /** The executor's `threads`. */
  threads: number
  /** Worker threads alive now. */
  workers: number
}

/** What a {@link Executor.stream} or {@link Executor.streamRun} gives. */
export interface StreamResult<T> {
  /** Bytes the guest passes to the `cwasm.emit(ptr, len)` import. */
  output: ByteStream
  /** WASI stdout (for {@link Executor.streamRun}; ended at once otherwise). */
  stdout: ByteStream
  /** WASI stderr (for {@link Executor.streamRun}; ended at once otherwise). */
  stderr: ByteStream
  /** The call's result; rejects with its error (also thrown by the streams after their chunks). */
  result: Promise<T>
}

interface Task {
  start: (signal: AbortSignal) => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  signal: AbortSignal | undefined
  /** The call's own controller, when it has a signal of its own (else the executor's shared one). */
  ac: AbortController | null
  onAbort: (() => void) | null
  queued: boolean
}

/** The placement of a call, by the rule in the module docs. @internal */
export function placementOf(target: Module | Plugin, o: ExecOptions): 'pool' | 'worker' {
  const wasi = target instanceof Plugin || target.imports.some((i) => i.module === WASI_MODULE)
  if (o.placement !== undefined) {
    if (o.placement !== 'pool' && o.placement !== 'worker') throw new InvalidArgumentError("placement must be 'pool' or 'worker'", 'placement')
    if (o.placement === 'worker') {
      if (o.host === undefined) throw new InvalidArgumentError("placement 'worker' needs host: the file of the host functions the worker loads", 'placement')
      if (wasi) throw new InvalidArgumentError('WASI modules and plugins run on the native pool; worker placement is for modules with JS host functions', 'placement')
      if (o.imports !== undefined) throw new InvalidArgumentError('a worker call takes its host functions from host, not imports (functions cannot cross threads)', 'imports')
    }
    return o.placement
  }
  if (o.host !== undefined && !wasi) {
    if (o.imports !== undefined) throw new InvalidArgumentError('give host functions either as imports or as a host file, not both', 'imports')
    return 'worker'
  }
  return 'pool'
}

/** The options of a pool call: what says where it runs is not its business. */
function callOptions(o: ExecOptions): CallOptions {
  const { host: _host, placement: _placement, ...call } = o
  return call
}

function current(t: Target): Module | Plugin {
  return t instanceof Watched ? (t.current as Module | Plugin) : t
}


/**
 * Runs calls of one runtime off the main thread, at most `threads` at a
 * time, with a bounded queue. See the module docs for where calls run and
 * what cancellation and `close` do.
 *
 * @example
 * ```ts
 * const ex = createExecutor({ runtime: rt, threads: 2 })
 * for await (const r of ex.map(mod, 'fib', [20, 25, 30], { ordered: true })) console.log(r.index, r.value)
 * await ex.close()
 * ```
 */
export class Executor {
  /** The runtime. */
  readonly runtime: Runtime
  /** How many calls run at once. */
  readonly threads: number
  /** How many calls may wait. */
  readonly maxQueue: number
  #idleTimeout: number
  #queue: Task[] = []
  #running = new Set<Task>()
  #closed = false
  #closing: Promise<void> | null = null
  #idle: (() => void)[] = []
  #workers: WorkerPool | null = null
  #completed = 0
  #failed = 0
  #cancelled = 0
  // Aborted by a forced close: the signal of every running call that has none of its own.
  #forced = new AbortController()

  /** @internal Use {@link createExecutor} or {@link Runtime.createExecutor}. */
  constructor(options: ExecutorOptions) {
    // One listener per running call on the shared signal: not a leak.
    setMaxListeners(0, this.#forced.signal)
    validateExecutorOptions(options)
    const { runtime, threads = binding.poolStats().threads, maxQueue = Infinity, idleTimeout = EXECUTOR_DEFAULTS.idleTimeout } = options
    if (runtime === undefined) throw new InvalidArgumentError('runtime is required: the Runtime whose calls the executor runs', 'runtime')
    this.runtime = runtime
    this.threads = threads
    this.maxQueue = maxQueue
    this.#idleTimeout = idleTimeout
  }

  /** Whether {@link Executor.close} was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Counters, and what runs and waits now. */
  get stats(): ExecutorStats {
    return {
      running: this.#running.size,
      queued: this.#queue.length,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      threads: this.threads,
      workers: this.#workers?.threads ?? 0,
    }
  }

  /**
   * Calls `fn` with `args` in a fresh instance and resolves to its result
   * (`undefined` for none, an array for several). The store is freed when
   * the call ends, so a `funcref` result cannot be called afterwards.
   * @throws {@linkcode CancelledError} when `signal` aborts, {@linkcode QueueFullError} when
   * `maxQueue` calls wait already, {@linkcode ClosedError} after {@link Executor.close};
   * {@linkcode TrapError}, {@linkcode TimeoutError}, {@linkcode FuelExhaustedError},
   * {@linkcode MemoryLimitError}, {@linkcode HostFunctionError}, {@linkcode LinkError},
   * {@linkcode InvalidArgumentError} from the call itself.
   * @example
   * ```ts
   * await ex.run(mod, 'process', [42], { timeout: 100 }) // 84
   * ```
   */
  run(module: Target, fn: string | undefined, args: unknown[] = [], options: ExecOptions = {}): Promise<unknown> {
    return this.#call(module, fn, args, options, false).then((r) => r.value)
  }

  /**
   * {@link Executor.run}, also returning what the call cost.
   * @throws as {@link Executor.run}
   * @example
   * ```ts
   * const { value, stats } = await ex.runWithStats(mod, 'process', [42])
   * ```
   */
  runWithStats(module: Target, fn: string | undefined, args: unknown[] = [], options: ExecOptions = {}): Promise<CallResult> {
    return this.#call(module, fn, args, options, true)
  }

  #call(module: Target, fn: string | undefined, args: unknown[], options: ExecOptions, stats: boolean): Promise<CallResult> {
    if (!Array.isArray(args)) return Promise.reject(new InvalidArgumentError('call arguments must be an array', 'args'))
    let target: Module | Plugin
    let placement: 'pool' | 'worker'
    try {
      validateExecOptions(options)
      target = current(module)
      checkTarget(target, 'module')
      placement = placementOf(target, options)
    } catch (e) {
      return Promise.reject(e)
    }
    if (placement === 'worker') {
      // A GC handle is rooted in one store of this thread; a worker thread's store cannot take it.
      const i = args.findIndex((a) => a instanceof GcRef || a instanceof WasmException)
      if (i >= 0) {
        return Promise.reject(new InvalidArgumentError(`argument ${i} is a GC or exception reference, which cannot cross to a worker thread: its object lives in a store of this thread`, 'args'))
      }
      return this.submit(options.signal, (signal) => this.#pool().run(target as Module, fn, args, { ...options, signal }, stats)) as Promise<CallResult>
    }
    const call = callOptions(options)
    return this.submit(options.signal, (signal) => callOnce(this.runtime, target, fn, args, { ...call, signal }, stats)) as Promise<CallResult>
  }

  /**
   * Runs a WASI command (or one export with `invoke`), as {@link Runtime.run}, as one executor call.
   * @throws as {@link Runtime.run}, and {@linkcode QueueFullError}, {@linkcode ClosedError}
   * @example
   * ```ts
   * const { exitCode, stdout } = await ex.runCommand(mod, { args: ['--help'] })
   * ```
   */
  runCommand(target: Target, options: RunOptions = {}): Promise<RunResult> {
    const t = current(target)
    try {
      checkTarget(t, 'target')
      if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('run options must be an object', 'options')
    } catch (e) {
      return Promise.reject(e)
    }
    return this.submit(options.signal, (signal) => runCommand(this.runtime, t, { ...options, signal })) as Promise<RunResult>
  }

  /**
   * Calls `fn` with bytes in and bytes out by the `allocate` convention (README, "Bytes in and out").
   * @throws {@linkcode AbiError} when the guest breaks the convention; otherwise as {@link Executor.run}
   * @example
   * ```ts
   * const out = await ex.callBytes(mod, 'upper', new TextEncoder().encode('hi'))
   * ```
   */
  callBytes(module: Target, fn: string, input: Uint8Array, options: ExecOptions = {}): Promise<Uint8Array> {
    let target: Module | Plugin
    let placement: 'pool' | 'worker'
    try {
      validateExecOptions(options)
      target = current(module)
      checkTarget(target, 'module')
      placement = placementOf(target, options)
      if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('a bytes call takes a Uint8Array', 'input')
    } catch (e) {
      return Promise.reject(e)
    }
    if (placement === 'worker') {
      return this.submit(options.signal, (signal) => this.#pool().runBytes(target as Module, fn, input, { ...options, signal })) as Promise<Uint8Array>
    }
    const call = callOptions(options)
    return this.submit(options.signal, (signal) => callBytesOnce(this.runtime, target, fn, input, { ...call, signal })) as Promise<Uint8Array>
  }

  /**
   * {@link Executor.callBytes} with a UTF-8 string in and out.
   * @throws as {@link Executor.callBytes}
   * @example
   * ```ts
   * await ex.callString(mod, 'upper', 'hello') // 'HELLO'
   * ```
   */
  async callString(module: Target, fn: string, input: string, options: ExecOptions = {}): Promise<string> {
    return decodeOutput('string', await this.callBytes(module, fn, encodeInput('string', input), options)) as string
  }

  /**
   * {@link Executor.callBytes} with JSON in and out (UTF-8 text both ways).
   * @throws as {@link Executor.callBytes}, and {@linkcode AbiError} when the output is not JSON
   * @example
   * ```ts
   * await ex.callJson(mod, 'sum', [1, 2, 3]) // e.g. { sum: 6 }
   * ```
   */
  async callJson(module: Target, fn: string, input: unknown, options: ExecOptions = {}): Promise<unknown> {
    return decodeOutput('json', await this.callBytes(module, fn, encodeInput('json', input), options))
  }

  /**
   * Calls `fn` once per input, up to `concurrency` at a time, and yields
   * `{ index, input, ok, value | error }` as each finishes (in input order
   * with `ordered`). Each input is the argument array, or a single argument
   * (with `codec`, the bytes, string or JSON value). One failure is that
   * item's typed `error` unless `stopOnError`. Inputs are read lazily, and
   * no new item starts while `concurrency` results wait unread. Aborting
   * `signal`, or leaving the loop early, cancels the items still running.
   * @throws {@linkcode InvalidArgumentError} at once for a malformed argument or option;
   * {@linkcode CancelledError} from the loop when `signal` aborts; with
   * `stopOnError`, the first item's error.
   * @example
   * ```ts
   * for await (const r of ex.map(mod, 'fib', [10, 20, 30], { concurrency: 2, onProgress: console.log })) {
   *   if (r.ok) console.log(r.index, r.value)
   * }
   * ```
   */
  map<I = unknown>(module: Target, fn: string, inputs: Iterable<I> | AsyncIterable<I>, options: MapOptions = {}): AsyncIterable<MapResult<I>> {
    validateMapOptions(options)
    checkTarget(current(module), 'module')
    if (typeof fn !== 'string' || fn === '') throw new InvalidArgumentError('name the export to call', 'fn')
    const codec: Codec = options.codec ?? 'values'
    const { timeout, fuel, maxMemory, imports, host, placement } = options
    const each: ExecOptions = {
      ...(timeout !== undefined ? { timeout } : {}),
      ...(fuel !== undefined ? { fuel } : {}),
      ...(maxMemory !== undefined ? { maxMemory } : {}),
      ...(imports !== undefined ? { imports } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(placement !== undefined ? { placement } : {}),
    }
    return mapCalls(inputs, options, this.threads, (input, signal) => {
      const o: ExecOptions = { ...each, signal }
      if (codec === 'values') return this.run(module, fn, Array.isArray(input) ? input : [input], o)
      return this.callBytes(module, fn, encodeInput(codec, input), o).then((out) => decodeOutput(codec, out))
    })
  }

  /**
   * Calls `fn` and streams what the guest passes to its `cwasm.emit(ptr: i32, len: i32)`
   * import as a {@link ByteStream}. When the reader is slow the guest waits in
   * `emit` (the stream holds at most `highWaterMark` bytes plus one chunk);
   * leaving the loop early cancels the call. Runs on the native pool.
   * @throws {@linkcode InvalidArgumentError} at once for a malformed argument or option; `result` rejects as
   * {@link Executor.run}, and the stream throws the same error after its chunks.
   * @example
   * ```ts
   * const { output, result } = ex.stream(mod, 'produce', [1 << 20], { highWaterMark: 64 * 1024 })
   * for await (const chunk of output) sink.write(chunk)
   * await result
   * ```
   */
  stream(
    module: Target,
    fn: string,
    args: unknown[] = [],
    options: ExecOptions & {
      /** The most bytes the stream holds before the guest waits in `emit` (plus the chunk that crossed it). @default 65536 (64 KiB) */
      highWaterMark?: number
    } = {},
  ): StreamResult<unknown> {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('options must be an object', 'options')
    const { highWaterMark, ...o } = options
    validateExecOptions(o)
    checkTarget(current(module), 'module')
    if (typeof fn !== 'string' || fn === '') throw new InvalidArgumentError('name the export to call', 'fn')
    if (!Array.isArray(args)) throw new InvalidArgumentError('call arguments must be an array', 'args')
    const ac = new AbortController()
    const output = new ByteStream({ ...(highWaterMark !== undefined ? { highWaterMark } : {}), onCancel: () => ac.abort(new CancelledError('the reader left the stream early')) })
    const stdout = new ByteStream()
    const stderr = new ByteStream()
    stdout.end()
    stderr.end()
    const signal = o.signal ? AbortSignal.any([o.signal, ac.signal]) : ac.signal
    let memory: (() => { read(offset: number, length: number): Uint8Array }) | null = null
    const imports: Imports = {
      ...(o.imports ?? {}),
      cwasm: {
        emit: (ptr: number, len: number) => {
          const mem = memory?.()
          if (!mem) throw new InvalidArgumentError('cwasm.emit was called before the instance existed')
          return output.write(mem.read(ptr >>> 0, len >>> 0))
        },
      },
    }
    const result = this.submit(signal, async (s) => {
      const target = current(module)
      if (target instanceof Plugin) throw new InvalidArgumentError('stream() takes a module; for a plugin use streamRun', 'module')
      const store = this.runtime.createStore(o.maxMemory !== undefined ? { maxMemory: o.maxMemory } : {}, o.timeout === undefined ? this.runtime.options.maxExecutionTime : o.timeout, target)
      try {
        const fuel = o.fuel === undefined ? this.runtime.options.fuel : o.fuel
        if (fuel != null) store.setFuel(fuel)
        const instance = store.instantiate(target, imports)
        memory = () => instance.memory()
        return await instance.func(fn).callAsync(args, { signal: s })
      } finally {
        memory = null
        store.release()
      }
    })
    result.then(
      () => output.end(),
      (e) => output.fail(e),
    )
    // The error also ends the stream (its loop throws it): a caller reading
    // only the stream must not get an unhandled rejection besides.
    result.catch(() => {})
    return { output, stdout, stderr, result }
  }

  /**
   * Runs a WASI command as {@link Executor.runCommand} with its stdout and
   * stderr as {@link ByteStream}s (and `cwasm.emit` as `output`). When the
   * reader is slow the guest waits in its write.
   * @throws {@linkcode InvalidArgumentError} at once for a malformed target or option; `result` rejects as
   * {@link Runtime.run}, and the streams throw the same error after their chunks.
   * @example
   * ```ts
   * const { stdout, result } = ex.streamRun(mod, { args: ['big-report'] })
   * for await (const chunk of stdout) process.stdout.write(chunk)
   * const { exitCode } = await result
   * ```
   */
  streamRun(
    target: Target,
    options: RunOptions & {
      /** The most bytes each of stdout and stderr holds before the guest waits in its write. @default 65536 (64 KiB) */
      highWaterMark?: number
    } = {},
  ): StreamResult<RunResult> {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('options must be an object', 'options')
    checkTarget(current(target), 'target')
    const { highWaterMark, ...o } = options
    const ac = new AbortController()
    const hwm = highWaterMark !== undefined ? { highWaterMark } : {}
    const cancel = () => ac.abort(new CancelledError('the reader left the stream early'))
    const output = new ByteStream({ ...hwm, onCancel: cancel })
    const stdout = new ByteStream({ ...hwm, onCancel: cancel })
    const stderr = new ByteStream({ ...hwm, onCancel: cancel })
    output.end()
    const signal = o.signal ? AbortSignal.any([o.signal, ac.signal]) : ac.signal
    const result = this.runCommand(target, { ...o, stdout: stdout.write, stderr: stderr.write, signal })
    result.then(
      () => {
        stdout.end()
        stderr.end()
      },
      (e) => {
        stdout.fail(e)
        stderr.fail(e)
      },
    )
    result.catch(() => {})
    return { output, stdout, stderr, result }
  }

  /**
   * Runs `start` as one call of this executor: now if fewer than `threads`
   * run, else queued (bounded by `maxQueue`). `start` gets the signal to
   * pass to the call (aborted by `signal` or a forced close). @internal
   */
  submit(signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<unknown>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ClosedError('the executor is closed and takes no new calls'))
    if (signal?.aborted) {
      this.#failed++
      this.#cancelled++
      return Promise.reject(new CancelledError('the call was cancelled before it started', { cause: signal.reason }))
    }
    if (this.#running.size >= this.threads && this.#queue.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(`the executor's queue is full: ${this.maxQueue} call(s) wait already`, this.maxQueue))
    }
    return new Promise((resolve, reject) => {
      const task: Task = { start, resolve, reject, signal, ac: signal ? new AbortController() : null, onAbort: null, queued: false }
      if (signal) {
        task.onAbort = () => {
          if (task.queued) {
            // Not started: off the queue, rejected now.
            this.#queue.splice(this.#queue.indexOf(task), 1)
            task.queued = false
            this.#settle(task, false, new CancelledError('the call was cancelled before it started', { cause: signal.reason }))
            this.#checkIdle()
          } else {
            task.ac?.abort(signal.reason)
          }
        }
        signal.addEventListener('abort', task.onAbort, { once: true })
      }
      if (this.#running.size < this.threads) this.#launch(task)
      else {
        task.queued = true
        this.#queue.push(task)
      }
    })
  }

  #settle(task: Task, ok: boolean, v: unknown): void {
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort)
    if (ok) {
      this.#completed++
      task.resolve(v)
    } else {
      this.#failed++
      if (v instanceof CancelledError) this.#cancelled++
      task.reject(v)
    }
  }

  #launch(task: Task): void {
    this.#running.add(task)
    let p: Promise<unknown>
    try {
      p = task.start(task.ac ? task.ac.signal : this.#forced.signal)
    } catch (e) {
      p = Promise.reject(e)
    }
    p.then(
      (v) => this.#done(task, true, v),
      (e) => this.#done(task, false, e),
    )
  }

  #done(task: Task, ok: boolean, v: unknown): void {
    this.#running.delete(task)
    if (!ok && v instanceof CancelledError && task.signal?.aborted && v.cause === undefined) {
      v = new CancelledError(v.message, { cause: task.signal.reason })
    }
    this.#settle(task, ok, v)
    const next = this.#queue.shift()
    if (next) {
      next.queued = false
      this.#launch(next)
    }
    this.#checkIdle()
  }

  #checkIdle(): void {
    if (this.#running.size === 0 && this.#queue.length === 0) {
      const waiting = this.#idle
      this.#idle = []
      for (const w of waiting) w()
    }
  }

  #pool(): WorkerPool {
    const o = this.runtime.options
    this.#workers ??= new WorkerPool(this.threads, this.#idleTimeout, { maxExecutionTime: o.maxExecutionTime, fuel: o.fuel, maxMemory: o.maxMemory })
    return this.#workers
  }

  /**
   * Stops taking calls and shuts down: lets queued and running calls finish
   * (graceful), or with `force` rejects the queued ones with
   * {@link ClosedError} and cancels the running ones (they reject with
   * {@link CancelledError}); `timeout` forces a graceful close that takes
   * longer. Then ends the worker threads. Calling it again returns the same Promise.
   * @throws {@linkcode InvalidArgumentError} for malformed options; calls submitted afterwards reject with {@linkcode ClosedError}.
   * @example
   * ```ts
   * await ex.close({ timeout: 5_000 })
   * ```
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing) {
      if (options.force) this.#force()
      return this.#closing
    }
    validateCloseOptions(options)
    this.#closed = true
    if (options.force) this.#force()
    this.#closing = (async () => {
      const drained = new Promise<void>((resolve) => {
        this.#idle.push(resolve)
        this.#checkIdle()
      })
      if (options.timeout !== undefined) {
        let timer: ReturnType<typeof setTimeout> | undefined
        const expired = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.#force()
            resolve()
          }, options.timeout)
        })
        await Promise.race([drained, expired])
        clearTimeout(timer)
        await drained
      } else {
        await drained
      }
      await this.#workers?.close()
      this.#workers = null
    })()
    return this.#closing
  }

  #force(): void {
    const queued = this.#queue
    this.#queue = []
    for (const t of queued) {
      t.queued = false
      this.#settle(t, false, new ClosedError('the executor was closed (forced) before the call started'))
    }
    const reason = new ClosedError('the executor was closed (forced) while the call ran')
    this.#forced.abort(reason)
    for (const t of this.#running) t.ac?.abort(reason)
    this.#checkIdle()
  }
}

/**
 * Creates an executor for a runtime's calls.
 * @throws {@linkcode InvalidArgumentError} for a bad option.
 * @example
 * ```ts
 * const ex = createExecutor({ runtime: rt, threads: 2, maxQueue: 1000 })
 * ```
 */
export function createExecutor(options: ExecutorOptions): Executor {
  return new Executor(options)
}

export type { MapOptions, MapResult, Codec }

/**
 * Worker placement: piscina worker threads that run calls whose host
 * functions come from a file (`host`), calling them synchronously beside
 * the guest. Each call's module crosses by number (`BindingModule.share`):
 * the worker uses the main thread's compiled code and never compiles.
 *
 * @module
 */
import type { Piscina } from 'piscina'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { isAbsolute, resolve } from 'node:path'
import type { Module } from '../loader/module.js'
import { binding } from '../runtime/binding.js'
import { CancelledError, InvalidArgumentError, reviveError, type ErrorData } from '../errors.js'
import type { CallResult } from './call.js'
import type { ExecOptions } from './executor.js'
import type { CallStats } from '../runtime/store.js'

/** What the main thread sends a worker for one call. @internal */
export interface WorkerTask {
  kind: 'values' | 'bytes'
  engine: Record<string, unknown>
  moduleId: number
  fn: string
  args: unknown[]
  input: Uint8Array | null
  host: string
  timeout: number | null
  fuel: number | null
  maxMemory: number
  token: number
  stats: boolean
}

/** What a worker answers. @internal */
export type WorkerReply = { ok: true; value: unknown; stats: CallStats | null } | { ok: false; error: ErrorData }

function hostUrl(host: string | URL): string {
  if (host instanceof URL) return host.href
  if (typeof host !== 'string' || host === '') throw new InvalidArgumentError('host must be a file path or a file: URL', 'host')
  if (host.startsWith('file:')) return host
  return pathToFileURL(isAbsolute(host) ? host : resolve(host)).href
}

// piscina is loaded when the first pool is made, not when the package is
// imported: most processes never place a call on a worker, and loading it
// is ~20 ms of every process start (a CLI run, a cold serverless start).
const require = createRequire(import.meta.url)
let PiscinaClass: typeof Piscina | undefined

/** The piscina pool of one executor. @internal */
export class WorkerPool {
  #piscina: Piscina
  #runtime: { maxExecutionTime: number; fuel: number | null; maxMemory: number }

  constructor(threads: number, idleTimeout: number, defaults: { maxExecutionTime: number; fuel: number | null; maxMemory: number }) {
    this.#runtime = defaults
    PiscinaClass ??= (require('piscina') as typeof import('piscina')).Piscina
    this.#piscina = new PiscinaClass({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout,
      // The executor queues; piscina's own queue stays short.
      maxQueue: 'auto',
    })
  }

  /** Worker threads alive now. */
  get threads(): number {
    return this.#piscina.threads.length
  }

  /** Runs one call on a worker. */
  run(module: Module, fn: string | undefined, args: unknown[], o: ExecOptions & { signal: AbortSignal }, stats: boolean): Promise<CallResult> {
    if (typeof fn !== 'string' || fn === '') return Promise.reject(new InvalidArgumentError('name the export to call', 'name'))
    return this.#submit(module, 'values', fn, args, null, o, stats).then((r) => ({ value: r.value, stats: r.stats ?? { wallMs: 0, fuelConsumed: null, peakMemory: 0 } }))
  }

  /** Runs one bytes call on a worker. */
  runBytes(module: Module, fn: string, input: Uint8Array, o: ExecOptions & { signal: AbortSignal }): Promise<Uint8Array> {
    return this.#submit(module, 'bytes', fn, [], input, o, false).then((r) => r.value as Uint8Array)
  }

  async #submit(module: Module, kind: 'values' | 'bytes', fn: string, args: unknown[], input: Uint8Array | null, o: ExecOptions & { signal: AbortSignal }, stats: boolean): Promise<{ value: unknown; stats: CallStats | null }> {
    const signal = o.signal
    if (signal.aborted) throw new CancelledError('the call was cancelled before it started', { cause: signal.reason })
    const rt = this.#runtime
    const token = binding.newCallToken()
    const task: WorkerTask = {
      kind,
      engine: { ...module.engine.options } as Record<string, unknown>,
      moduleId: module.binding.share(),
      fn,
      args,
      input,
      host: hostUrl(o.host!),
      timeout: o.timeout === undefined ? rt.maxExecutionTime : o.timeout,
      fuel: o.fuel === undefined ? rt.fuel : o.fuel,
      maxMemory: o.maxMemory ?? rt.maxMemory,
      token,
      stats,
    }
    // Before the worker begins the call the token is 'waiting': a cancel
    // makes the worker fail it at once; while it runs, the guest stops at
    // its next check; after it ended, nothing happens.
    let dequeued: ((e: unknown) => void) | null = null
    const early = new Promise<never>((_, reject) => (dequeued = reject))
    early.catch(() => {})
    const onAbort = () => {
      if (binding.cancelCall(token) === 'dequeued') dequeued?.(new CancelledError('the call was cancelled before it started', { cause: signal.reason }))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const reply = (await Promise.race([this.#piscina.run(task), early])) as WorkerReply
      if (!reply.ok) {
        const e = reviveError(reply.error)
        if (e instanceof CancelledError && signal.aborted) throw new CancelledError(e.message, { cause: signal.reason })
        throw e
      }
      return { value: reply.value, stats: reply.stats }
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  /** Ends the worker threads (after their calls). */
  close(): Promise<void> {
    return this.#piscina.close()
  }
}

/**
 * Cybernetic WASM on a fleet: the local executor's calls as BullMQ jobs
 * over Redis, run by worker processes on any number of machines.
 *
 * @example
 * ```ts
 * // on each worker machine
 * import { startWorker } from '@cybernetic/wasm-queue'
 * await startWorker({ connection: 'redis://queue.internal:6379', queue: 'wasm', concurrency: 8 })
 *
 * // in the application
 * import { createQueueExecutor } from '@cybernetic/wasm-queue'
 * const qe = createQueueExecutor({ connection: 'redis://queue.internal:6379', queue: 'wasm' })
 * console.log(await qe.run('compute.wasm', 'process', [42]))
 * ```
 * @module
 */
export { createQueueExecutor, QueueExecutor, type QueueExecutorOptions, type QueueMapOptions, type QueueExecutorStats } from './producer.js'
export { startWorker, QueueWorker, type WorkerOptions, type WorkerMetrics, type JobReport } from './worker.js'
export { SAMPLE_WINDOW, type MetricSummary } from './metrics.js'
export { DEFAULT_MAX_MODULE_SIZE, type QueueTarget } from './modules.js'
export type { QueueCallOptions } from './options.js'
export type { Connection } from './connection.js'
export { QueueError, type QueueProblem } from '@cybernetic/wasm'

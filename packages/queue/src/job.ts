/**
 * What one job carries (the call, its module by hash, its manifest) and
 * what its one outcome is. Both are JSON: BullMQ stores job data and
 * results as JSON text.
 *
 * @module
 */
import { QueueError, type CallStats } from '@cybernetic/wasm'
import type { ErrorData } from '@cybernetic/wasm'
import type { Wire } from './values.js'

/** The version of {@link JobData}; a worker refuses data of another. @internal */
export const JOB_VERSION = 1

/** One job's data. @internal */
export interface JobData {
  v: typeof JOB_VERSION
  /** `values`: wasm arguments in, results out; `bytes`: bytes in and out by the `allocate` convention. */
  kind: 'values' | 'bytes'
  /** Hex sha256 of the module's bytes (wasm binary or WAT text) as stored in Redis. */
  module: string
  /** The export to call; `null` for a plugin's `module.entry`. */
  fn: string | null
  /** Arguments (`values`). */
  args: Wire[]
  /** Input bytes as base64 (`bytes`). */
  input: string | null
  /** Guest deadline in ms; absent: the worker's default; `null`: none. */
  timeout?: number | null
  /** Fuel budget; absent: the worker's default; `null`: none. */
  fuel?: number | null
  /** Largest linear memory in bytes; absent: the worker's default. */
  maxMemory?: number
  /** The sandbox manifest's text (TOML or JSON) when the job runs as a plugin. */
  manifest: string | null
  /** Return the call's stats. */
  stats: boolean
}

/** The one outcome of a job, as stored under its result key. @internal */
export type Outcome = { ok: true; value: Wire | string; stats: CallStats | null; worker: string } | { ok: false; error: ErrorData; worker: string }

const HASH = /^[0-9a-f]{64}$/

/**
 * Checks data a worker took off the queue: whoever wrote it, it must be a
 * job this version understands before anything runs.
 * @throws {@linkcode QueueError} `bad_job`
 * @internal
 */
export function checkJobData(d: unknown): JobData {
  const bad = (why: string): never => {
    throw new QueueError(`the job's data is not a @cybernetic/wasm-queue job this worker understands: ${why}`, 'bad_job')
  }
  if (typeof d !== 'object' || d === null) return bad('not an object')
  const j = d as Record<string, unknown>
  if (j.v !== JOB_VERSION) bad(`version ${String(j.v)}, this worker reads version ${JOB_VERSION}`)
  if (j.kind !== 'values' && j.kind !== 'bytes') bad('kind must be values or bytes')
  if (typeof j.module !== 'string' || !HASH.test(j.module)) bad('module must be a hex sha256')
  if (j.fn !== null && (typeof j.fn !== 'string' || j.fn === '')) bad('fn must be an export name or null')
  if (!Array.isArray(j.args)) bad('args must be an array')
  if (j.kind === 'bytes' && typeof j.input !== 'string') bad('a bytes job needs input')
  if (j.manifest !== null && typeof j.manifest !== 'string') bad('manifest must be text or null')
  for (const k of ['timeout', 'fuel'] as const) {
    const x = j[k]
    if (x !== undefined && x !== null && (!Number.isSafeInteger(x) || (x as number) < 1)) bad(`${k} must be a whole number from 1 or null`)
  }
  if (j.maxMemory !== undefined && (!Number.isSafeInteger(j.maxMemory) || (j.maxMemory as number) < 0)) bad('maxMemory must be a whole number of bytes')
  return j as unknown as JobData
}

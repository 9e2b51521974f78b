// Operating queue workers against a real Redis (test/queue/redis.mjs): graceful
// shutdown of `cwasm worker` on SIGTERM, a forced one on a second signal, and
// the metrics a worker keeps and prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CancelledError, createRuntime, type Runtime } from '@cybernetic/wasm'
import { createQueueExecutor, startWorker, type JobReport, type QueueExecutor } from '@cybernetic/wasm-queue'
import { startRedis, type TestRedis } from './queue/redis.mjs'
import { finished, started, startWorkerProcess, waitFor, type WorkerProc } from './queue/procs.js'

const WAT = `(module
  (func (export "burn") (param $n i64) (result i64) (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func (export "boom") (result i32) unreachable)
  (func (export "spin") (loop $l (br $l))))`
const BYTES = new TextEncoder().encode(WAT)

let redis: TestRedis
let rt: Runtime
let dir: string
const procs: WorkerProc[] = []
const producers: QueueExecutor[] = []
/** A burn count that takes about `ms` on this machine, measured with the same kind of engine. */
let burnFor: (ms: number) => bigint

function worker(name: string, queue: string, args: string[] = []): Promise<WorkerProc> {
  return startWorkerProcess({ name, redis: redis.url, queue, dir, args: ['--lock-duration', '1000ms', '--stalled-interval', '500ms', ...args] }).then((w) => {
    procs.push(w)
    return w
  })
}

function producer(queue: string): QueueExecutor {
  const qe = createQueueExecutor({ connection: redis.url, queue, reconcileInterval: 500 })
  producers.push(qe)
  return qe
}

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'cwasm-queue-ops-'))
  rt = await createRuntime({ engine: { fuel: true } })
  const mod = rt.compile(WAT)
  await rt.call(mod, 'burn', [1_000_000n])
  const t0 = performance.now()
  await rt.call(mod, 'burn', [20_000_000n])
  const perMs = 20_000_000 / Math.max(1, performance.now() - t0)
  burnFor = (ms) => BigInt(Math.round(perMs * ms))
}, 60_000)

afterAll(async () => {
  await Promise.all(producers.map((p) => p.close({ force: true })))
  for (const w of procs) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL')
  await Promise.all(procs.map((w) => w.exited))
  await rt?.close()
  await redis?.stop()
})

describe('cwasm worker: shutdown', () => {
  it('finishes its running job on SIGTERM, takes no new one, and exits 0; the job completes once, on that worker', async () => {
    const queue = 'graceful'
    const qe = producer(queue)
    const w1 = await worker('w1', queue, ['--concurrency', '2'])
    const n = burnFor(1500)
    const a = qe.runWithStats(BYTES, 'burn', [n])
    const aId = (await waitFor('the job to start on w1', () => started(w1)[0])).id
    // While it runs, the producer sees it as running.
    await waitFor('the producer to see the job running', () => qe.stats.running === 1, 5_000)
    w1.child.kill('SIGTERM')
    await waitFor('w1 to say it is stopping', () => w1.events.find((e) => e.event === 'stopping'), 5_000)
    expect(w1.events.find((e) => e.event === 'stopping')).toMatchObject({ signal: 'SIGTERM', running: 1 })
    // A job added now is not taken by the stopping worker (it had a free slot).
    const b = qe.run(BYTES, 'burn', [1000n])
    expect(await w1.exited).toBe(0)
    expect((await a).value).toBe(n)
    expect(finished(w1).map((j) => [j.id, j.ok])).toEqual([[aId, true]])
    expect(started(w1).map((s) => s.id)).toEqual([aId])
    expect(w1.events.at(-1)).toMatchObject({ event: 'stopped', done: 1, failed: 0, running: 0 })
    // The second job waited in the queue; a new worker takes it, and never sees the first.
    expect(qe.stats).toMatchObject({ pending: 1, running: 0, completed: 1 })
    const w2 = await worker('w2', queue)
    expect(await b).toBe(1000n)
    expect(started(w2).map((s) => s.id)).not.toContain(aId)
    expect(finished(w2)).toHaveLength(1)
    w2.child.kill('SIGINT')
    expect(await w2.exited).toBe(0)
  }, 60_000)

  it('cancels its running job on a second signal and exits 0; the caller gets CancelledError', async () => {
    const queue = 'forced'
    const qe = producer(queue)
    const w = await worker('w3', queue)
    const t0 = Date.now()
    const p = qe.run(BYTES, 'spin', [], { timeout: 30_000 }).catch((e: unknown) => e)
    await waitFor('the spin job to start', () => started(w)[0])
    w.child.kill('SIGTERM')
    await waitFor('w3 to say it is stopping', () => w.events.find((e) => e.event === 'stopping'), 5_000)
    // Graceful: the guest is still spinning a while later.
    await new Promise((r) => setTimeout(r, 300))
    expect(w.child.exitCode).toBeNull()
    w.child.kill('SIGINT')
    expect(await w.exited).toBe(0)
    const e = await p
    expect(e).toBeInstanceOf(CancelledError)
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(finished(w)).toMatchObject([{ ok: false, code: 'cancelled' }])
    expect(w.events.find((x) => x.event === 'stopping' && x.force === true)).toMatchObject({ signal: 'SIGINT' })
  }, 60_000)
})

describe('worker metrics', () => {
  it('counts done and failed jobs and reports equal fuel for identical jobs, with wall-time and fuel summaries', async () => {
    const queue = 'metrics'
    const qe = producer(queue)
    const w = await startWorker({ connection: redis.url, queue, concurrency: 2, runtime: { engine: { fuel: true } } })
    const reports: JobReport[] = []
    w.on('job', (r: JobReport) => reports.push(r))
    try {
      const ok = await Promise.all([1, 2, 3].map(() => qe.runWithStats(BYTES, 'burn', [50_000n])))
      const traps = await Promise.all([1, 2].map(() => qe.run(BYTES, 'boom').catch((e: unknown) => e)))
      expect(traps.map((e) => (e as { code: string }).code)).toEqual(['unreachable', 'unreachable'])
      await waitFor('five reports', () => reports.length === 5, 5_000)
      const m = w.metrics
      expect(m).toMatchObject({ done: 3, failed: 2, cancelled: 0, running: 0, duplicates: 0, modules: 1 })
      // Fuel: metered, the same for the same call, and what the caller saw.
      const fuel = reports.filter((r) => r.ok).map((r) => r.fuelConsumed)
      expect(fuel[0]).toBeGreaterThan(50_000)
      expect(fuel).toEqual([fuel[0], fuel[0], fuel[0]])
      expect(ok.map((r) => r.stats.fuelConsumed)).toEqual(fuel)
      expect(m.fuel).toEqual({ count: 3, sum: 3 * fuel[0]!, min: fuel[0], max: fuel[0], p50: fuel[0], p95: fuel[0] })
      // Failures carry their code; a trapped call reports no fuel.
      expect(reports.filter((r) => !r.ok).map((r) => [r.code, r.fuelConsumed])).toEqual([['unreachable', null], ['unreachable', null]])
      // Wall time: every job counted, the summary consistent with the reports.
      const walls = reports.map((r) => r.wallMs).sort((a, b) => a - b)
      expect(walls.every((x) => x > 0)).toBe(true)
      expect(m.wallMs.count).toBe(5)
      expect(m.wallMs.sum).toBeCloseTo(walls.reduce((a, b) => a + b, 0), 6)
      expect(m.wallMs).toMatchObject({ min: walls[0], max: walls[4], p50: walls[2], p95: walls[4] })
      // Each report's guest time is part of its wall time.
      for (const r of reports.filter((x) => x.ok)) expect(r.guestMs!).toBeLessThanOrEqual(r.wallMs)
    } finally {
      await w.close()
    }
  })

  it('prints the counts and summaries of cwasm worker as JSON lines every --report interval and when it stops', async () => {
    const queue = 'report'
    const qe = producer(queue)
    const w = await worker('w4', queue, ['--report', '100ms'])
    await Promise.all([qe.run(BYTES, 'burn', [10_000n]), qe.run(BYTES, 'burn', [10_000n]), qe.run(BYTES, 'boom').catch(() => null)])
    const progress = await waitFor('a progress line with three jobs', () =>
      w.events.find((e) => e.event === 'progress' && (e.done as number) + (e.failed as number) === 3),
    5_000)
    expect(progress).toMatchObject({ worker: 'w4', done: 2, failed: 1, running: 0, wallMs: { count: 3 }, fuel: { count: 2 } })
    const f = finished(w).filter((j) => j.ok).map((j) => j.fuelConsumed)
    expect((progress.fuel as { sum: number }).sum).toBe(f[0]! + f[1]!)
    // One line per change, not one per tick.
    await new Promise((r) => setTimeout(r, 400))
    expect(w.events.filter((e) => e.event === 'progress' && (e.done as number) === 2)).toHaveLength(1)
    w.child.kill('SIGTERM')
    expect(await w.exited).toBe(0)
    expect(w.events.at(-1)).toMatchObject({ event: 'stopped', done: 2, failed: 1, wallMs: { count: 3 } })
  })
})

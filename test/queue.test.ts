// @cybernetic/wasm-queue against a real Redis (a private redis-server on a
// free port, test/queue/redis.mjs): one producer (this process) and three
// worker processes started with `cwasm worker`, as on three machines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRuntime, CapabilityError, CancelledError, InvalidArgumentError, QueueError, TrapError, type Runtime } from '@cybernetic/wasm'
import { createQueueExecutor, type QueueExecutor } from '@cybernetic/wasm-queue'
import { startRedis, type TestRedis } from './queue/redis.mjs'
import { finished, started, startWorkerProcess, waitFor, type WorkerProc } from './queue/procs.js'

const QUEUE = 'acceptance'

const WAT = `(module
  (func (export "mix") (param $x i32) (param $rounds i32) (result i32)
    (loop $l
      (local.set $x (i32.add (i32.xor (i32.mul (local.get $x) (i32.const 0x9E3779B1))
                                      (i32.shr_u (local.get $x) (i32.const 15)))
                             (local.get $rounds)))
      (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
      (br_if $l (i32.gt_s (local.get $rounds) (i32.const 0))))
    (local.get $x))
  (func (export "burn") (param $n i64) (result i64) (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func (export "boom") (result i32) unreachable)
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "spin") (loop $l (br $l))))`

const CLOCK_WAT = `(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "now") (result i32) (call $now (i32.const 0) (i64.const 1) (i32.const 0))))`

let redis: TestRedis
let rt: Runtime
let qe: QueueExecutor
let dir: string
const workers: WorkerProc[] = []

const startWorker = (name: string) =>
  startWorkerProcess({
    name,
    redis: redis.url,
    queue: QUEUE,
    dir,
    args: ['--concurrency', '2', '--policy', join(dir, 'policy.json'), '--lock-duration', '1000ms', '--stalled-interval', '500ms'],
  })

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'cwasm-queue-'))
  writeFileSync(join(dir, 'mix.wat'), WAT)
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ limits: { timeMs: 20_000 } }))
  rt = await createRuntime({ engine: { fuel: true } })
  const ws = await Promise.all(['w1', 'w2', 'w3'].map(startWorker))
  workers.push(...ws)
  qe = createQueueExecutor({ connection: redis.url, queue: QUEUE, reconcileInterval: 500 })
}, 60_000)

afterAll(async () => {
  await qe?.close({ force: true })
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL')
  await Promise.all(workers.map((w) => w.exited))
  await rt?.close()
  await redis?.stop()
})

describe('queue: one producer, three worker processes, a real Redis', () => {
  it('gives 1,000 jobs over a module the same results as the local executor, spread over the workers', async () => {
    const mod = await rt.loadModule(join(dir, 'mix.wat'))
    const inputs = Array.from({ length: 1000 }, (_, i) => [i, 100 + (i % 50)])
    const local: unknown[] = []
    for await (const r of rt.executor.map(mod, 'mix', inputs, { ordered: true })) local.push(r.ok ? r.value : r.error)
    const remote: unknown[] = []
    for await (const r of qe.map(mod, 'mix', inputs, { ordered: true, concurrency: 100 })) remote.push(r.ok ? r.value : r.error)
    expect(remote).toEqual(local)
    expect(new Set(local).size).toBeGreaterThan(900)
    const busy = workers.filter((w) => finished(w).length > 0)
    expect(busy.length).toBeGreaterThanOrEqual(2)
    // Each worker prints its line after recording the outcome: the last lines may still be on their way.
    await waitFor('every job reported', () => workers.reduce((n, w) => n + finished(w).length, 0) >= 1000, 5_000)
    expect(workers.reduce((n, w) => n + finished(w).length, 0)).toBe(1000)
    // The module travelled once, under its hash.
    const hash = createHash('sha256').update(WAT).digest('hex')
    expect(redis.cli(['EXISTS', `bull:${QUEUE}:cwasm:module:${hash}`])).toBe('1')
  }, 60_000)

  it('carries i64 and f64 values both ways, and the stats of the call on the worker', async () => {
    const bytes = new TextEncoder().encode(WAT)
    const r = await qe.runWithStats(bytes, 'burn', [1000n])
    expect(r.value).toBe(1000n)
    expect(r.stats.fuelConsumed).toBeGreaterThan(1000)
    const f = new TextEncoder().encode('(module (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5))))')
    expect(await qe.run(f, 'half', [Infinity])).toBe(Infinity)
    expect(Number.isNaN(await qe.run(f, 'half', [NaN]))).toBe(true)
    expect(Object.is(await qe.run(f, 'half', [-0]), -0)).toBe(true)
  })

  it('rejects a trap in a job with a TrapError carrying its code, without retrying it', async () => {
    const bytes = new TextEncoder().encode(WAT)
    const e = await qe.run(bytes, 'boom').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(TrapError)
    expect(e).toMatchObject({ code: 'unreachable', trapCode: 'unreachable' })
    expect((e as TrapError).message).toMatch(/unreachable/)
    const d = await qe.run(bytes, 'div', [1, 0]).catch((x: unknown) => x)
    expect(d).toBeInstanceOf(TrapError)
    expect(d).toMatchObject({ code: 'integer_divide_by_zero' })
    // Deterministic: one attempt each, on one worker.
    const runs = workers.flatMap(finished).filter((j) => j.code === 'unreachable' || j.code === 'integer_divide_by_zero')
    expect(runs).toHaveLength(2)
  })

  it("refuses a job whose manifest asks for a capability the worker's policy denies, with a CapabilityError", async () => {
    const manifest = '[module]\nname = "clock"\n\n[capabilities]\nclocks = true\n'
    const e = await qe.run(new TextEncoder().encode(CLOCK_WAT), 'now', [], { manifest }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(CapabilityError)
    expect(e).toMatchObject({ code: 'capability_denied', manifestKey: 'capabilities.clocks', policyKey: 'policy.clocks' })
    // And a per-call limit above the policy's is refused the same way.
    const t = await qe.run(new TextEncoder().encode(WAT), 'mix', [1, 1], { timeout: 60_000 }).catch((x: unknown) => x)
    expect(t).toBeInstanceOf(CapabilityError)
    expect(t).toMatchObject({ policyKey: 'policy.limits.timeMs' })
    // A manifest within the policy runs, its entry called when no name is given.
    const ok = await qe.run(new TextEncoder().encode(WAT), undefined, [7, 3], { manifest: '[module]\nname = "mix"\nentry = "mix"\n' })
    expect(ok).toBe(await rt.call(rt.compile(WAT), 'mix', [7, 3]))
  })

  it('refuses a module whose stored bytes do not match their hash, and one over the size bound', async () => {
    const wanted = new TextEncoder().encode('(module (func (export "seven") (result i32) i32.const 7))')
    const hash = createHash('sha256').update(wanted).digest('hex')
    // Someone wrote other bytes under this module's name.
    redis.cli(['-x', 'SET', `bull:${QUEUE}:cwasm:module:${hash}`], '(module (func (export "seven") (result i32) i32.const 8))')
    const e = await qe.run(wanted, 'seven').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(QueueError)
    expect(e).toMatchObject({ code: 'queue_error', problem: 'hash_mismatch' })
    expect((e as Error).message).toContain(hash)
    const small = createQueueExecutor({ connection: redis.url, queue: QUEUE, maxModuleSize: 64 })
    try {
      await expect(small.run(new TextEncoder().encode(WAT), 'mix', [1, 1])).rejects.toMatchObject({ problem: 'module_too_large' })
      await expect(small.run(wanted, 'seven', [], { imports: {} } as never)).rejects.toBeInstanceOf(InvalidArgumentError)
    } finally {
      await small.close()
    }
  })

  it('cancels a running job on its worker: the caller gets CancelledError at once and the guest stops', async () => {
    const ac = new AbortController()
    const p = qe.run(new TextEncoder().encode(WAT), 'spin', [], { timeout: 15_000, signal: ac.signal })
    const before = workers.flatMap(started).length
    await waitFor('the spin job to start', () => workers.flatMap(started).length > before)
    ac.abort()
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    await waitFor('the worker to report the cancelled job', () => workers.flatMap(finished).some((j) => j.code === 'cancelled'), 5_000)
    // And the deadline reaches the guest too.
    await expect(qe.run(new TextEncoder().encode(WAT), 'spin', [], { timeout: 200 })).rejects.toMatchObject({ code: 'timeout' })
  })

  it('completes the job of a worker killed with SIGKILL on another worker, one result per job', async () => {
    const bytes = new TextEncoder().encode(WAT)
    // About a second of guest work per job, measured here on the same kind of engine.
    const t0 = performance.now()
    await rt.call(rt.compile(WAT), 'burn', [20_000_000n])
    const n = BigInt(Math.round((20_000_000 * 1000) / Math.max(1, performance.now() - t0)))
    const seen = new Set(workers.flatMap(started).map((s) => s.id))
    const calls = Array.from({ length: 4 }, () => qe.run(bytes, 'burn', [n]))
    const victim = await waitFor('a burn job to start', () => workers.find((w) => started(w).some((s) => !seen.has(s.id))))
    const lost = started(victim).filter((s) => !seen.has(s.id)).map((s) => s.id)
    victim.child.kill('SIGKILL')
    await victim.exited
    expect(await Promise.all(calls)).toEqual([n, n, n, n])
    const survivors = workers.filter((w) => w !== victim)
    const done = survivors.flatMap(finished).filter((j) => !seen.has(j.id))
    // Every job finished exactly once, the killed worker's on another worker.
    const ids = done.map((j) => j.id)
    expect(new Set(ids).size).toBe(4)
    expect(ids).toHaveLength(4)
    for (const id of lost) expect(ids).toContain(id)
    expect(done.every((j) => j.ok)).toBe(true)
    for (const id of ids) expect(redis.cli(['EXISTS', `bull:${QUEUE}:cwasm:result:${id}`])).toBe('1')
    workers.splice(workers.indexOf(victim), 1)
  }, 60_000)
})

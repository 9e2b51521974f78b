import { describe, expect, it } from 'vitest'
import {
  CancelledError,
  ClosedError,
  createExecutor,
  createRuntime,
  Executor,
  InvalidArgumentError,
  poolStats,
  QueueFullError,
  TimeoutError,
  TrapError,
  type MapResult,
} from '@cybernetic/wasm'

const WAT = `(module
  (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func (export "fails_on_3") (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const 3)) (then unreachable))
    local.get 0)
  (func (export "work") (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    local.get $s)
  (func (export "spin_unless_zero") (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (return (i32.const 0))))
    (loop (br 0))
    i32.const 1)
  (func (export "spin") (loop br 0)))`

async function setup() {
  const rt = await createRuntime()
  return { rt, mod: rt.compile(WAT) }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('executor', () => {
  it('runs a call and resolves to its value', async () => {
    const { rt, mod } = await setup()
    const ex = createExecutor({ runtime: rt, threads: 2 })
    expect(ex).toBeInstanceOf(Executor)
    expect(await ex.run(mod, 'double', [21])).toBe(42)
    expect(ex.stats).toMatchObject({ completed: 1, failed: 0, running: 0, queued: 0, threads: 2 })
    await ex.close()
  })

  it('yields every result of map with its index and input, in input order when asked', async () => {
    const { rt, mod } = await setup()
    const ex = rt.createExecutor({ threads: 2 })
    const inputs = [5000, 10, 3000, 1, 2000, 7]
    const ordered = await collect(ex.map(mod, 'work', inputs, { ordered: true }))
    expect(ordered.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(ordered.map((r) => (r.ok ? r.value : null))).toEqual(inputs.map((n) => (n * (n + 1)) / 2))
    expect(ordered.map((r) => r.input)).toEqual(inputs)
    const unordered = await collect(ex.map(mod, 'work', inputs))
    expect(unordered.map((r) => r.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5])
    await ex.close()
  })

  it('gives one failing item its typed error and finishes the rest of the batch', async () => {
    const { rt, mod } = await setup()
    const progress: { done: number; failed: number; total: number }[] = []
    const results = await collect(rt.executor.map(mod, 'fails_on_3', [1, 2, 3, 4], { ordered: true, onProgress: (p) => progress.push(p) }))
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true])
    const bad = results[2] as Extract<MapResult<number>, { ok: false }>
    expect(bad.error).toBeInstanceOf(TrapError)
    expect((bad.error as TrapError).trapCode).toBe('unreachable')
    expect(progress.at(-1)).toMatchObject({ done: 4, failed: 1, total: 4 })
  })

  it('ends the batch at the first failure with stopOnError', async () => {
    const { rt, mod } = await setup()
    await expect(collect(rt.executor.map(mod, 'fails_on_3', [1, 2, 3, 4, 5], { ordered: true, stopOnError: true }))).rejects.toBeInstanceOf(TrapError)
  })

  it('reads inputs lazily and starts no new item while concurrency results wait unread', async () => {
    const { rt, mod } = await setup()
    let read = 0
    function* inputs() {
      for (let i = 0; i < 100; i++) {
        read++
        yield i
      }
    }
    const it = rt.executor.map(mod, 'double', inputs(), { concurrency: 3 })[Symbol.asyncIterator]()
    const first = await it.next()
    expect(first.done).toBe(false)
    // Wait long enough for every started item to finish: only 3 (+1 read after the first result) may have started.
    await new Promise((r) => setTimeout(r, 50))
    expect(read).toBeLessThanOrEqual(4)
    await it.return!()
    expect(read).toBeLessThanOrEqual(4)
  })

  it('cancels the items still running when the loop is left early', async () => {
    const { rt, mod } = await setup()
    const ex = rt.createExecutor({ threads: 3 })
    for await (const r of ex.map(mod, 'spin_unless_zero', [0, 1, 1], { timeout: null, concurrency: 3 })) {
      expect(r).toMatchObject({ index: 0, ok: true, value: 0 })
      break
    }
    for (let i = 0; i < 500 && ex.stats.running > 0; i++) await new Promise((r) => setTimeout(r, 2))
    expect(ex.stats).toMatchObject({ running: 0, cancelled: 2 })
    await ex.close()
  })

  it('stops the whole batch when its signal aborts', async () => {
    const { rt, mod } = await setup()
    const ex = rt.createExecutor({ threads: 2 })
    const ac = new AbortController()
    const loop = collect(ex.map(mod, 'spin', [[], [], []], { timeout: null, signal: ac.signal }))
    for (let i = 0; i < 200 && ex.stats.running < 2; i++) await new Promise((r) => setTimeout(r, 2))
    ac.abort()
    await expect(loop).rejects.toBeInstanceOf(CancelledError)
    for (let i = 0; i < 200 && ex.stats.running > 0; i++) await new Promise((r) => setTimeout(r, 2))
    expect(ex.stats.running).toBe(0)
    await ex.close()
  })

  it('rejects a call past maxQueue with QueueFullError and starts nothing', async () => {
    const { rt, mod } = await setup()
    const ex = createExecutor({ runtime: rt, threads: 1, maxQueue: 1 })
    const a = ex.run(mod, 'spin', [], { timeout: 100 }).catch((e) => e)
    const b = ex.run(mod, 'double', [1])
    const c = ex.run(mod, 'double', [2])
    await expect(c).rejects.toBeInstanceOf(QueueFullError)
    await expect(c).rejects.toMatchObject({ code: 'queue_full', maxQueue: 1 })
    expect(await a).toBeInstanceOf(TimeoutError)
    expect(await b).toBe(2)
    await ex.close()
  })

  it('drains queued and running calls on a graceful close, then refuses new ones with ClosedError', async () => {
    const { rt, mod } = await setup()
    const ex = createExecutor({ runtime: rt, threads: 1 })
    const calls = [ex.run(mod, 'work', [100000]), ex.run(mod, 'double', [4])]
    await ex.close()
    expect(await Promise.all(calls)).toEqual([705082704, 8])
    await expect(ex.run(mod, 'double', [1])).rejects.toBeInstanceOf(ClosedError)
    expect(ex.closed).toBe(true)
  })

  it('rejects queued calls with ClosedError and cancels running ones on a forced close', async () => {
    const { rt, mod } = await setup()
    const ex = createExecutor({ runtime: rt, threads: 1 })
    const running = ex.run(mod, 'spin', [], { timeout: null }).catch((e) => e)
    const queued = ex.run(mod, 'double', [1]).catch((e) => e)
    for (let i = 0; i < 200 && poolStats().busy === 0; i++) await new Promise((r) => setTimeout(r, 2))
    await ex.close({ force: true })
    expect(await queued).toBeInstanceOf(ClosedError)
    expect(await running).toBeInstanceOf(CancelledError)
  })

  it('turns a graceful close into a forced one when its timeout runs out', async () => {
    const { rt, mod } = await setup()
    const ex = createExecutor({ runtime: rt, threads: 1 })
    const running = ex.run(mod, 'spin', [], { timeout: null }).catch((e) => e)
    await ex.close({ timeout: 50 })
    expect(await running).toBeInstanceOf(CancelledError)
  })

  it('closes every executor of a runtime with rt.close and refuses calls afterwards', async () => {
    const { rt, mod } = await setup()
    const own = rt.createExecutor()
    expect(await rt.call(mod, 'double', [5])).toBe(10)
    await rt.close()
    expect(own.closed).toBe(true)
    expect(rt.executor.closed).toBe(true)
    await expect(rt.call(mod, 'double', [5])).rejects.toBeInstanceOf(ClosedError)
    expect(() => rt.createExecutor()).toThrow(ClosedError)
  })

  it('refuses bad options with InvalidArgumentError naming them', async () => {
    const { rt, mod } = await setup()
    expect(() => createExecutor({ runtime: rt, threads: 0 })).toThrow(expect.objectContaining({ path: 'threads' }))
    expect(() => createExecutor({ runtime: rt, maxQueue: -1 })).toThrow(expect.objectContaining({ path: 'maxQueue' }))
    expect(() => createExecutor({ runtime: {} as never })).toThrow(InvalidArgumentError)
    await expect(rt.executor.run(mod, 'double', [1], { placement: 'worker' })).rejects.toMatchObject({ path: 'placement' })
    await expect(rt.executor.run(mod, 'double', 5 as never)).rejects.toMatchObject({ path: 'args' })
    expect(() => rt.executor.map(mod, 'double', [1], { concurrency: 0 })).toThrow(expect.objectContaining({ path: 'concurrency' }))
  })

  it('runs rt.call, rt.callWithStats and rt.run through rt.executor', async () => {
    const { rt, mod } = await setup()
    const before = rt.executor.stats.completed
    await rt.call(mod, 'double', [1])
    const { value, stats } = await rt.callWithStats(mod, 'work', [1000])
    expect(value).toBe(500500)
    expect(stats.wallMs).toBeGreaterThan(0)
    expect(rt.executor.stats.completed).toBe(before + 2)
  })

  it('frees the store of each call, so a long loop of calls does not run out of address space', async () => {
    const { rt, mod } = await setup()
    // Each memory reserves more than 4 GiB of address space until freed.
    const withMemory = rt.compile('(module (memory 1) (func (export "f") (result i32) i32.const 1))')
    for (let i = 0; i < 30_000; i++) rt.callSync(withMemory, 'f')
    expect(await rt.call(mod, 'double', [2])).toBe(4)
  })
})

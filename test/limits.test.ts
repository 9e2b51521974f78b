// Fuel, deadlines, cancellation, memory limits, off-thread calls and host
// functions across threads.
import { describe, expect, it } from 'vitest'
import {
  CancelledError,
  Engine,
  FuelExhaustedError,
  InvalidArgumentError,
  Module,
  Store,
  TimeoutError,
  createRuntime,
} from '@cybernetic/wasm'

const SPIN = '(module (func (export "spin") (loop br 0)))'
const COUNT = `(module (func (export "count") (param i32) (result i32) (local i32)
  (loop (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if 0 (i32.lt_u (local.get 1) (local.get 0)))) local.get 1))`

describe('fuel', () => {
  it('stops an infinite loop with FuelExhaustedError when the budget runs out', async () => {
    const rt = await createRuntime({ fuel: 1_000_000 })
    const mod = rt.compile(SPIN)
    await expect(rt.call(mod, 'spin')).rejects.toBeInstanceOf(FuelExhaustedError)
    await expect(rt.call(mod, 'spin', [], { fuel: 10 })).rejects.toMatchObject({ code: 'fuel_exhausted' })
  })

  it('reports the fuel a call consumed, deterministically', async () => {
    const rt = await createRuntime({ fuel: 10_000_000 })
    const mod = rt.compile(COUNT)
    const a = await rt.callWithStats(mod, 'count', [1000])
    const b = await rt.callWithStats(mod, 'count', [1000])
    const c = await rt.callWithStats(mod, 'count', [2000])
    expect(a.value).toBe(1000)
    expect(a.stats.fuelConsumed).toBeGreaterThan(1000)
    expect(b.stats.fuelConsumed).toBe(a.stats.fuelConsumed)
    expect(c.stats.fuelConsumed!).toBeGreaterThan(a.stats.fuelConsumed!)
  })

  it('refuses a fuel budget on an engine without fuel metering', () => {
    const store = new Store(Engine.shared())
    expect(() => store.setFuel(100)).toThrow(InvalidArgumentError)
  })
})

describe('deadlines and cancellation', () => {
  it('times out an off-thread call within a few milliseconds of its deadline', async () => {
    const rt = await createRuntime({ maxExecutionTime: 50 })
    const mod = rt.compile(SPIN)
    const t0 = performance.now()
    await expect(rt.call(mod, 'spin')).rejects.toBeInstanceOf(TimeoutError)
    const took = performance.now() - t0
    expect(took).toBeGreaterThanOrEqual(50)
    expect(took).toBeLessThan(1_000)
  })

  it('cancels a running call through its AbortSignal, keeping the reason as cause', async () => {
    const rt = await createRuntime({ maxExecutionTime: 10_000 })
    const mod = rt.compile(SPIN)
    const ac = new AbortController()
    const p = rt.call(mod, 'spin', [], { signal: ac.signal })
    setTimeout(() => ac.abort(new Error('user pressed stop')), 30)
    const err = await p.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CancelledError)
    expect((err as CancelledError).code).toBe('cancelled')
    expect(((err as CancelledError).cause as Error).message).toBe('user pressed stop')
  })

  it('rejects at once when the signal is already aborted', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(SPIN)
    await expect(rt.call(mod, 'spin', [], { signal: AbortSignal.abort('no') })).rejects.toMatchObject({ code: 'cancelled', cause: 'no' })
  })

  it('cancelling one call leaves another call on the same engine running', async () => {
    const rt = await createRuntime({ maxExecutionTime: 10_000 })
    const spin = rt.compile(SPIN)
    const count = rt.compile(COUNT)
    const ac = new AbortController()
    const cancelled = rt.call(spin, 'spin', [], { signal: ac.signal })
    const other = rt.call(count, 'count', [50_000_000])
    setTimeout(() => ac.abort(), 5)
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError)
    await expect(other).resolves.toBe(50_000_000)
  })
})

describe('off the main thread', () => {
  it('keeps the event loop responsive while a guest loops for 2 seconds', async () => {
    const rt = await createRuntime({ maxExecutionTime: 2_000 })
    const mod = rt.compile(SPIN)
    const gaps: number[] = []
    let last = performance.now()
    const timer = setInterval(() => {
      const now = performance.now()
      gaps.push(now - last)
      last = now
    }, 10)
    await expect(rt.call(mod, 'spin')).rejects.toBeInstanceOf(TimeoutError)
    clearInterval(timer)
    // A blocked event loop would give one gap of ~2000 ms and few ticks.
    expect(gaps.length).toBeGreaterThan(100)
    expect(Math.max(...gaps)).toBeLessThan(250)
  })

  it('runs a guest that calls a synchronous JS host function from a pool thread', async () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(store.engine, '(module (import "h" "f" (func (param i32) (result i32))) (func (export "go") (param i32) (result i32) local.get 0 call 0))')
    const calls: number[] = []
    const instance = store.instantiate(mod, { h: { f: (x: number) => (calls.push(x), x * 3) } })
    expect(await instance.func('go').callAsync([5])).toBe(15)
    expect(calls).toEqual([5])
  })

  it('lets an off-thread guest await an async JS host function', async () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(store.engine, '(module (import "h" "f" (func (param i32) (result i32))) (func (export "go") (param i32) (result i32) local.get 0 call 0 i32.const 1 i32.add))')
    const instance = store.instantiate(mod, {
      h: { f: async (x: number) => (await new Promise((r) => setTimeout(r, 5)), x * 10) },
    })
    expect(await instance.func('go').callAsync([4])).toBe(41)
  })

  it('carries a rejected async host function’s error as the cause', async () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(store.engine, '(module (import "h" "f" (func)) (func (export "go") call 0))')
    const boom = new Error('async failure')
    const instance = store.instantiate(mod, { h: { f: async () => Promise.reject(boom) } })
    await expect(instance.func('go').callAsync()).rejects.toMatchObject({ code: 'host_error', cause: boom })
  })

  it('ends a call at its deadline while it awaits a host function that never settles, and frees the thread', async () => {
    const rt = await createRuntime({ maxExecutionTime: 40 })
    const mod = rt.compile('(module (import "h" "f" (func)) (func (export "go") call 0))')
    const never = { h: { f: () => new Promise<void>(() => {}) } }
    const t0 = performance.now()
    await expect(rt.call(mod, 'go', [], { imports: never })).rejects.toMatchObject({ code: 'timeout', limitMs: 40 })
    expect(performance.now() - t0).toBeLessThan(2_000)
    // More such calls than pool threads: each gets its thread back.
    const all = Array.from({ length: 6 }, () => rt.call(mod, 'go', [], { imports: never, timeout: 20 }))
    for (const r of await Promise.allSettled(all)) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'timeout' } })
    expect(await rt.call(rt.compile('(module (func (export "one") (result i32) i32.const 1))'), 'one')).toBe(1)
  })

  it('cancels a call that awaits a host function, and ignores the host’s late answer', async () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(store.engine, '(module (import "h" "f" (func (result i32))) (func (export "go") (result i32) call 0))')
    let settle: (v: number) => void = () => {}
    const instance = store.instantiate(mod, { h: { f: () => new Promise<number>((r) => (settle = r)) } })
    const ac = new AbortController()
    const p = instance.func('go').callAsync([], { signal: ac.signal })
    setTimeout(() => ac.abort('enough'), 10)
    await expect(p).rejects.toMatchObject({ code: 'cancelled', cause: 'enough' })
    const late = settle
    const again = instance.func('go').callAsync()
    await new Promise((r) => setTimeout(r, 5))
    late(7) // the first call's answer, too late: nobody waits for it any more
    settle(9)
    expect(await again).toBe(9)
  })

  it('lets go of the error of a host function that rejects after its call was stopped', async () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(store.engine, '(module (import "h" "f" (func)) (func (export "go") call 0))')
    let fail: (e: unknown) => void = () => {}
    const instance = store.instantiate(mod, { h: { f: () => new Promise<void>((_, reject) => (fail = reject)) } })
    const ac = new AbortController()
    const p = instance.func('go').callAsync([], { signal: ac.signal })
    setTimeout(() => ac.abort(), 10)
    await expect(p).rejects.toMatchObject({ code: 'cancelled' })
    fail(new Error('too late'))
    await new Promise((r) => setTimeout(r, 5))
    expect((store as unknown as { hostErrorCount: number }).hostErrorCount).toBe(0)
  })

  it('refuses a Promise from a host function during a synchronous call', () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(store.engine, '(module (import "h" "f" (func)) (func (export "go") call 0))')
    const instance = store.instantiate(mod, { h: { f: async () => {} } })
    expect(() => instance.call('go')).toThrow(/returned a Promise during a synchronous call/)
  })

  it('runs two calls at once on two pool threads', async () => {
    // Guest A waits (inside a host call, holding its pool thread) until guest
    // B has started. On a single thread B could never start and A would time out.
    const rt = await createRuntime({ maxExecutionTime: 5_000 })
    const mod = rt.compile('(module (import "h" "f" (func (result i32))) (func (export "go") (result i32) call 0))')
    let arrived!: () => void
    const bArrived = new Promise<void>((r) => (arrived = r))
    const a = rt.call(mod, 'go', [], { imports: { h: { f: async () => (await bArrived, 1) } } })
    await new Promise((r) => setTimeout(r, 20))
    const b = rt.call(mod, 'go', [], { imports: { h: { f: () => (arrived(), 2) } } })
    expect(await Promise.all([a, b])).toEqual([1, 2])
  })

  it('reports per-call stats: wall time and peak memory', async () => {
    const rt = await createRuntime()
    const mod = rt.compile('(module (memory 2) (func (export "grow") (result i32) (memory.grow (i32.const 3))))')
    const { value, stats } = await rt.callWithStats(mod, 'grow')
    expect(value).toBe(2)
    expect(stats.peakMemory).toBe(5 * 65536)
    expect(stats.wallMs).toBeGreaterThan(0)
    expect(stats.fuelConsumed).toBe(null)
  })

  it('keeps callSync for tiny calls on this thread', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(COUNT)
    expect(rt.callSync(mod, 'count', [10])).toBe(10)
  })
})

describe('pooling allocator', () => {
  it('caps live instances at the pool size with a MemoryLimitError, and keeps the live ones working', () => {
    const engine = Engine.shared({ pooling: { totalInstances: 3, totalMemories: 3, totalTables: 3, maxMemorySize: 1 << 20 } })
    const mod = Module.compile(engine, '(module (memory 1) (func (export "f") (result i32) i32.const 7))')
    const live = [0, 1, 2].map(() => new Store(engine).instantiate(mod))
    expect(() => new Store(engine).instantiate(mod)).toThrow(expect.objectContaining({ code: 'memory_limit' }))
    expect(live.map((i) => i.call('f'))).toEqual([7, 7, 7])
  })

  it('refuses at compile time a module whose memory cannot fit a pool slot', () => {
    const engine = Engine.shared({ pooling: { totalInstances: 2, totalMemories: 2, totalTables: 2, maxMemorySize: 1 << 20 } })
    expect(() => Module.compile(engine, '(module (memory 100))')).toThrow(/pooling allocator/)
  })
})

describe('interruption mechanisms', () => {
  it('stops calls the same way with Wasmtime epoch checks (epochChecks: true)', async () => {
    const rt = await createRuntime({ maxExecutionTime: 50, engine: { epochChecks: true } })
    const mod = rt.compile(SPIN)
    await expect(rt.call(mod, 'spin')).rejects.toBeInstanceOf(TimeoutError)
    const ac = new AbortController()
    const p = rt.call(mod, 'spin', [], { signal: ac.signal, timeout: null })
    setTimeout(() => ac.abort(), 10)
    await expect(p).rejects.toBeInstanceOf(CancelledError)
  })

  it('keeps the woven interrupt memory out of sight: exports, memory indices and sizes are the module’s own', () => {
    const store = new Store(Engine.shared())
    const mod = Module.compile(
      store.engine,
      `(module (memory (export "a") 1) (memory (export "b") 2)
        (func (export "sizes") (result i32 i32) (memory.size 0) (memory.size 1))
        (func (export "spin") (loop br 0)))`,
    )
    expect(mod.exports.map((e) => e.name)).toEqual(['a', 'b', 'sizes', 'spin'])
    const instance = store.instantiate(mod)
    expect(Object.keys(instance.exports)).toEqual(['a', 'b', 'sizes', 'spin'])
    expect(instance.call('sizes')).toEqual([1, 2])
  })

  it('interrupts a float-heavy loop in a module without memories', async () => {
    const rt = await createRuntime({ maxExecutionTime: 30 })
    const mod = rt.compile(`(module (func (export "f") (result f64) (local f64 f64)
      (loop (local.set 0 (f64.add (local.get 0) (f64.mul (local.get 1) (f64.const 1.0000001)))) (local.set 1 (f64.add (local.get 1) (f64.const 1))) (br 0))
      (local.get 0)))`)
    await expect(rt.call(mod, 'f')).rejects.toMatchObject({ code: 'timeout', limitMs: 30 })
  })

  it('interrupts endless tail recursion, which has no loop, only calls', async () => {
    const rt = await createRuntime({ maxExecutionTime: 30 })
    const mod = rt.compile(`(module
      (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $again (export "again") (param i32) (result i32) (return_call $again (call $leaf (local.get 0)))))`)
    await expect(rt.call(mod, 'again', [0])).rejects.toMatchObject({ code: 'timeout', limitMs: 30 })
  })

  it('runs a start function after instantiation and stops it at the deadline when it never ends', () => {
    const store = new Store(Engine.shared())
    const ok = Module.compile(store.engine, `(module (global (export "g") (mut i32) (i32.const 0))
      (func $init (global.set 0 (i32.const 7))) (start $init))`)
    expect(store.instantiate(ok).global('g').value).toBe(7)
    store.setTimeout(30)
    const endless = Module.compile(store.engine, '(module (func $init (loop br 0)) (start $init))')
    expect(() => store.instantiate(endless)).toThrow(TimeoutError)
  })
})


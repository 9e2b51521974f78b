import { describe, expect, it } from 'vitest'
import { randomInt } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { CancelledError, createRuntime, HostFunctionError, registryStats, TimeoutError } from '@cybernetic/wasm'

const HOST = fileURLToPath(new URL('./fixtures/host-tick.mjs', import.meta.url))

// A module no other test compiles (a random constant), so its compilation is counted here alone.
function wat(k: number): string {
  return `(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (import "env" "hold" (func $hold (param i32)))
  (import "env" "thread" (func $thread (result i32)))
  (import "env" "peek" (func $peek (param i32) (result i32)))
  (import "env" "fail" (func $fail))
  (memory (export "memory") 1)
  (data (i32.const 16) "\\2a")
  (func (export "ticks") (param $n i32) (result i32) (local $x i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (call $tick (local.get $x)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (i32.add (local.get $x) (i32.const ${k})))
  (func (export "held") (param $ms i32) (result i32) (call $hold (local.get $ms)) (call $thread))
  (func (export "peek16") (result i32) (call $peek (i32.const 16)))
  (func (export "fails") (call $fail))
  (func (export "spin") (loop br 0)))`
}

describe('placement', () => {
  it('compiles a module once for the pool and two worker threads', async () => {
    const k = randomInt(1, 1_000_000)
    const rt = await createRuntime({ cacheDir: false })
    const before = registryStats().compiled
    const mod = rt.compile(wat(k))
    const ex = rt.createExecutor({ threads: 2 })
    // On the native pool, with in-process imports (a hop per host call).
    const imports = { env: { tick: (x: number) => x + 1, hold: () => {}, thread: () => 0, peek: () => 0, fail: () => {} } }
    expect(await ex.run(mod, 'ticks', [100], { imports })).toBe(100 + k)
    // On two workers at once (each call holds its worker for a while).
    const threads = await Promise.all([ex.run(mod, 'held', [200], { host: HOST }), ex.run(mod, 'held', [200], { host: HOST })])
    expect(new Set(threads).size).toBe(2)
    expect(threads).not.toContain(0)
    expect(await ex.run(mod, 'ticks', [1000], { host: HOST })).toBe(1000 + k)
    expect(registryStats().compiled - before).toBe(1)
    await ex.close()
  })

  it('calls host functions on the worker with access to the guest memory', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(wat(1))
    expect(await rt.executor.run(mod, 'peek16', [], { host: HOST })).toBe(42)
  })

  it('brings a worker call error back as the same typed error, with the host error as cause', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(wat(1))
    const e = (await rt.executor.run(mod, 'fails', [], { host: HOST }).catch((x: unknown) => x)) as HostFunctionError
    expect(e).toBeInstanceOf(HostFunctionError)
    expect(e.message).toMatch(/the host says no/)
    await expect(rt.executor.run(mod, 'spin', [], { host: HOST, timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
  })

  it('cancels a running worker call from the main thread without ending the worker', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(wat(1))
    const ex = rt.createExecutor({ threads: 1 })
    const ac = new AbortController()
    const p = ex.run(mod, 'spin', [], { host: HOST, timeout: null, signal: ac.signal })
    for (let i = 0; i < 500 && ex.stats.workers === 0; i++) await new Promise((r) => setTimeout(r, 5))
    await new Promise((r) => setTimeout(r, 50))
    ac.abort()
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    expect(await ex.run(mod, 'ticks', [3], { host: HOST })).toBe(4)
    await ex.close()
  })

  it('chooses the pool for in-process imports and the worker for a host file, and refuses contradictions', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(wat(1))
    await expect(rt.executor.run(mod, 'ticks', [1], { host: HOST, imports: {} })).rejects.toMatchObject({ code: 'invalid_argument', path: 'imports' })
    await expect(rt.executor.run(mod, 'ticks', [1], { placement: 'worker' })).rejects.toMatchObject({ path: 'placement' })
    await expect(rt.executor.run(mod, 'ticks', [1], { placement: 'elsewhere' as never })).rejects.toMatchObject({ path: 'placement' })
  })
})

import { describe, expect, it } from 'vitest'
import { CancelledError, createRuntime, poolStats, TimeoutError, type Module, type Runtime } from '@cybernetic/wasm'

// `answer` has no loop, so no woven check: it can only be stopped before it
// starts. `sum` loops (a check per iteration); `spin` never ends.
const WAT = `(module
  (import "env" "host" (func $host))
  (func (export "answer") (result i32) i32.const 42)
  (func (export "answer_after_host") (result i32) call $host i32.const 42)
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    local.get $s)
  (func (export "spin") (loop br 0)))`

async function setup(): Promise<{ rt: Runtime; mod: Module }> {
  const rt = await createRuntime()
  return { rt, mod: rt.compile(WAT) }
}

/** Blocks the event loop until the native pool has no call queued or running (at most 5 s). */
function finishedOnPool(): void {
  const until = Date.now() + 5_000
  for (let s = poolStats(); s.busy > 0 || s.queued > 0; s = poolStats()) {
    if (Date.now() > until) throw new Error(`the pool did not finish the call in 5 s: ${JSON.stringify(s)}`)
  }
}

/**
 * Fills every native pool thread with a loop that ends at a 2 s deadline:
 * long enough that, on a loaded machine, every thread has picked its loop up
 * (see poolBusy) before the first one ends.
 */
function fillPool(rt: Runtime, mod: Module): Promise<number>[] {
  return Array.from({ length: poolStats().threads }, () => {
    const store = rt.createStore({}, 2000)
    const spin = store.instantiate(mod, { env: { host: () => {} } }).func('spin')
    return spin.callAsync([]).then(
      () => Date.now(),
      (e) => {
        expect(e).toBeInstanceOf(TimeoutError)
        return Date.now()
      },
    )
  })
}

/** Waits until `n` pool threads are running calls; fails after 1.5 s rather than going on with fewer. */
async function poolBusy(n: number): Promise<void> {
  const until = Date.now() + 1_500
  while (poolStats().busy < n) {
    if (Date.now() > until) throw new Error(`the pool did not get ${n} busy threads in 1.5 s: ${JSON.stringify(poolStats())}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

describe('cancellation', () => {
  it('leaves the next call on a store untouched when an abort fires just after the call finished', async () => {
    const { rt, mod } = await setup()
    const store = rt.createStore()
    const instance = store.instantiate(mod, { env: { host: () => {} } })
    for (let round = 0; round < 20; round++) {
      const ac = new AbortController()
      const p = instance.func('answer').callAsync([], { signal: ac.signal })
      // The pool thread finishes the call while the event loop is blocked
      // (so its promise cannot settle yet); the abort then comes after the
      // call ended, before its promise settles. Wait for the pool to be idle
      // rather than for a fixed time, so a loaded machine cannot make the
      // abort land while the call still runs.
      finishedOnPool()
      ac.abort()
      // Finished before the abort: it keeps its result.
      expect(await p).toBe(42)
      // The next call loops through checks: a stale stop flag would cancel it.
      expect(await instance.func('sum').callAsync([1000])).toBe(500500)
    }
  })

  it('takes a call that waits for a pool thread off the queue when it is aborted', async () => {
    const { rt, mod } = await setup()
    const blockers = fillPool(rt, mod)
    await poolBusy(poolStats().threads)
    const ac = new AbortController()
    const store = rt.createStore()
    const p = store.instantiate(mod, { env: { host: () => {} } }).func('answer').callAsync([], { signal: ac.signal })
    const settled = p.then(
      (v) => ({ v, at: Date.now() }),
      (e) => ({ e, at: Date.now() }),
    )
    expect(poolStats().queued).toBe(1)
    ac.abort(new Error('changed my mind'))
    expect(poolStats().queued).toBe(0)
    const r = await settled
    expect(r).toMatchObject({ e: expect.any(CancelledError) })
    expect((r as { e: CancelledError }).e.cause).toEqual(new Error('changed my mind'))
    // It did not wait for a thread: it settled before any blocker ended.
    const ends = await Promise.all(blockers)
    for (const end of ends) expect(r.at).toBeLessThanOrEqual(end)
  })

  it('rejects a call aborted while it runs even when the guest returns before reaching any check', async () => {
    const { rt, mod } = await setup()
    const ac = new AbortController()
    const store = rt.createStore()
    // The host function (on the main thread, while the guest waits on a pool
    // thread) aborts; the guest then returns 42 without passing a check.
    const instance = store.instantiate(mod, { env: { host: () => ac.abort() } })
    await expect(instance.func('answer_after_host').callAsync([], { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
    // The flag is down again for the next call.
    expect(await instance.func('sum').callAsync([10])).toBe(55)
  })

  it('stops a running loop at its next check when the signal aborts', async () => {
    const { rt, mod } = await setup()
    const ac = new AbortController()
    const p = rt.call(mod, 'spin', [], { signal: ac.signal, imports: { env: { host: () => {} } }, timeout: null })
    await poolBusy(1)
    ac.abort()
    await expect(p).rejects.toBeInstanceOf(CancelledError)
  })

  it('stops an endless executor call aborted right after it was submitted, while it is still being prepared', async () => {
    // The abort lands before the call is tied to its token: it must still
    // stop it (it used to run forever, seen as a forced close that hung).
    const rt = await createRuntime()
    const mod = rt.compile('(module (func (export "spin") (loop br 0)))')
    const ex = rt.createExecutor({ threads: 1 })
    const ac = new AbortController()
    const p = ex.run(mod, 'spin', [], { timeout: null, signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toBeInstanceOf(CancelledError)
    const forced = rt.createExecutor({ threads: 1 })
    const running = forced.run(mod, 'spin', [], { timeout: null }).catch((e: unknown) => e)
    await forced.close({ force: true })
    expect(await running).toBeInstanceOf(CancelledError)
  })

  it('rejects at once, without starting, a call whose signal is already aborted', async () => {
    const { rt, mod } = await setup()
    const reason = new Error('too late')
    await expect(rt.call(mod, 'answer', [], { signal: AbortSignal.abort(reason), imports: { env: { host: () => {} } } })).rejects.toMatchObject({
      code: 'cancelled',
      cause: reason,
    })
  })

  it('takes a call off the executor queue when it is aborted there', async () => {
    const { rt, mod } = await setup()
    const ex = rt.createExecutor({ threads: 1 })
    const imports = { env: { host: () => {} } }
    const blocker = ex.run(mod, 'spin', [], { imports, timeout: 300 })
    const ac = new AbortController()
    const queued = ex.run(mod, 'answer', [], { imports, signal: ac.signal })
    expect(ex.stats.queued).toBe(1)
    ac.abort()
    expect(ex.stats.queued).toBe(0)
    let blockerDone = false
    void blocker.catch(() => (blockerDone = true))
    await expect(queued).rejects.toBeInstanceOf(CancelledError)
    expect(blockerDone).toBe(false)
    await expect(blocker).rejects.toBeInstanceOf(TimeoutError)
    await ex.close()
  })
})

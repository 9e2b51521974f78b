import { describe, expect, it } from 'vitest'
import { createRuntime } from '@cybernetic/wasm'
import { followUp, health, settlePool, storm } from '../scripts/lib/storm.mjs'

describe('cancel storm', () => {
  it('settles 10,000 calls aborted at random moments with the right outcomes and leaves the pool healthy', async () => {
    const rt = await createRuntime()
    // Warm up: the pool, the watchdog thread and V8's helpers exist before the count.
    expect(await followUp(rt, 10)).toEqual([])
    await storm(rt, { calls: 200, seed: 3 })
    await settlePool()
    const before = health()
    const r = await storm(rt, { calls: 10_000, seed: 11 })
    expect(r.failures).toEqual([])
    // Every mode happened, and both outcomes where either is allowed.
    for (const m of ['before', 'queued', 'running', 'random', 'after', 'never'] as const) {
      expect(r.counts[m].value + r.counts[m].cancelled).toBeGreaterThan(1000)
    }
    expect(r.counts.random.cancelled).toBeGreaterThan(0)
    expect(r.counts.random.value).toBeGreaterThan(0)
    expect(r.nextChecks).toBeGreaterThan(4000)
    expect(r.executorCalls).toBeGreaterThan(500)
    expect(await followUp(rt)).toEqual([])
    await settlePool()
    const after = health()
    expect(after.pool).toEqual(before.pool)
    expect(after.pool).toMatchObject({ busy: 0, queued: 0 })
    expect(after.liveTokens).toBe(0)
    expect(after.threads).toBe(before.threads)
    expect(after.handles).toBe(before.handles)
  })
})

// The cancel storm: many calls with aborts at random moments, each outcome
// checked, and the next call on the same store checked for a stale abort.
// Used by test/storm.test.ts (bounded) and scripts/soak.mjs (rounds of
// 10,000 calls, then 1,000,000 small calls).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { CancelledError, TimeoutError, poolStats } from '@cybernetic/wasm'

const require = createRequire(import.meta.url)
const native = require('@cybernetic/wasm-native')

// `answer` has no check at all; `sum` checks at every loop iteration;
// `spin` never ends by itself.
export const STORM_WAT = `(module
  (func (export "answer") (result i32) i32.const 42)
  (func (export "sum") (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    local.get $s)
  (func (export "spin") (loop br 0)))`

export const MODES = ['before', 'queued', 'running', 'random', 'after', 'never']

const sumOf = (n) => (n * (n + 1)) / 2 | 0

/** A small deterministic PRNG, so a failing seed can be replayed. */
function rng(seed) {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

/** Threads of this process (Linux), or null elsewhere. */
export function threadCount() {
  try {
    const m = /Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/** What must be the same before and after a storm. */
export function health() {
  // stdout and stderr become handles when first written to: not ours.
  const resources = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap')
  return { pool: poolStats(), liveTokens: native.liveCallTokens(), threads: threadCount(), handles: resources.length, rssMiB: process.memoryUsage().rss / 2 ** 20 }
}

/**
 * Waits until the pool is idle (its busy count may lag a call's end by an
 * instant) and the storm's own abort timers have fired.
 */
export async function settlePool() {
  for (let i = 0; i < 1000; i++) {
    const s = poolStats()
    if (s.busy === 0 && s.queued === 0) break
    await new Promise((r) => setTimeout(r, 1))
  }
  await new Promise((r) => setTimeout(r, 20))
}

/**
 * Runs `calls` calls over `lanes` stores, each call with a random abort mode.
 * Returns counts per mode and outcome, and the failures (empty when every
 * outcome was right).
 */
export async function storm(rt, { calls = 10_000, lanes = 48, seed = 1 } = {}) {
  const mod = rt.compile(STORM_WAT)
  const rand = rng(seed)
  const failures = []
  const counts = Object.fromEntries(MODES.map((m) => [m, { value: 0, cancelled: 0 }]))
  let nextChecks = 0
  let issued = 0
  const fail = (msg) => {
    if (failures.length < 20) failures.push(msg)
  }
  async function lane() {
    const store = rt.createStore({}, null)
    const instance = store.instantiate(mod)
    const answer = instance.func('answer')
    const sum = instance.func('sum')
    const spin = instance.func('spin')
    while (issued < calls) {
      const i = issued++
      const mode = MODES[Math.floor(rand() * MODES.length)]
      const ac = new AbortController()
      const n = 1 + Math.floor(rand() * 20_000)
      let p
      let want
      switch (mode) {
        case 'before':
          ac.abort()
          p = answer.callAsync([], { signal: ac.signal })
          want = 'cancelled'
          break
        case 'queued':
          p = sum.callAsync([n], { signal: ac.signal })
          ac.abort()
          want = 'either'
          break
        case 'running': {
          p = spin.callAsync([], { signal: ac.signal })
          const delay = Math.floor(rand() * 3)
          setTimeout(() => ac.abort(), delay)
          want = 'cancelled'
          break
        }
        case 'random': {
          p = rand() < 0.5 ? answer.callAsync([], { signal: ac.signal }) : sum.callAsync([n], { signal: ac.signal })
          const r = rand()
          if (r < 0.3) queueMicrotask(() => ac.abort())
          else if (r < 0.6) setImmediate(() => ac.abort())
          else setTimeout(() => ac.abort(), Math.floor(rand() * 2))
          want = 'either'
          break
        }
        case 'after':
          p = sum.callAsync([n], { signal: ac.signal }).then((v) => {
            ac.abort()
            return v
          })
          want = 'value'
          break
        default:
          p = sum.callAsync([n], { signal: ac.signal })
          want = 'value'
      }
      let outcome
      let value
      try {
        value = await p
        outcome = 'value'
      } catch (e) {
        if (e instanceof CancelledError) outcome = 'cancelled'
        else {
          fail(`call ${i} (${mode}) failed with ${e?.name}: ${e?.message}`)
          continue
        }
      }
      counts[mode][outcome]++
      if (want !== 'either' && outcome !== want) fail(`call ${i} (${mode}) ended ${outcome}, expected ${want}`)
      if (outcome === 'value') {
        // `random` called answer() or sum(n).
        const ok = value === 42 || value === sumOf(n)
        if (!ok) fail(`call ${i} (${mode}) returned ${value}`)
      }
      // The next call on this store must not see the abort of the last one.
      if (mode !== 'never' && mode !== 'before') {
        try {
          const v = await sum.callAsync([100])
          if (v !== 5050) fail(`the call after ${i} (${mode}) returned ${v}`)
          nextChecks++
        } catch (e) {
          fail(`the call after ${i} (${mode}) on the same store failed with ${e?.name}: ${e?.message}`)
        }
      }
    }
    store.release()
  }
  // Lanes through an executor (its queue, the pool's fast path for
  // import-free modules, worker-free): fresh stores, so no same-store check,
  // but the same rule for every outcome.
  const ex = rt.createExecutor({ threads: 2 })
  let executorCalls = 0
  async function executorLane() {
    while (issued < calls) {
      const i = issued++
      const mode = MODES[Math.floor(rand() * MODES.length)]
      const ac = new AbortController()
      const n = 1 + Math.floor(rand() * 20_000)
      let p
      let want = 'value'
      if (mode === 'before') {
        ac.abort()
        p = ex.run(mod, 'sum', [n], { signal: ac.signal })
        want = 'cancelled'
      } else if (mode === 'running') {
        p = ex.run(mod, 'spin', [], { signal: ac.signal, timeout: null })
        setTimeout(() => ac.abort(), Math.floor(rand() * 3))
        want = 'cancelled'
      } else if (mode === 'queued' || mode === 'random') {
        p = ex.run(mod, 'sum', [n], { signal: ac.signal })
        if (mode === 'queued') ac.abort()
        else setImmediate(() => ac.abort())
        want = 'either'
      } else if (mode === 'after') {
        p = ex.run(mod, 'sum', [n], { signal: ac.signal }).then((v) => {
          ac.abort()
          return v
        })
      } else p = ex.run(mod, 'sum', [n], { signal: ac.signal })
      executorCalls++
      let outcome
      try {
        const v = await p
        outcome = 'value'
        if (v !== sumOf(n)) fail(`executor call ${i} (${mode}) returned ${v}`)
      } catch (e) {
        if (e instanceof CancelledError) outcome = 'cancelled'
        else {
          fail(`executor call ${i} (${mode}) failed with ${e?.name}: ${e?.message}`)
          continue
        }
      }
      counts[mode][outcome]++
      if (want !== 'either' && outcome !== want) fail(`executor call ${i} (${mode}) ended ${outcome}, expected ${want}`)
    }
  }
  const executorLanes = Math.max(1, Math.floor(lanes / 6))
  await Promise.all([...Array.from({ length: lanes - executorLanes }, lane), ...Array.from({ length: executorLanes }, executorLane)])
  await ex.close()
  return { counts, nextChecks, executorCalls, failures }
}

/** After a storm: `n` plain calls must be right, and a deadline must still stop a guest. */
export async function followUp(rt, n = 200) {
  const mod = rt.compile(STORM_WAT)
  const failures = []
  const values = await Promise.all(Array.from({ length: n }, (_, i) => rt.call(mod, 'sum', [i])))
  values.forEach((v, i) => v !== sumOf(i) && failures.push(`follow-up ${i} returned ${v}`))
  const t = await rt.call(mod, 'spin', [], { timeout: 50 }).catch((e) => e)
  if (!(t instanceof TimeoutError)) failures.push(`a 50 ms deadline did not stop spin: ${t}`)
  return failures
}

#!/usr/bin/env node
// `npm run soak`: the executor under load, checked.
//
//  1. Rounds of the cancel storm (scripts/lib/storm.mjs): 10,000 calls each,
//     aborted before start, while queued, while running, at random moments,
//     just after finishing, or never; every outcome checked, and the next
//     call on the same store checked for a stale abort; then 200 follow-up
//     calls and a deadline that must still stop a guest. Pool stats, call
//     tokens, threads, handles and RSS before and after each round.
//  2. 1,000,000 small calls through rt.executor, RSS at start and end.
//
// usage: node scripts/soak.mjs [--rounds N] [--calls N] [--small N] [--seed S]
// Exits 1 when anything was wrong.
import { createRuntime } from '@cybernetic/wasm'
import { followUp, health, settlePool, storm, STORM_WAT } from './lib/storm.mjs'

const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const rounds = opt('rounds', 3)
const calls = opt('calls', 10_000)
const small = opt('small', 1_000_000)
const seed = opt('seed', 1)
const mib = (x) => `${x.toFixed(1)} MiB`
let bad = 0
const check = (ok, what) => {
  if (!ok) {
    bad++
    console.log(`  FAIL: ${what}`)
  }
}

const rt = await createRuntime()
// Warm-up, so that threads made on first use (pool, watchdog) are counted before.
await followUp(rt, 10)
await storm(rt, { calls: 200, seed: seed + 1000 })
await settlePool()
const start = health()
console.log(`start: pool ${JSON.stringify(start.pool)}, tokens ${start.liveTokens}, threads ${start.threads}, handles ${start.handles}, RSS ${mib(start.rssMiB)}`)

for (let round = 1; round <= rounds; round++) {
  const before = health()
  const t0 = performance.now()
  const r = await storm(rt, { calls, seed: seed + round })
  const ms = performance.now() - t0
  const follow = await followUp(rt)
  await settlePool()
  const after = health()
  const modes = Object.entries(r.counts)
    .map(([m, c]) => `${m} ${c.value}v/${c.cancelled}c`)
    .join(', ')
  console.log(`round ${round}: ${calls} calls in ${(ms / 1000).toFixed(2)} s (${modes}); ${r.nextChecks} next-call checks, ${r.executorCalls} of the calls through an executor; ${r.failures.length} wrong outcomes; follow-up ${follow.length === 0 ? '200 right, deadline stops a guest' : follow.join('; ')}`)
  console.log(`  pool ${JSON.stringify(before.pool)} -> ${JSON.stringify(after.pool)}, tokens ${before.liveTokens} -> ${after.liveTokens}, threads ${before.threads} -> ${after.threads}, handles ${before.handles} -> ${after.handles}, RSS ${mib(before.rssMiB)} -> ${mib(after.rssMiB)}`)
  for (const f of r.failures) console.log(`  FAIL: ${f}`)
  bad += r.failures.length
  for (const f of follow) check(false, f)
  check(after.pool.busy === 0 && after.pool.queued === 0 && after.pool.threads === start.pool.threads, 'the pool is idle with its threads')
  check(after.liveTokens === 0, 'no call token is left')
  check(after.threads === start.threads, 'the thread count is unchanged')
  check(after.handles === start.handles, 'the handle count is unchanged')
}

// 2. A million small calls through the executor, at most 64 in flight.
const mod = rt.compile(STORM_WAT)
if (global.gc) global.gc()
const rss0 = process.memoryUsage().rss / 2 ** 20
const t0 = performance.now()
let next = 0
let wrong = 0
let rssMid = 0
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < small) {
      const i = next++
      const n = i % 100
      const v = await rt.executor.run(mod, 'sum', [n])
      if (v !== (n * (n + 1)) / 2) wrong++
      if (i === small / 2) rssMid = process.memoryUsage().rss / 2 ** 20
    }
  }),
)
const ms = performance.now() - t0
if (global.gc) global.gc()
const rss1 = process.memoryUsage().rss / 2 ** 20
console.log(`small calls: ${small} through rt.executor in ${(ms / 1000).toFixed(1)} s (${((ms * 1000) / small).toFixed(1)} µs per call), ${wrong} wrong; RSS start ${mib(rss0)}, halfway ${mib(rssMid)}, end ${mib(rss1)}`)
check(wrong === 0, 'every small call returned the right value')
await settlePool()
const end = health()
console.log(`end: pool ${JSON.stringify(end.pool)}, tokens ${end.liveTokens}, threads ${end.threads}, handles ${end.handles}, RSS ${mib(end.rssMiB)}`)
console.log(bad === 0 ? 'soak: ok' : `soak: ${bad} problem(s)`)
process.exit(bad === 0 ? 0 : 1)

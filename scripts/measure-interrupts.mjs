#!/usr/bin/env node
// Measures how late a deadline fires and how fast a cancellation lands,
// over 1,000 tries each; prints median and max in milliseconds.
//   node scripts/measure-interrupts.mjs [tries=1000]
import { createRuntime, Engine, Module, Store } from '@cybernetic/wasm'

const TRIES = Number(process.argv[2] ?? 1000)
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]
const show = (name, xs) => console.log(`${name.padEnd(34)} median ${q(xs, 0.5).toFixed(3)} ms   p99 ${q(xs, 0.99).toFixed(3)} ms   max ${Math.max(...xs).toFixed(3)} ms   (n=${xs.length})`)

const engine = Engine.shared()
const spin = Module.compile(engine, '(module (func (export "spin") (loop br 0)))')

// Timeout lateness: native wall time of the call minus its deadline.
const LIMIT = 5
const late = []
const lateJs = []
for (let i = 0; i < TRIES; i++) {
  const store = new Store(engine)
  store.setTimeout(LIMIT)
  store.collectStats = true
  const f = store.instantiate(spin).func('spin')
  const t0 = performance.now()
  await f.callAsync().catch(() => {})
  lateJs.push(performance.now() - t0 - LIMIT)
  late.push(store.lastCallStats.wallMs - LIMIT)
}
show(`timeout lateness (native, ${LIMIT} ms limit)`, late)
show('timeout lateness (seen by JS)', lateJs)

// Cancel latency: from abort() to the rejection reaching JS.
const lat = []
for (let i = 0; i < TRIES; i++) {
  const store = new Store(engine)
  const f = store.instantiate(spin).func('spin')
  const ac = new AbortController()
  const p = f.callAsync([], { signal: ac.signal })
  await new Promise((r) => setTimeout(r, 1))
  const t0 = performance.now()
  ac.abort()
  await p.catch(() => {})
  lat.push(performance.now() - t0)
}
show('cancel latency (abort → rejection)', lat)

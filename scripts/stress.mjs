#!/usr/bin/env node
// 10,000 hostile calls (traps, fuel exhaustion, memory bombs, throwing host
// functions, deadlines, cancellations); prints RSS and thread count before
// and after, to show that failures leak neither memory nor threads.
//   node --expose-gc scripts/stress.mjs [calls=10000]
import { readFileSync } from 'node:fs'
import { createRuntime } from '@cybernetic/wasm'

const N = Number(process.argv[2] ?? 10_000)
const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1])
const mb = (b) => `${(b / 1e6).toFixed(1)} MB`

const rt = await createRuntime({ maxMemory: 4 << 20, maxExecutionTime: 5_000, fuel: 2_000_000 })
const mods = {
  trap: rt.compile('(module (func (export "f") unreachable))'),
  spin: rt.compile('(module (func (export "f") (loop br 0)))'),
  bomb: rt.compile('(module (memory 1) (func (export "f") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))'),
  host: rt.compile('(module (import "h" "f" (func)) (func (export "f") call 0))'),
  deep: rt.compile('(module (func $r (export "f") call $r))'),
}
const kinds = Object.keys(mods)
const hostImports = { h: { f: () => { throw new Error('host failure') } } }

async function once(i) {
  const kind = kinds[i % kinds.length]
  const opts = kind === 'host' ? { imports: hostImports } : {}
  if (i % 100 === 0) {
    // Every hundredth: a wall-clock timeout or a cancellation instead.
    if ((i / 100) % 2 === 0) return rt.call(mods.spin, 'f', [], { timeout: 2, fuel: null })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 1)
    return rt.call(mods.spin, 'f', [], { signal: ac.signal, fuel: null })
  }
  return rt.call(mods[kind], 'f', [], opts)
}

// Warm up so one-time allocations (pool threads, engine, code) are not counted.
for (let i = 0; i < 200; i++) await once(i).catch(() => {})
globalThis.gc?.()
const before = { rss: process.memoryUsage().rss, threads: threads() }
const codes = new Map()
const t0 = performance.now()
const checkpoints = []
for (let i = 0; i < N; i += 2) {
  if (i % Math.max(2, Math.floor(N / 10)) === 0) {
    globalThis.gc?.()
    checkpoints.push(mb(process.memoryUsage().rss))
  }
  // Two at a time, so both pool threads are busy.
  const rs = await Promise.allSettled([once(i), once(i + 1)])
  for (const r of rs) {
    const code = r.status === 'rejected' ? r.reason.code ?? r.reason.name : 'ok'
    codes.set(code, (codes.get(code) ?? 0) + 1)
  }
}
const secs = (performance.now() - t0) / 1000
globalThis.gc?.()
const after = { rss: process.memoryUsage().rss, threads: threads() }
console.log(`${N} hostile calls in ${secs.toFixed(1)} s: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`)
console.log(`RSS     before ${mb(before.rss)}  after ${mb(after.rss)}  growth ${mb(after.rss - before.rss)}`)
console.log(`RSS every ${N / 10} calls: ${checkpoints.join(' → ')}`)
console.log(`threads before ${before.threads}  after ${after.threads}`)

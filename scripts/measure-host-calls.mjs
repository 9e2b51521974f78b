#!/usr/bin/env node
// What one guest → JS host function call costs: on the JS thread (a
// synchronous call) and from a pool thread (an async call, where each host
// call crosses to the JS thread and back). Prints microseconds per host call.
//   node scripts/measure-host-calls.mjs [calls=20000]
import { Engine, Module, Store } from '@cybernetic/wasm'

const N = Number(process.argv[2] ?? 20_000)
const engine = Engine.shared()
const mod = Module.compile(engine, `(module (import "h" "f" (func $f (param i32) (result i32)))
  (func (export "loop") (param i32) (result i32) (local i32)
    (loop (local.set 1 (call $f (local.get 1))) (br_if 0 (i32.lt_u (local.get 1) (local.get 0)))) local.get 1)
  (func (export "empty") (param i32) (result i32) local.get 0))`)

async function perCall(label, run) {
  await run(Math.min(1000, N)) // warm up
  const t0 = performance.now()
  await run(N)
  const us = ((performance.now() - t0) * 1000) / N
  console.log(`${label.padEnd(44)} ${us.toFixed(2)} µs per host call`)
}

const store = new Store(engine)
const sync = store.instantiate(mod, { h: { f: (x) => x + 1 } })
const asyncHost = store.instantiate(mod, { h: { f: async (x) => x + 1 } })
await perCall('sync call, sync host function', (n) => sync.func('loop').call(n))
await perCall('off-thread call, sync host function', (n) => sync.func('loop').callAsync([n]))
await perCall('off-thread call, async host function', (n) => asyncHost.func('loop').callAsync([n]))

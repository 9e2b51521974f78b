import { Engine, Module, Store } from '@cybernetic/wasm'
import { smallModuleBytes } from './bench/lib/modules.mjs'
import { setImmediate as tick } from 'node:timers/promises'
const bytes = smallModuleBytes()
for (const [name, opts] of [['default', {}], ['epochChecks', { epochChecks: true }], ['noInterrupt', { epochInterruption: false }], ['pool', { pooling: { totalInstances: 4000, totalMemories: 4000, totalTables: 4000, maxMemorySize: 1 << 20 } }]]) {
  const e = Engine.shared(opts); const m = Module.compile(e, bytes)
  for (let round = 0; round < 2; round++) {
    const t = performance.now(); const N = 20000
    for (let i = 0; i < N; i++) { new Store(e).instantiate(m).func('add').call(1, 2); if (i % 16 === 0) await tick() }
    if (round) console.log(name, ((performance.now() - t) * 1000 / N).toFixed(2), 'us')
  }
}
const vm = new WebAssembly.Module(bytes); let t = performance.now()
for (let i = 0; i < 20000; i++) { new WebAssembly.Instance(vm, {}).exports.add(1, 2); if (i % 16 === 0) await tick() }
console.log('v8', ((performance.now() - t) * 1000 / 20000).toFixed(2))

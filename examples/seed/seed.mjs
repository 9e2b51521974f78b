// The seed's interface, process(i32) and the allocate convention, from one
// guest in each language: WAT, C (wasi-libc) and AssemblyScript. Each answer
// is checked against the same thing computed in JS.
//
//   node examples/seed/seed.mjs
import { createRuntime } from '@cybernetic/wasm'
import { buildAS, buildC, here } from '../lib/build.mjs'
import { check, summary } from '../lib/check.mjs'

const rt = await createRuntime({ maxMemory: 100_000_000, maxExecutionTime: 5_000, cacheCompiledModules: true, parallelExecution: true })

const guests = {
  wat: here(import.meta.url, 'process.wat'), // loadModule compiles WAT text itself
  c: buildC(here(import.meta.url, 'process.c')),
  assemblyscript: buildAS(here(import.meta.url, 'process.ts')),
}

const values = Int32Array.from([0, 1, -1, 42, 2 ** 30, -(2 ** 31), 123_456_789, 7])
const doubled = values.map((v) => Math.imul(v, 2)) // wasm's i32.mul wraps; so does Math.imul

for (const [language, file] of Object.entries(guests)) {
  const mod = await rt.loadModule(file)
  console.log(`${language}: ${mod.exports.map((e) => e.name).join(', ')}`)
  check(`${language}: process(42)`, await rt.call(mod, 'process', [42]), 84)
  check(`${language}: process(-7)`, await rt.call(mod, 'process', [-7]), -14)
  // i32 arithmetic wraps in every language
  check(`${language}: process(2^30)`, await rt.call(mod, 'process', [2 ** 30]), -(2 ** 31))
  const out = await rt.callBytes(mod, 'process_all', new Uint8Array(values.buffer))
  check(`${language}: process_all over ${values.length} i32s`, new Int32Array(out.slice().buffer), doubled)
}

await rt.close()
summary('seed')

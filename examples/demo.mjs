// The seed's example, run from WAT text and from the wasm binary:
// process(i32) -> i32 returns input * 2.
import { createRuntime } from '@cybernetic/wasm'

const rt = await createRuntime({
  maxMemory: 100_000_000,
  maxExecutionTime: 5_000,
  cacheCompiledModules: true,
  parallelExecution: true,
})

for (const file of ['examples/compute.wat', 'examples/compute.wasm']) {
  const mod = await rt.loadModule(file)
  const result = await rt.call(mod, 'process', [42])
  console.log(`${file.padEnd(22)} process(42) = ${result}`)
}

// The same module precompiled ahead of time: a signed .cwasm artifact,
// verified before it is loaded.
const artifact = rt.precompile(await import('node:fs').then((fs) => fs.readFileSync('examples/compute.wasm')))
const aot = await rt.loadModule(artifact)
console.log(`${'(precompiled .cwasm)'.padEnd(22)} process(42) = ${await rt.call(aot, 'process', [42])}`)

// `npm run demo`: a short tour of Cybernetic WASM, on the runtime's defaults.
//   1. the seed's call: process(42) from compute.wasm
//   2. a runaway guest stopped by its deadline (a typed TimeoutError)
//   3. a plugin denied a file, with the audit line
//   4. a parallel map over the native pool, with a progress bar on a terminal
//   5. the speed against Node's own WebAssembly, same .wasm, measured now
// Every answer is checked; a wrong one ends the tour with exit code 1.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { createRuntime, TimeoutError } from '@cybernetic/wasm'

const path = (f) => new URL(f, import.meta.url).pathname
const tty = process.stdout.isTTY && !process.env.CI
const bold = (s) => (tty && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s)
const fail = (what) => {
  console.log(`  MISMATCH: ${what}`)
  process.exitCode = 1
}
const t0 = performance.now()
const rt = await createRuntime() // maxMemory 100 MB, maxExecutionTime 5 s, cache and pool on
const kernelBytes = readFileSync(path('demo/kernel.wasm'))
const kernel = await rt.loadModule(kernelBytes)

console.log(bold('1. The seed\'s call'))
const compute = await rt.loadModule(path('compute.wasm'))
const answer = await rt.call(compute, 'process', [42])
console.log(`  rt.call(compute.wasm, 'process', [42]) = ${answer}`)
if (answer !== 84) fail(`process(42) gave ${answer}`)

console.log(bold('2. A runaway guest meets its deadline'))
const started = performance.now()
const stopped = await rt.call(kernel, 'spin', [], { timeout: 250 }).then(() => null, (e) => e)
console.log(`  spin() loops forever; with { timeout: 250 } it ended after ${(performance.now() - started).toFixed(0)} ms with ${stopped?.name} (code ${stopped?.code})`)
if (!(stopped instanceof TimeoutError)) fail(`spin() ended with ${stopped}`)
const after = await rt.call(compute, 'process', [21])
console.log(`  and the runtime goes on: process(21) = ${after}`)

console.log(bold('3. A plugin denied a file'))
const snoop = await rt.loadPlugin(path('plugins/snoop'), { policy: { filesystem: { read: [path('plugins/snoop/data')] }, imports: ['host'] } })
const run = await rt.run(snoop, { imports: { host: { report: () => {} } } })
console.log(`  snoop may read its own /data (read-only); it printed: ${run.stdout.toString().trim()}`)
for (const r of run.audit) console.log(`  audit: ${r.module} ${r.function}("${r.path}") -> ${r.errnoName} (${r.reason})`)
if (!run.audit.some((r) => r.path === '../../wordcount/data/words.txt')) fail('the escape was not audited')

console.log(bold('4. A parallel map'))
const CHUNK = 40_000
const inputs = Array.from({ length: 48 }, (_, i) => [1 + i * CHUNK, CHUNK])
const threads = Math.max(2, availableParallelism())
let lastPlain = 0
// map reads its inputs lazily, so the total it reports grows as it reads: use the known length.
const total = inputs.length
const bar = ({ done }) => {
  if (tty) {
    const w = 30
    const full = Math.round((done / total) * w)
    process.stdout.write(`\r  [${'#'.repeat(full)}${'.'.repeat(w - full)}] ${done}/${total}`)
  } else if (done === total || done - lastPlain >= total / 4) {
    lastPlain = done
    console.log(`  ${done}/${total} done`)
  }
}
const mapStart = performance.now()
let steps = 0n
for await (const r of rt.executor.map(kernel, 'collatz', inputs, { concurrency: threads, onProgress: bar })) {
  if (!r.ok) fail(`item ${r.index}: ${r.error}`)
  else steps += r.value
}
if (tty) process.stdout.write('\n')
const mapMs = performance.now() - mapStart
console.log(`  collatz steps of 1..${inputs.length * CHUNK}: ${steps} in ${mapMs.toFixed(0)} ms, ${inputs.length} calls on ${threads} threads`)
const firstJs = (() => {
  let s = 0
  for (let n = 1; n <= 1000; n++) for (let m = n; m !== 1; m = m % 2 ? 3 * m + 1 : m / 2) s++
  return s
})()
const first = await rt.call(kernel, 'collatz', [1, 1000])
if (first !== BigInt(firstJs)) fail(`collatz(1, 1000) = ${first}, JS says ${firstJs}`)

console.log(bold('5. Against Node\'s own WebAssembly'))
// The same bytes, one call of the same size each, alternating, median of five.
const { instance } = await WebAssembly.instantiate(kernelBytes)
const ARGS = [1, 400_000]
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1]
const ours = []
const node = []
let agree = true
for (let i = 0; i < 6; i++) {
  let t = performance.now()
  const a = await rt.call(kernel, 'collatz', ARGS)
  const oursMs = performance.now() - t
  t = performance.now()
  const b = instance.exports.collatz(...ARGS)
  const nodeMs = performance.now() - t
  agree &&= a === b
  // the first round warms both up
  if (i > 0) ours.push(oursMs), node.push(nodeMs)
}
if (!agree) fail('the two engines disagree')
const [o, n] = [median(ours), median(node)]
console.log(`  collatz(1..${ARGS[1]}), same kernel.wasm: Cybernetic WASM ${o.toFixed(1)} ms (deadline checks woven in, off the main thread), Node's WebAssembly ${n.toFixed(1)} ms -> ${(n / o).toFixed(2)}x Node's speed`)

await rt.close()
console.log(`tour done in ${((performance.now() - t0) / 1000).toFixed(1)} s${process.exitCode ? ', WITH MISMATCHES' : ''}`)

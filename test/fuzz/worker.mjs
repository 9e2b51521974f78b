// One process of a fuzz campaign: compares the modules of seeds S..S+N and
// prints one JSON line per seed: { seed, verdict, step, reason }.
//   node test/fuzz/worker.mjs SEED COUNT
// A crash of this process (a signal, or an exit without the last line) is
// what the campaign counts as a crash of the runtime.
import * as wasm from '@cybernetic/wasm'
import { compareModule, generate } from './differential.mjs'

const [seed, count] = process.argv.slice(2).map(Number)
// CWASM_FUZZ_COMPILER (from the campaign's `compiler`) runs the campaign on one compiler's code.
const compiler = process.env.CWASM_FUZZ_COMPILER
const engine = wasm.Engine.shared(compiler ? { compiler } : {})
for (const { seed: s, bytes } of generate(seed, count)) {
  if (!bytes) {
    process.stdout.write(`${JSON.stringify({ seed: s, verdict: 'skipped', step: 'generate', reason: 'wasm-smith made no module' })}\n`)
    continue
  }
  // Announce the seed first, so that a hang or crash names it.
  process.stdout.write(`${JSON.stringify({ seed: s, verdict: 'started' })}\n`)
  let r
  try {
    r = compareModule(wasm, engine, bytes)
  } catch (e) {
    r = { verdict: 'crash', step: 'harness', reason: String(e?.stack ?? e) }
  }
  process.stdout.write(`${JSON.stringify({ seed: s, ...r })}\n`)
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`)

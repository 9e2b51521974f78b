#!/usr/bin/env node
// Differential fuzzing against V8: `npm run fuzz -- --cases N --seed S`.
// Modules from wasm-smith (crates/cwasm_fuzz) run in Cybernetic WASM and in
// Node's own WebAssembly, in one process per batch; results, trap kinds,
// memories and globals must agree (test/fuzz/differential.mjs says what is
// compared and what is left out). Shows a progress bar on a terminal (a
// progress line every 500 cases otherwise) and ends with
// `N cases, D divergences, C crashes`; each divergence or crash is written
// to --out (default fuzz-findings/) as SEED.wasm and SEED.json. Exit 1 when
// there are any.
import { buildGenerator } from '../test/fuzz/differential.mjs'
import { campaign } from '../test/fuzz/campaign.mjs'
import { Progress } from '../packages/cli/dist/progress.js'

const argv = process.argv.slice(2)
const opt = (name, d) => {
  const i = argv.indexOf(name)
  return i >= 0 ? argv[i + 1] : d
}
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: npm run fuzz -- [--cases N] [--seed S] [--batch B] [--jobs J] [--out DIR] [--compiler auto|cranelift|winch]')
  process.exit(0)
}
const cases = Number(opt('--cases', 10_000))
const seed = Number(opt('--seed', Date.now() % 1_000_000_000))
const batch = Number(opt('--batch', 250))
const jobs = Number(opt('--jobs', (await import('node:os')).availableParallelism()))
const out = opt('--out', 'fuzz-findings')
const compiler = opt('--compiler', null)
if (compiler !== null && !['auto', 'cranelift', 'winch'].includes(compiler)) {
  console.error('--compiler must be auto, cranelift or winch')
  process.exit(64)
}
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed) || seed < 0) {
  console.error('--cases and --seed must be whole numbers (cases at least 1)')
  process.exit(64)
}
buildGenerator()
console.log(`seed ${seed}, ${cases} cases, ${jobs} processes at a time, findings go to ${out}/`)
const t0 = Date.now()
let n = 0
// A bar on a terminal (stderr); a plain progress line every 500 cases otherwise.
const bar = new Progress({ total: cases, label: 'fuzz' })
const { counts, findings } = await campaign({
  seed,
  cases,
  batch,
  jobs,
  reproDir: out,
  compiler,
  onResult: (r, counts) => {
    n++
    if (r.verdict === 'divergence' || r.verdict === 'crash' || r.verdict === 'timeout') {
      bar.log(`seed ${r.seed}: ${r.verdict} at ${r.step}: ${r.reason}`)
    }
    const rate = n / Math.max(0.001, (Date.now() - t0) / 1000)
    const summary = `${counts.divergence} divergences, ${counts.crash} crashes, ${counts.timeout} timeouts, ${counts.unknown} without verdict`
    if (bar.active) bar.update(n, `${rate.toFixed(0)}/s, ${summary}`)
    else if (n % 500 === 0 || n === cases) console.log(`${n}/${cases} cases (${rate.toFixed(0)}/s): ${summary}`)
  },
})
bar.done()
console.log(`${counts.same} same, ${counts.unknown} without a verdict (stack overflow), ${counts.timeout} timed out, ${counts.skipped} not generated; ${((Date.now() - t0) / 1000).toFixed(0)} s`)
for (const f of findings) console.log(`  ${f.file ?? `seed ${f.seed}`}: ${f.verdict}: ${f.reason}`)
console.log(`${cases} cases, ${counts.divergence} divergences, ${counts.crash} crashes`)
process.exitCode = counts.divergence + counts.crash > 0 ? 1 : 0

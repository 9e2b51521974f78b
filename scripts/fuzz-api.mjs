#!/usr/bin/env node
// A long campaign of the public-API property test (test/api-property.test.ts):
//
//   npm run fuzz:api -- [--runs N] [--seed S]
//
// N random operation sequences (default 100000) from seed S (default: the
// clock's); the seed is printed first, so a failure can be replayed with the
// same seed. Exits non-zero when a sequence breaks an invariant; fast-check
// then prints the shrunk counterexample.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
function flag(name, fallback) {
  const i = args.indexOf(`--${name}`)
  if (i === -1) return fallback
  const v = args[i + 1]
  if (v === undefined || !/^\d+$/.test(v)) {
    console.error(`--${name} takes a whole number`)
    process.exit(2)
  }
  return v
}
const runs = flag('runs', '100000')
const seed = flag('seed', String(Date.now() % 2 ** 31))
console.log(`api property campaign: ${runs} sequences, seed ${seed}`)
const t0 = Date.now()
const r = spawnSync(join(root, 'node_modules/.bin/vitest'), ['run', 'test/api-property.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CWASM_API_RUNS: runs, CWASM_API_SEED: seed },
})
console.log(`${runs} sequences, ${r.status === 0 ? 0 : 1} failure(s), ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${seed})`)
process.exit(r.status ?? 1)

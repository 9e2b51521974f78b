// A bounded batch of the differential fuzzer against V8 (the long
// campaigns are `npm run fuzz -- --cases N --seed S`). The seed is printed;
// CWASM_FUZZ_SEED and CWASM_FUZZ_CASES change it and the size.
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { buildGenerator } from './fuzz/differential.mjs'
import { campaign } from './fuzz/campaign.mjs'

const seed = Number(process.env['CWASM_FUZZ_SEED'] ?? 1)
const cases = Number(process.env['CWASM_FUZZ_CASES'] ?? 3000)

describe('differential fuzzing against V8', () => {
  it(`gives the same results, traps, memories and globals as V8 on ${cases} generated modules (seed ${seed})`, async () => {
    buildGenerator()
    console.log(`fuzz seed ${seed}, ${cases} cases`)
    const { counts, findings } = await campaign({ seed, cases, jobs: 2, reproDir: join(tmpdir(), `cwasm-fuzz-findings-${seed}`) })
    expect(findings.map((f) => `${f.seed}: ${f.verdict} at ${f.step}: ${f.reason}`)).toEqual([])
    expect(counts.crash).toBe(0)
    // Almost every case reaches a verdict (the rest overflowed a stack).
    expect(counts.same).toBeGreaterThan(cases * 0.9)
  }, 300_000)

  it(`gives the same on Winch code (compiler: 'winch') on ${cases} generated modules (seed ${seed + cases})`, async () => {
    buildGenerator()
    const n = cases
    const { counts, findings } = await campaign({ seed: seed + cases, cases: n, jobs: 2, compiler: 'winch', reproDir: join(tmpdir(), `cwasm-fuzz-findings-winch-${seed}`) })
    expect(findings.map((f) => `${f.seed}: ${f.verdict} at ${f.step}: ${f.reason}`)).toEqual([])
    expect(counts.crash).toBe(0)
    // Those with tail calls or typed function references are skipped (Winch does not
    // compile them): about a third reach a verdict.
    console.log(`winch batch: ${JSON.stringify(counts)}`)
    expect(counts.same).toBeGreaterThan(n * 0.25)
  }, 300_000)
})

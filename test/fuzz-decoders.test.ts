// The decoders that read untrusted text, fed mutated inputs: a manifest
// parses or fails with a ManifestError (with a position), a spec script
// runs or counts its bad commands as failures; nothing else escapes and
// nothing hangs. (Artifacts and cache entries: crates/cwasm_core/tests/artifact_mutations.rs.)
import { describe, expect, it } from 'vitest'
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ManifestError, parseManifest } from '@cybernetic/wasm'

const root = fileURLToPath(new URL('..', import.meta.url))

/** splitmix64 in JS: reproducible mutations. */
function rng(seed: number): () => number {
  let s = BigInt(seed)
  const M = (1n << 64n) - 1n
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M
    let z = s
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M
    return Number((z ^ (z >> 31n)) & 0xffffffffn) / 2 ** 32
  }
}

const PIECES = ['[', ']', '{', '}', '=', '"', "'", '\n', ',', '.', '-', '1', '1e9', 'true', '#', '"""', '\\', 'x', ' ', '[[a]]', '0x', '\u00e9', '\u0000']

function mutate(text: string, r: () => number): string {
  let t = text
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    const at = Math.floor(r() * (t.length + 1))
    switch (Math.floor(r() * 4)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 5))
        break
      case 1:
        t = t.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + t.slice(at)
        break
      case 2: {
        const lines = t.split('\n')
        const i = Math.floor(r() * lines.length)
        lines.splice(Math.floor(r() * lines.length), 0, lines[i] ?? '')
        t = lines.join('\n')
        break
      }
      default:
        t = t.slice(0, at)
    }
  }
  return t
}

const MANIFEST = `[module]
name = "compute_module"
version = "1.0.0"
entry = "process"

[capabilities]
memory = true
threading = false
filesystem = { read = ["./data", "/g=./data"], write = [] }
env = ["LANG", "MODE=fast"]
args = ["--quiet"]
stdout = true
clocks = true

[limits]
memory = 50000000 # 50MB
stack = 1000000
time_ms = 5000
`

describe('decoders of untrusted text, fuzzed', () => {
  it('parse a mutated manifest or refuse it with a ManifestError that has a position', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-fuzz-manifest-'))
    const r = rng(7)
    let refused = 0
    for (let i = 0; i < 3000; i++) {
      for (const [format, text] of [
        ['toml', mutate(MANIFEST, r)],
        ['json', mutate(JSON.stringify({ module: { name: 'm', entry: 'f' }, capabilities: { env: ['A'], clocks: true }, limits: { memory: 1000 } }, null, 1), r)],
      ] as const) {
        try {
          parseManifest(text, { dir, format })
        } catch (e) {
          if (!(e instanceof ManifestError)) throw new Error(`mutation ${i} (${format}) threw ${String(e)}:\n${text}`)
          expect(e.line).toBeGreaterThanOrEqual(1)
          expect(e.column).toBeGreaterThanOrEqual(1)
          expect(e.frame).toContain('^')
          refused++
        }
      }
    }
    expect(refused).toBeGreaterThan(1000)
  })

  it('run a mutated spec script, counting each malformed command as a failure', async () => {
    const { runSpec } = await import(join(root, 'packages/cli/dist/spec/runner.js'))
    const corpus = join(root, '..', 'shared', 'corpus', 'spec', 'address')
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-fuzz-spec-'))
    cpSync(corpus, dir, { recursive: true })
    const json = readdirSync(dir).find((f) => f.endsWith('.json'))!
    const original = readFileSync(join(dir, json), 'utf8')
    const r = rng(11)
    const write = process.stdout.write.bind(process.stdout)
    for (let i = 0; i < 60; i++) {
      writeFileSync(join(dir, json), mutate(original, r))
      // Keep the runner's FAIL lines out of the test output.
      process.stdout.write = (() => true) as typeof process.stdout.write
      let summary
      try {
        summary = await runSpec([dir])
      } finally {
        process.stdout.write = write
      }
      expect(summary.passed + summary.failed + summary.skipped, `mutation ${i}`).toBeGreaterThan(0)
    }
  }, 120_000)
})

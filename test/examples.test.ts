// The examples of examples/: each script runs as a user would run it (a
// child process, from the repository root) and checks its own output against
// a JS reference or node:crypto; here each must exit 0 with its summary line
// saying nothing failed. Their C and AssemblyScript guests are built from
// source on the way (examples/lib/build.mjs, cached). Also: the committed
// .wasm files are the build of their .wat, and a failed check fails the script.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = mkdtempSync(join(tmpdir(), 'cwasm-examples-'))

function node(args: string[], timeout = 120_000) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout, env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', signal: r.signal }
}

const EXAMPLES: [string, string, number][] = [
  // name, script, the fewest checks it makes
  ['seed', 'examples/seed/seed.mjs', 12],
  ['image', 'examples/image/image.mjs', 16],
  ['crypto', 'examples/crypto/crypto.mjs', 26],
  ['science', 'examples/science/science.mjs', 8],
  ['ml', 'examples/ml/ml.mjs', 8],
  ['plugins', 'examples/plugins/plugins.mjs', 8],
]

describe('examples', () => {
  for (const [name, script, checks] of EXAMPLES) {
    it(`runs ${script} and every one of its checks passes`, () => {
      const args = name === 'image' ? [script, join(out, 'image.png')] : [script]
      const r = node(args)
      expect(r.stderr).toBe('')
      const last = r.stdout.trim().split('\n').pop()
      const m = new RegExp(`^${name}: (\\d+) checks passed, (\\d+) failed$`).exec(last ?? '')
      expect(m, r.stdout).not.toBeNull()
      expect(Number(m![1])).toBeGreaterThanOrEqual(checks)
      expect(Number(m![2])).toBe(0)
      expect(r.stdout).not.toMatch(/FAIL/)
      expect(r.code).toBe(0)
    }, 180_000)
  }

  it('writes a PNG a viewer can decode: signature, IHDR of 960x200 RGBA, IEND', () => {
    const png = join(out, 'image.png')
    if (!existsSync(png)) expect(node(['examples/image/image.mjs', png]).code).toBe(0)
    const b = readFileSync(png)
    expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(b.subarray(12, 16).toString('latin1')).toBe('IHDR')
    expect([b.readUInt32BE(16), b.readUInt32BE(20), b[24], b[25]]).toEqual([960, 200, 8, 6])
    expect(b.subarray(b.length - 8, b.length - 4).toString('latin1')).toBe('IEND')
  }, 180_000)

  it('exits non-zero and says what differed when a check fails', () => {
    const script = join(out, 'mismatch.mjs')
    writeFileSync(script, `import { check, summary } from ${JSON.stringify(join(root, 'examples/lib/check.mjs'))}\ncheck('one', 1, 1)\ncheck('two', [1, 2], [1, 3])\nsummary('x')\n`)
    const r = node([script])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/FAIL {2}two\n {8}expected \[1,3\]\n {8}got {6}\[1,2\]/)
    expect(r.stdout.trim().split('\n').pop()).toBe('x: 1 checks passed, 1 failed')
  })

  it('keeps each committed .wasm equal to the build of its .wat (node scripts/build-examples.mjs)', () => {
    const { watToWasm } = createRequire(import.meta.url)('@cybernetic/wasm-native') as { watToWasm(b: Uint8Array): Uint8Array }
    for (const f of ['examples/compute', 'examples/demo/kernel']) {
      const built = Buffer.from(watToWasm(readFileSync(join(root, `${f}.wat`))))
      expect(built.equals(readFileSync(join(root, `${f}.wasm`))), `${f}.wasm is stale: run node scripts/build-examples.mjs`).toBe(true)
    }
  })
})

describe('the demo (npm run demo)', () => {
  it('tours the seed call, a deadline, a denied file, a parallel map and the speed line, in plain lines off a terminal', () => {
    const t0 = Date.now()
    const r = node(['examples/demo.mjs'], 60_000)
    expect(r.stderr).toBe('')
    expect(r.code, r.stdout).toBe(0)
    expect(r.stdout).toContain("rt.call(compute.wasm, 'process', [42]) = 84")
    expect(r.stdout).toMatch(/with \{ timeout: 250 \} it ended after \d+ ms with TimeoutError \(code timeout\)/)
    expect(r.stdout).toMatch(/audit: snoop path_open\("\.\.\/\.\.\/wordcount\/data\/words\.txt"\) -> perm/)
    // not a terminal: progress as plain lines, no carriage returns or colour
    expect(r.stdout).toContain('  48/48 done\n')
    expect(r.stdout).not.toMatch(/\r|\x1b\[/)
    expect(r.stdout).toMatch(/collatz steps of 1\.\.1920000: 265192673 in \d+ ms/)
    expect(r.stdout).toMatch(/Cybernetic WASM [\d.]+ ms .*Node's WebAssembly [\d.]+ ms -> [\d.]+x Node's speed/)
    expect(r.stdout).not.toMatch(/MISMATCH/)
    // the brief is ~15 s; a loaded CI machine gets slack
    expect(Date.now() - t0).toBeLessThan(45_000)
  }, 90_000)
})

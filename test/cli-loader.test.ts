// The loader from the command line: keys, signed and batch compiles,
// inspection, the cache, and linking with --preload.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [cwasm, ...args], { cwd, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const LIB = '(module (func (export "twice") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))'
const MAIN = `(module (import "lib" "twice" (func $t (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (call $t (i32.const 21)))))`

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cwasm-cli-loader-'))
  writeFileSync(join(dir, 'lib.wat'), LIB)
  writeFileSync(join(dir, 'main.wat'), MAIN)
  return dir
}

describe('cwasm for the loader', () => {
  it('links two modules with --preload NAME=MODULE', () => {
    const dir = project()
    const r = run(dir, 'run', '--preload', 'lib=lib.wat', 'main.wat')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(42)
    const missing = run(dir, 'run', 'main.wat')
    expect(missing.code).toBe(126)
    expect(missing.stderr).toMatch(/^error\[link_error\]: .*missing import lib::twice/)
  })

  it('makes a key pair, signs with it, and loads only what a trusted key signed', () => {
    const dir = project()
    const k = run(dir, 'keygen', '--out', 'build')
    expect(k.code).toBe(0)
    expect(statSync(join(dir, 'build.key')).mode & 0o777).toBe(0o600)
    expect(run(dir, 'keygen', '--out', 'build').code).toBe(2)
    expect(run(dir, 'compile', 'main.wat', '-o', 'main.cwasm', '--sign-key', 'build.key').code).toBe(0)
    expect(run(dir, 'run', '--trusted-key', 'build.pub', '--preload', 'lib=lib.wat', 'main.cwasm').code).toBe(42)
    run(dir, 'keygen', '--out', 'other')
    const untrusted = run(dir, 'run', '--trusted-key', 'other.pub', '--preload', 'lib=lib.wat', 'main.cwasm')
    expect(untrusted.code).toBe(126)
    expect(untrusted.stderr).toMatch(/^error\[artifact_rejected\]: .*not one of this runtime's trusted keys/)
    expect(run(dir, 'compile', 'main.wat', '-o', 'local.cwasm').code).toBe(0)
    expect(run(dir, 'run', '--trusted-key', 'build.pub', '--preload', 'lib=lib.wat', 'local.cwasm').stderr).toMatch(/signed with a local key/)
  })

  it('compiles a directory of modules, reporting each failure, as lines or JSON', () => {
    const dir = project()
    mkdirSync(join(dir, 'src', 'sub'), { recursive: true })
    writeFileSync(join(dir, 'src', 'a.wat'), LIB)
    writeFileSync(join(dir, 'src', 'sub', 'b.wat'), LIB.replace('twice', 'thrice'))
    writeFileSync(join(dir, 'src', 'bad.wat'), '(module (func (result i32)))')
    const r = run(dir, 'compile', 'src', '--out-dir', 'out')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/compiled src\/a\.wat -> out\/a\.cwasm/)
    expect(r.stdout).toMatch(/2 of 3 module\(s\) compiled into out, 1 failed/)
    expect(r.stderr).toMatch(/error\[compile_error\]: src\/bad\.wat: /)
    expect(readdirSync(join(dir, 'out', 'sub'))).toEqual(['b.cwasm'])
    const j = run(dir, 'compile', 'src', '--out-dir', 'out2', '--json')
    const outcomes = JSON.parse(j.stdout) as { source: string; error: { code: string } | null }[]
    expect(outcomes.map((o) => [o.source, o.error?.code ?? null])).toEqual([
      ['src/a.wat', null],
      ['src/bad.wat', 'compile_error'],
      ['src/sub/b.wat', null],
    ])
  })

  it('inspects modules and artifacts', () => {
    const dir = project()
    writeFileSync(join(dir, 'simd.wat'), '(module (@custom "notes" "hello") (func (export "z") (result v128) (v128.const i64x2 0 0)))')
    const j = JSON.parse(run(dir, 'inspect', '--json', 'simd.wat').stdout)
    expect(j.features).toEqual(['simd'])
    expect(j.customSections).toEqual([{ name: 'notes', size: 5 }])
    expect(j.exports[0]).toMatchObject({ name: 'z', type: { text: 'func () -> (v128)' } })
    expect(run(dir, 'inspect', '--wat', 'lib.wat').stdout).toContain('(export "twice"')
    run(dir, 'compile', 'lib.wat', '-o', 'lib.cwasm')
    const a = JSON.parse(run(dir, 'inspect', '--json', 'lib.cwasm').stdout)
    expect(a.artifact).toMatchObject({ signature: 'mac', accepted: true })
    expect(a.artifact.meta['engine.fuel']).toBe('false')
    expect(run(dir, 'inspect', '--wat', 'lib.cwasm').code).toBe(2)
  })

  it('shows and clears the disk cache', () => {
    const dir = project()
    const cache = join(dir, 'cache')
    const env = { ...process.env, CWASM_CACHE_DIR: cache }
    spawnSync(process.execPath, [cwasm, 'run', '--invoke', 'twice', 'lib.wat', '2'], { cwd: dir, env })
    const s = JSON.parse(run(dir, 'cache', 'stats', '--json', '--dir', cache).stdout)
    expect(s).toMatchObject({ dir: cache, entries: 1 })
    expect(run(dir, 'cache', 'clear', '--dir', cache).stdout).toBe(`removed 1 entry from ${cache}\n`)
    expect(JSON.parse(run(dir, 'cache', 'stats', '--json', '--dir', cache).stdout).entries).toBe(0)
  })
})

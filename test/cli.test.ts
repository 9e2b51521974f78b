import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')

function run(...args: string[]) {
  // A timeout, so that a guest that is never stopped fails the test instead of hanging it.
  const r = spawnSync(process.execPath, [cwasm, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function tmpFile(name: string, text: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'cwasm-cli-')), name)
  writeFileSync(f, text)
  return f
}

describe('cwasm CLI', () => {
  it('runs an export with arguments and prints each result on its own line', () => {
    const f = tmpFile('m.wat', '(module (func (export "add") (param i32 i64) (result i64 i32) local.get 1 local.get 0))')
    const r = run('run', '--invoke', 'add', f, '-5', '9007199254740993')
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('9007199254740993\n-5\n')
    expect(r.code).toBe(0)
  })

  it('runs the seed example and prints 84', () => {
    expect(run('run', '--invoke', 'process', 'examples/compute.wasm', '42').stdout).toBe('84\n')
  })

  it('prints a trap as error[<code>] on stderr and exits 134, outside the guest exit codes', () => {
    const f = tmpFile('t.wat', '(module (func (export "f") unreachable))')
    const r = run('run', f)
    expect(r.code).toBe(134)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error\[unreachable\]: /)
  })

  it('prints a compile error with its code and location', () => {
    const f = tmpFile('bad.wat', '(module\n (func (bogus)))')
    const r = run('inspect', f)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error\[compile_error\]: .*bad\.wat: .*line 2, column/)
  })

  it('stops a runaway guest at --timeout with error[timeout]', () => {
    const f = tmpFile('spin.wat', '(module (func (export "spin") (loop br 0)))')
    const r = run('run', '--timeout', '50ms', f)
    expect(r.stderr).toMatch(/^error\[timeout\]: .*50 ms/)
    expect(r.code).toBe(134)
  })

  it('stops a runaway guest at --fuel with error[fuel_exhausted]', () => {
    const f = tmpFile('spin2.wat', '(module (func (export "spin") (loop br 0)))')
    const r = run('run', '--fuel', '100000', f)
    expect(r.stderr).toMatch(/^error\[fuel_exhausted\]: /)
    expect(r.code).toBe(134)
  })

  it('stops a memory bomb at --max-memory with error[memory_limit]', () => {
    const f = tmpFile('bomb.wat', '(module (memory 1) (func (export "bomb") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))')
    const r = run('run', '--max-memory', '1MiB', f)
    expect(r.stderr).toMatch(/^error\[memory_limit\]: /)
  })

  it('rejects unknown options and bad values with error[usage]: exit code 126 for run (the guest never started), 2 elsewhere', () => {
    expect(run('run', '--fast', 'x.wasm')).toMatchObject({ code: 126, stderr: expect.stringMatching(/^error\[usage\]: unknown option '--fast'/) })
    expect(run('run', '--timeout', 'soon', 'x.wasm')).toMatchObject({ code: 126 })
    expect(run('inspect', '--fast', 'x.wasm')).toMatchObject({ code: 2 })
    expect(run('frobnicate')).toMatchObject({ code: 2 })
  })

  it('refuses negative, fractional and too large numbers in flags before running anything', () => {
    const wat = 'examples/compute.wat'
    for (const [flag, value] of [
      ['--timeout', '-1'],
      ['--timeout', 'NaN'],
      ['--timeout', '99999999999999999999'],
      ['--fuel', '1.5'],
      ['--fuel', '-5'],
      ['--fuel', '99999999999999999999'],
      ['--max-memory', '-1MB'],
      ['--max-memory', '1e30'],
    ]) {
      const r = run('run', flag!, value!, wat, '--invoke', 'process', '1')
      expect(r.code, `${flag} ${value}`).toBe(126)
      expect(r.stderr, `${flag} ${value}`).toMatch(/^error\[usage\]: --(timeout|fuel|max-memory) /)
      expect(r.stdout).toBe('')
    }
  })

  it('lists imports and exports with their types', () => {
    const f = tmpFile('io.wat', '(module (import "env" "log" (func (param i32))) (memory (export "mem") 1 2) (func (export "f") (param f64) (result f32) unreachable))')
    const r = run('inspect', f)
    expect(r.stdout).toContain('env::log: func (i32) -> ()')
    expect(r.stdout).toContain('mem: memory 1 2')
    expect(r.stdout).toContain('f: func (f64) -> (f32)')
  })

  it('precompiles to a .cwasm that runs, and refuses it under another key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-aot-'))
    const out = join(dir, 'compute.cwasm')
    const env = { ...process.env, CWASM_ARTIFACT_KEY: 'k1' }
    const c = spawnSync(process.execPath, [cwasm, 'compile', 'examples/compute.wasm', '-o', out], { cwd: root, encoding: 'utf8', env, timeout: 30_000 })
    expect(c.status).toBe(0)
    expect(readFileSync(out).subarray(0, 8).toString()).toBe('CWASMAOT')
    const ok = spawnSync(process.execPath, [cwasm, 'run', out, '21'], { cwd: root, encoding: 'utf8', env, timeout: 30_000 })
    expect(ok.stdout).toBe('42\n')
    const bad = spawnSync(process.execPath, [cwasm, 'run', out, '21'], { cwd: root, encoding: 'utf8', env: { ...env, CWASM_ARTIFACT_KEY: 'k2' }, timeout: 30_000 })
    expect(bad.stderr).toMatch(/^error\[artifact_rejected\]: /)
  })

  it('takes -C compiler=NAME on run, compile and spec, and refuses an unknown setting or compiler', () => {
    for (const compiler of ['auto', 'cranelift', 'winch']) {
      expect(run('run', '-C', `compiler=${compiler}`, '--invoke', 'process', 'examples/compute.wasm', '42').stdout, compiler).toBe('84\n')
    }
    expect(run('run', '-C', 'compiler=v8', 'examples/compute.wasm')).toMatchObject({ code: 126, stderr: expect.stringMatching(/^error\[usage\]: -C compiler must be one of auto, cranelift, winch/) })
    expect(run('compile', '-C', 'opt-level=2', 'examples/compute.wasm')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown -C setting 'opt-level'/) })
    expect(run('run', '-W', 'threads=maybe', 'examples/compute.wasm')).toMatchObject({ code: 126, stderr: expect.stringMatching(/^error\[usage\]: -W threads takes y or n/) })
    expect(run('spec', '-W', 'warp-drive', 'x.json')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown -W feature 'warp-drive'/) })
    const out = join(mkdtempSync(join(tmpdir(), 'cwasm-winch-')), 'c.cwasm')
    expect(run('compile', '-C', 'compiler=winch', 'examples/compute.wasm', '-o', out).code).toBe(0)
    expect(run('run', '-C', 'compiler=winch', out, '21').stdout).toBe('42\n')
    // A Winch artifact is not code for the default engine.
    expect(run('run', out, '21').stderr).toMatch(/^error\[artifact_rejected\]: /)
  })

  it('cache add writes an entry that later runs start from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-cache-add-'))
    const add = run('cache', 'add', '--dir', dir, 'examples/compute.wat')
    expect(add).toMatchObject({ code: 0, stdout: 'examples/compute.wat: cached (cranelift code)\n' })
    expect(JSON.parse(run('cache', 'stats', '--dir', dir, '--json').stdout)).toMatchObject({ entries: 1 })
    expect(run('cache', 'add', '--dir', dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs at least one MODULE/) })
    expect(run('cache', 'add', '--dir', dir, '--engine', '[1]', 'examples/compute.wat')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--engine must be a JSON object/) })
  })

  it('hands a large module that ran on Winch code to a background cache add, which fills the cache for the next run', async () => {
    // Over 128 KiB of binary (baselineMinBytes), so it starts on Winch code.
    const body = (i: number) => Array.from({ length: 6 }, (_, k) => `(local.set 0 (i32.add (local.get 0) (i32.mul (local.get 0) (i32.const ${i * 7 + k}))))`).join(' ')
    const funcs = Array.from({ length: 4000 }, (_, i) => `(func (param i32) (result i32) ${body(i)} (local.get 0))`).join('\n')
    const f = tmpFile('big.wat', `(module ${funcs} (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`)
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-handover-'))
    const env = { ...process.env, CWASM_CACHE_DIR: dir }
    const r = spawnSync(process.execPath, [cwasm, 'run', '--invoke', 'f', f, '41'], { cwd: root, encoding: 'utf8', env, timeout: 30_000 })
    expect(r.stdout).toBe('42\n')
    const entries = () => readdirSync(dir).filter((n) => n.endsWith('.cwasm')).length
    // The run itself wrote nothing: its module was still on Winch code.
    expect(entries()).toBe(0)
    const t0 = Date.now()
    while (entries() === 0 && Date.now() - t0 < 60_000) await new Promise((ok) => setTimeout(ok, 200))
    expect(entries()).toBe(1)
  }, 90_000)

  it('validates modules and reports each invalid one', () => {
    const good = tmpFile('g.wat', '(module)')
    const bad = tmpFile('b.wasm', 'not wasm')
    const r = run('validate', good, bad)
    expect(r.stdout).toContain('g.wat: valid')
    expect(r.stderr).toMatch(/error\[compile_error\]: .*b\.wasm/)
    expect(r.code).toBe(1)
  })
})

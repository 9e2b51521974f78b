// `--json` on every cwasm command that prints data: one JSON document on
// stdout, nothing else there, holding what the text form says.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')
const dir = mkdtempSync(join(tmpdir(), 'cwasm-json-'))

function run(...args: string[]) {
  const env = { ...process.env, CWASM_BACKGROUND_COMPILE: '0' }
  const r = spawnSync(process.execPath, [cwasm, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000, env, stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** stdout parsed as one JSON document (JSON.parse refuses anything around it). */
function json(r: { stdout: string }): any {
  return JSON.parse(r.stdout)
}

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}

describe('cwasm --json', () => {
  const good = file('good.wat', '(module (func (export "f") (result i32) i32.const 7))')
  const bad = file('bad.wat', '(module (func bogus))')

  it("validate --json lists each module's verdict, and still exits 1 when one is invalid", () => {
    const r = run('validate', '--json', good, bad)
    expect(r.code).toBe(1)
    expect(json(r)).toEqual([
      { file: good, valid: true, error: null },
      { file: bad, valid: false, error: { code: 'compile_error', message: expect.stringContaining('bad.wat') } },
    ])
    expect(r.stderr).toBe('')
  })

  it('spec --json gives the counts and every failure instead of the lines', () => {
    file('m.wat', '(module (func (export "seven") (result i32) i32.const 7))')
    const script = file(
      'seven.json',
      JSON.stringify({
        source_filename: 'seven.wast',
        commands: [
          { type: 'module', line: 1, filename: 'm.wat' },
          { type: 'assert_return', line: 2, action: { type: 'invoke', field: 'seven', args: [] }, expected: [{ type: 'i32', value: '7' }] },
          { type: 'assert_return', line: 3, action: { type: 'invoke', field: 'seven', args: [] }, expected: [{ type: 'i32', value: '8' }] },
        ],
      }),
    )
    const skips = file('skips.json', JSON.stringify({ skips: [] }))
    const r = run('spec', '--json', '--skips', skips, script)
    expect(r.code).toBe(1)
    expect(json(r)).toEqual({
      passed: 2,
      failed: 1,
      skipped: 0,
      scripts: 1,
      failures: [{ where: 'seven.wast:3', message: expect.stringMatching(/^assert_return: .*expected i32 8, got i32 7/) }],
    })
    // The text form of the same run, for comparison: the failure line, then the summary line last.
    const text = run('spec', '--skips', skips, script)
    expect(text.stdout).toMatch(/^FAIL seven\.wast:3: assert_return: .*\n2 passed, 1 failed\n$/)
  })

  it('compile --json describes the artifact of one module (a directory gives an array, see cli-loader)', () => {
    const out = join(dir, 'good.cwasm')
    const r = run('compile', '--json', good, '-o', out)
    expect(r.code).toBe(0)
    expect(json(r)).toEqual({ source: good, output: out, bytes: expect.any(Number), signature: 'local' })
    expect(existsSync(out)).toBe(true)
  })

  it('keygen --json names the files and the public key', () => {
    const r = run('keygen', '--json', '--out', join(dir, 'k'))
    expect(r.code).toBe(0)
    expect(json(r)).toEqual({ privateKey: join(dir, 'k.key'), publicKey: join(dir, 'k.pub'), publicKeyHex: expect.stringMatching(/^[0-9a-f]{64}$/) })
  })

  it('cache add, stats and clear --json report what they did', () => {
    const cache = join(dir, 'cache')
    const added = json(run('cache', 'add', '--json', '--dir', cache, good))
    expect(added).toEqual([{ file: good, hash: expect.stringMatching(/^[0-9a-f]{64}$/), tier: 'cranelift' }])
    expect(json(run('cache', 'stats', '--json', '--dir', cache))).toMatchObject({ dir: cache, entries: 1 })
    expect(json(run('cache', 'clear', '--json', '--dir', cache))).toEqual({ dir: cache, removed: 1 })
  })

  it("run --json prints an export's results as a JSON array, i64 as a decimal string, and refuses a WASI command", () => {
    const m = file('pair.wat', '(module (func (export "pair") (param i32) (result i32 i64 f64) local.get 0 i64.const 9007199254740993 f64.const 0.5))')
    const r = run('run', '--json', '--invoke', 'pair', m, '-4')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(json(r)).toEqual([-4, '9007199254740993', 0.5])
    const cmd = file('cmd.wat', '(module (memory (export "memory") 1) (func (export "_start")))')
    expect(run('run', '--json', cmd)).toMatchObject({ code: 126, stdout: '', stderr: expect.stringMatching(/^error\[usage\]: --json prints an export's results/) })
    // After MODULE, --json is the guest's own argument.
    expect(run('run', cmd, '--json')).toMatchObject({ code: 0, stdout: '' })
  })

  it('inspect --json and --version --json print one JSON object', () => {
    expect(json(run('inspect', '--json', good))).toMatchObject({ file: good, kind: 'wat', exports: [{ name: 'f' }] })
    expect(json(run('--version', '--json'))).toMatchObject({ cwasm: expect.any(String), wasmtime: expect.any(String) })
  })
})

// `cwasm map MODULE EXPORT`: one call per input line through the executor's
// map, one output line per input line in input order; a failing line prints
// its typed error code in its place and the command exits 1; --json lines;
// a progress bar on a terminal (a pseudo-terminal from util-linux's
// `script`), plain lines off one.
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error: a plain .mjs helper without types
import { aptInstall, toolWorks } from '../scripts/lib/apt.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')
const dir = mkdtempSync(join(tmpdir(), 'cwasm-map-'))
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** A user's environment: no colour forced or refused, no CI (Node's hasColors() refuses colour under CI). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', CWASM_BACKGROUND_COMPILE: '0', CWASM_CACHE_DIR: join(dir, 'cache'), ...extra }
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'CI', 'TMUX']) if (!(k in extra)) delete e[k]
  return e
}

/** `cwasm map …` with `stdin` as its standard input and pipes for stdout and stderr. */
function map(args: string[], stdin = '') {
  const r = spawnSync(process.execPath, [cwasm, 'map', ...args], { cwd: dir, input: stdin, encoding: 'utf8', timeout: 60_000, env: env() })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').slice(0, -1) }
}

const MODULE = `(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "square") (param i64) (result i64) local.get 0 local.get 0 i64.mul)
  (func (export "split") (param f64) (result f64 i32) local.get 0 local.get 0 i32.trunc_sat_f64_s)
  (func (export "spin") (param i32) (loop br 0))
  ;; counts down from n and returns n: a large n takes longer than a small one
  (func (export "count") (param i32) (result i32) (local i32)
    local.get 0 local.set 1
    (block (loop
      local.get 1 i32.eqz br_if 1
      local.get 1 i32.const 1 i32.sub local.set 1
      br 0))
    local.get 0))`

beforeAll(() => {
  writeFileSync(join(dir, 'm.wat'), MODULE)
})

describe('cwasm map', () => {
  it('prints each line’s results in input order, even when later lines finish first', () => {
    // The first lines count to tens of millions, the later ones to a handful: with four at once,
    // the short ones finish first; the output is still in input order.
    const ns = [40_000_000, 30_000_000, 3, 20_000_000, 1, 2, 10_000_000, 5, 0, 7]
    const input = ns.map((n) => JSON.stringify([n])).join('\n')
    writeFileSync(join(dir, 'counts.txt'), `${input}\n`)
    const r = map(['m.wat', 'count', '--input', 'counts.txt', '--concurrency', '4'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.lines).toEqual(ns.map(String))
  })

  it('reads the lines from stdin, skips blank lines, and takes i64 arguments as numbers or strings', () => {
    const r = map(['m.wat', 'square', '-i', '-'], '[3]\n\n["-4"]\n["0x10"]\n["3037000499"]\n')
    expect(r.code).toBe(0)
    expect(r.lines).toEqual(['9', '16', '256', String(3037000499n * 3037000499n)])
  })

  it('prints an export’s several results on one line, separated by spaces, with nan and inf for non-finite floats', () => {
    const r = map(['m.wat', 'split'], '[2.75]\n["nan"]\n["-inf"]\n')
    expect(r.code).toBe(0)
    expect(r.lines).toEqual(['2.75 2', 'nan 0', '-inf -2147483648'])
  })

  it('prints a malformed line’s invalid_argument error with its line number in its place, runs the others, and exits 1', () => {
    const r = map(['m.wat', 'add'], '[1, 2]\n\n[3]\nnot json\n{"a": 1}\n[5, "x"]\n[2147483647, 1]\n')
    expect(r.lines).toEqual([
      '3',
      'error[invalid_argument]: line 3: the export takes 2 argument(s) (i32, i32), the line has 1',
      expect.stringMatching(/^error\[invalid_argument\]: line 4: not JSON \(.*\); each line is a JSON array of arguments, e\.g\. \[1, 2\]$/),
      'error[invalid_argument]: line 5: a JSON array of arguments was expected, got an object',
      'error[invalid_argument]: line 6: argument 2 ("x") is not an i32 (a whole number from -2^31 to 2^32 - 1)',
      '-2147483648',
    ])
    expect(r.stderr).toBe('map: 4 of 6 line(s) failed\n')
    expect(r.code).toBe(1)
  })

  it('prints a trapping line’s trap code on one line in its place and exits 1', () => {
    const r = map(['m.wat', 'div'], '[10, 2]\n[1, 0]\n[9, 3]\n')
    expect(r.lines).toEqual(['5', 'error[integer_divide_by_zero]: line 2: wasm trap: integer divide by zero', '3'])
    expect(r.stderr).toBe('map: 1 of 3 line(s) failed\n')
    expect(r.code).toBe(1)
  })

  it('stops a runaway line at --timeout and one out of fuel at --fuel, each with its code', () => {
    const timed = map(['m.wat', 'spin', '--timeout', '200ms'], '[1]\n')
    expect(timed.lines).toEqual([expect.stringMatching(/^error\[timeout\]: line 1: the call ran past its deadline of 200 ms/)])
    expect(timed.code).toBe(1)
    const fuel = map(['m.wat', 'count', '--fuel', '10000'], '[5]\n[100000000]\n')
    expect(fuel.lines).toEqual(['5', expect.stringMatching(/^error\[fuel_exhausted\]: line 2: /)])
    expect(fuel.code).toBe(1)
  })

  it('prints one JSON object per line with --json: line, ok, results (i64 as a string) or the error’s code and message', () => {
    const ok = map(['m.wat', 'square', '--json'], '[3]\n["9007199254740993"]\n')
    expect(ok.code).toBe(0)
    expect(ok.lines.map((l) => JSON.parse(l))).toEqual([
      { line: 1, ok: true, results: ['9'] },
      { line: 2, ok: true, results: [String(BigInt.asIntN(64, 9007199254740993n * 9007199254740993n))] },
    ])
    const mixed = map(['m.wat', 'div', '--json'], '[8, 2]\n[1, 0]\n[1]\n')
    expect(mixed.code).toBe(1)
    const [first, trap, bad] = mixed.lines.map((l) => JSON.parse(l))
    expect(first).toEqual({ line: 1, ok: true, results: [4] })
    expect(trap).toMatchObject({ line: 2, ok: false, error: { code: 'integer_divide_by_zero', message: expect.stringContaining('integer divide by zero') } })
    expect(bad).toEqual({ line: 3, ok: false, error: { code: 'invalid_argument', message: 'the export takes 2 argument(s) (i32, i32), the line has 1' } })
    expect(mixed.lines).toHaveLength(3)
  })

  it('refuses a module without the export, an unreadable input and bad usage before running anything', () => {
    const missing = map(['m.wat', 'nope'], '[1]\n')
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^error\[invalid_argument\]: the module has no exported function 'nope'; it exports: add, div/) })
    const noInput = map(['m.wat', 'add', '--input', 'no-such-file.txt'])
    expect(noInput).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^error\[invalid_argument\]: cannot read the input no-such-file\.txt: /) })
    expect(map(['m.wat'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error\[usage\]: cwasm map takes MODULE and EXPORT/) })
    expect(map(['m.wat', 'add', '--concurrency', '0'])).toMatchObject({ code: 2, stderr: 'error[usage]: --concurrency must be at least 1\n' })
    expect(map(['m.wat', 'add', '--timeout', 'soon'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error\[usage\]: --timeout must be a duration/) })
  })
})

describe('cwasm map on a terminal', () => {
  beforeAll(() => {
    if (!toolWorks('script', ['--version'])) aptInstall(['bsdutils'], 'script (util-linux) not found, needed to give cwasm a pseudo-terminal')
    writeFileSync(join(dir, 'many.txt'), `${Array.from({ length: 40 }, (_, i) => `[${i}, ${i}]`).join('\n')}\n[1]\n`)
  })

  it('draws the progress bar on stderr under the result lines and takes it off at the end', () => {
    const command = [process.execPath, cwasm, 'map', 'm.wat', 'add', '-i', 'many.txt'].map(shellQuote).join(' ')
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
    const screen = r.stdout
    expect(r.status).toBe(1)
    // The bar, redrawn in place: label, the count out of the total, the failures so far.
    expect(screen).toMatch(/\r\x1b\[2Kmap .*█.* 41\/41 100% 1 failed/)
    // Each result line is printed after the bar is cleared, in input order.
    const lines = screen
      .replace(/\r\x1b\[2Kmap [^\r\n]*/g, '')
      .replace(/\r\x1b\[2K/g, '')
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split(/\r?\n/)
      .map((l) => l.replace(/\r/g, ''))
      .filter(Boolean)
    expect(lines).toEqual([
      ...Array.from({ length: 40 }, (_, i) => String(2 * i)),
      'error[invalid_argument]: line 41: the export takes 2 argument(s) (i32, i32), the line has 1',
      'map: 1 of 41 line(s) failed',
    ])
    // Colour on a colour terminal: the error code in red.
    expect(screen).toContain('\x1b[31merror[invalid_argument]\x1b[39m')
    // The bar is taken off: after the last bar drawn, a clear comes before the last lines.
    expect(screen.slice(screen.lastIndexOf('41/41'))).toContain('\r\x1b[2K')
  })

  it('prints only the result lines, without escape codes, off a terminal', () => {
    const r = map(['m.wat', 'add', '-i', 'many.txt'])
    expect(r.code).toBe(1)
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\x1b|\r/)
    expect(r.lines).toHaveLength(41)
    expect(r.lines.slice(0, 3)).toEqual(['0', '2', '4'])
  })
})

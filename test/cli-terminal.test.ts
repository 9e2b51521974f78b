// cwasm on a terminal and off one: a progress bar and colour on a terminal
// (a pseudo-terminal from util-linux's `script`), plain lines without one,
// and never colour with NO_COLOR set.
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error: a plain .mjs helper without types
import { aptInstall, toolWorks } from '../scripts/lib/apt.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')
const dir = mkdtempSync(join(tmpdir(), 'cwasm-tty-'))
/** An SGR sequence: what colour (or bold, dim) is written as. */
const SGR = /\x1b\[[0-9;]*m/
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * The environment of a run: colour neither forced nor refused unless `extra` says so.
 * CI and TMUX go too: Node's `hasColors()` answers from them (no colour under a
 * bare CI=true, as CI runs this suite), and these tests stand for a user's terminal.
 */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', CWASM_BACKGROUND_COMPILE: '0', ...extra }
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'CI', 'TMUX']) if (!(k in extra)) delete env[k]
  return env
}

/** Runs `argv` with stdout and stderr on pipes: not a terminal. */
function piped(argv: string[], extra?: Record<string, string>) {
  const r = spawnSync(process.execPath, argv, { cwd: dir, encoding: 'utf8', timeout: 60_000, env: envWith(extra), stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs `argv` with stdout and stderr on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(argv: string[], extra?: Record<string, string>) {
  const command = [process.execPath, ...argv].map(shellQuote).join(' ')
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: envWith(extra), stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.status, screen: r.stdout }
}

beforeAll(() => {
  // `script` is util-linux's (Debian's essential bsdutils), so it is nearly always there.
  if (!toolWorks('script', ['--version'])) aptInstall(['bsdutils'], 'script (util-linux) not found, needed to give cwasm a pseudo-terminal')
  mkdirSync(join(dir, 'src', 'sub'), { recursive: true })
  for (let i = 0; i < 4; i++) writeFileSync(join(dir, 'src', i % 2 ? 'sub' : '', `m${i}.wat`), `(module (func (export "f${i}")))`)
  writeFileSync(join(dir, 'src', 'bad.wat'), '(module (func bogus))')
  writeFileSync(join(dir, 'm.wat'), '(module (func (export "seven") (result i32) i32.const 7))')
  const script = (name: string, expected: string) =>
    writeFileSync(
      join(dir, 'spec', `${name}.json`),
      JSON.stringify({
        source_filename: `${name}.wast`,
        commands: [
          { type: 'module', line: 1, filename: '../m.wat' },
          { type: 'assert_return', line: 2, action: { type: 'invoke', field: 'seven', args: [] }, expected: [{ type: 'i32', value: expected }] },
        ],
      }),
    )
  mkdirSync(join(dir, 'spec'))
  script('a', '7')
  script('b', '7')
  script('c', '8')
  writeFileSync(join(dir, 'skips.json'), JSON.stringify({ skips: [] }))
})

describe('cwasm on a terminal', () => {
  it('compiles a directory with plain lines and no escape codes when not on a terminal', () => {
    const r = piped([cwasm, 'compile', 'src', '--out-dir', 'out-plain'])
    expect(r.code).toBe(1)
    expect(r.stdout.split('\n').filter((l) => l.startsWith('compiled '))).toHaveLength(4)
    expect(r.stdout).toMatch(/\n4 of 5 module\(s\) compiled into out-plain, 1 failed\n$/)
    expect(r.stderr).toMatch(/^error\[compile_error\]: src\/bad\.wat: /)
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/\x1b|\r/)
  })

  it('draws a progress bar in place and colours on a terminal, and prints the failure above it', () => {
    const r = onTerminal([cwasm, 'compile', 'src', '--out-dir', 'out-tty'])
    expect(r.code).toBe(1)
    // Drawn over itself (carriage return, erase line), ending full.
    expect(r.screen).toContain('\r\x1b[2Kcompile ')
    expect(r.screen).toMatch(/█+\S* 5\/5 100%/)
    // No line per module: the bar says it.
    expect(r.screen).not.toContain('compiled src/')
    expect(r.screen).toMatch(SGR)
    expect(r.screen).toMatch(/\x1b\[1m\x1b\[31merror\[compile_error\]\x1b\[39m\x1b\[22m: src\/bad\.wat/)
    expect(r.screen).toMatch(/\x1b\[31m4 of 5 module\(s\) compiled into out-tty, 1 failed\x1b\[39m/)
  })

  it('never colours with NO_COLOR set, even on a terminal (the bar is still drawn)', () => {
    const r = onTerminal([cwasm, 'compile', 'src', '--out-dir', 'out-nocolor'], { NO_COLOR: '1' })
    expect(r.code).toBe(1)
    expect(r.screen).toMatch(/█+ 5\/5 100%/)
    expect(r.screen).not.toMatch(SGR)
    expect(r.screen).toContain('error[compile_error]: src/bad.wat')
    // Nor with a terminal that has no colours.
    expect(onTerminal([cwasm, 'validate', 'nope.wasm'], { TERM: 'dumb' }).screen).not.toMatch(SGR)
  })

  it("ends a spec run off a terminal with exactly the line 'N passed, M failed', and draws a bar over the scripts on one", () => {
    const plain = piped([cwasm, 'spec', '--skips', 'skips.json', 'spec'])
    expect(plain.code).toBe(1)
    expect(plain.stdout).toMatch(/^FAIL c\.wast:2: assert_return: [^\n]*\n5 passed, 1 failed\n$/)
    expect(plain.stdout + plain.stderr).not.toMatch(/\x1b|\r/)
    const tty = onTerminal([cwasm, 'spec', '--skips', 'skips.json', 'spec'])
    expect(tty.code).toBe(1)
    expect(tty.screen).toContain('\r\x1b[2Kspec ')
    expect(tty.screen).toMatch(/\x1b\[31mFAIL\x1b\[39m c\.wast:2/)
    expect(tty.screen).toMatch(/\x1b\[31m5 passed, 1 failed\x1b\[39m\r?\n$/)
  })

  it('shows a fuzz campaign as a bar on a terminal and as progress lines otherwise', () => {
    const args = [join(root, 'scripts/fuzz.mjs'), '--cases', '20', '--batch', '10', '--jobs', '1', '--seed', '7', '--out', join(dir, 'findings')]
    const plain = piped(args)
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toMatch(/^20\/20 cases \(\d+\/s\): 0 divergences, 0 crashes/m)
    expect(plain.stdout).toMatch(/\n20 cases, 0 divergences, 0 crashes\n$/)
    expect(plain.stdout + plain.stderr).not.toMatch(/\x1b|\r/)
    const tty = onTerminal(args)
    expect(tty.code).toBe(0)
    expect(tty.screen).toMatch(/\r\x1b\[2Kfuzz .*20\/20 100%/)
    expect(tty.screen).not.toMatch(/^20\/20 cases/m)
  }, 120_000)
})

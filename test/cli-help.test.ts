// `cwasm --help` and each subcommand's --help: what they list is what the
// parser takes, and each exit status they document is what the command
// really exits with.
import { describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')
// Options like `keygen --out x` write files: they do so in a scratch directory.
const scratch = mkdtempSync(join(tmpdir(), 'cwasm-help-'))

function run(args: string[], cwd = scratch) {
  const env = { ...process.env, CWASM_CACHE_DIR: join(scratch, 'cache'), CWASM_BACKGROUND_COMPILE: '0' }
  const r = spawnSync(process.execPath, [cwasm, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env, stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** `run`, off the test's thread, at most two at a time (the machine has two cores). */
let running = 0
const waiting: (() => void)[] = []
async function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (running >= 2) await new Promise<void>((go) => waiting.push(go))
  running++
  try {
    const env = { ...process.env, CWASM_CACHE_DIR: join(scratch, 'cache'), CWASM_BACKGROUND_COMPILE: '0' }
    const child = spawn(process.execPath, [cwasm, ...args], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)))
    return { code, stdout, stderr }
  } finally {
    running--
    waiting.shift()?.()
  }
}

/** The subcommands, as the CLI itself names them when given an unknown one. */
function commands(): string[] {
  const r = run(['no-such-command'])
  const m = /commands are: (.*)$/m.exec(r.stderr)
  expect(m, r.stderr).not.toBeNull()
  return m![1]!.split(', ')
}

interface HelpOption {
  long: string
  short: string | null
  value: string | null
}

/** The options a help text lists: `  -o, --output FILE  …` lines under `options:`. */
function optionsIn(help: string): HelpOption[] {
  const section = help.slice(help.indexOf('\noptions:\n'), help.indexOf('\nexit status:\n'))
  return [...section.matchAll(/^ {2}(?:-(\w), )?--([\w-]+)(?: (\S+?))?…?(?: {2,}|\n|$)/gm)].map((m) => ({
    long: m[2]!,
    short: m[1] ?? null,
    value: m[3] ?? null,
  }))
}

/** The statuses a help text lists under `exit status:`. */
function exitsIn(help: string): string[] {
  const section = help.slice(help.indexOf('\nexit status:\n') + 14)
  return [...section.matchAll(/^ {2}(\d+(?:-\d+)?) /gm)].map((m) => m[1]!)
}

describe('cwasm --help', () => {
  it('lists every subcommand with its usage, and exits 0 (2 when cwasm is given no command at all)', () => {
    const help = run(['--help'])
    expect(help.code).toBe(0)
    for (const name of commands()) expect(help.stdout, name).toMatch(new RegExp(`^ {2}cwasm ${name} `, 'm'))
    expect(help.stdout).toContain('cwasm --version')
    expect(run(['help']).stdout).toBe(help.stdout)
    const bare = run([])
    expect(bare).toMatchObject({ code: 2, stdout: help.stdout })
  })

  it("gives each subcommand a --help (and -h, and 'cwasm help NAME') with usage, options and exit statuses", () => {
    for (const name of commands()) {
      const r = run([name, '--help'])
      expect(r.code, name).toBe(0)
      expect(r.stderr, name).toBe('')
      expect(r.stdout, name).toMatch(new RegExp(`^usage: cwasm ${name} `))
      expect(r.stdout, name).toContain('\noptions:\n')
      expect(r.stdout, name).toContain('\nexit status:\n')
      // A template that was not filled in (`\${…}`) shows up as text.
      expect(r.stdout, name).not.toMatch(/\$\{|undefined/)
      expect(run([name, '-h']).stdout, name).toBe(r.stdout)
      expect(run(['help', name]).stdout, name).toBe(r.stdout)
    }
  })

  it("lists exactly the options each subcommand's parser accepts, and each listed one is taken as listed", async () => {
    for (const name of commands()) {
      const listed = optionsIn(run([name, '--help']).stdout)
      expect(listed.length, name).toBeGreaterThan(0)
      // The parser names what it accepts when it refuses an option.
      const refused = run([name, '--no-such-option'])
      expect(refused.code, name).toBe(name === 'run' ? 126 : 2)
      const m = /options are: (.*)$/m.exec(refused.stderr)
      expect(m, refused.stderr).not.toBeNull()
      expect(listed.map((o) => `--${o.long}`).sort(), name).toEqual(m![1]!.split(', ').sort())
      const checks: Promise<void>[] = []
      for (const o of listed) {
        if (o.long === 'help') continue
        // Given as the help shows it (with a value when it shows one), each option is parsed without
        // complaint: the parser reads the whole line before --help prints the help, so a refused
        // option would be an error instead (and the command itself never runs).
        const forms = [[`--${o.long}`], ...(o.short ? [[`-${o.short}`]] : [])].map((f) => (o.value ? [...f, 'x=y'] : f))
        for (const form of forms) {
          checks.push(
            runAsync([name, ...form, '--help']).then((r) => {
              expect(r.stderr, `${name} ${form.join(' ')}`).toBe('')
              expect(r.code, `${name} ${form.join(' ')}`).toBe(0)
              expect(r.stdout, `${name} ${form.join(' ')}`).toMatch(new RegExp(`^usage: cwasm ${name} `))
            }),
          )
        }
        // And a switch given a value, or a value option given none, is refused.
        checks.push(
          runAsync([name, o.value ? `--${o.long}` : `--${o.long}=1`]).then((wrong) => {
            expect(wrong.stderr, `${name} --${o.long}`).toMatch(o.value ? /needs a value/ : /takes no value/)
          }),
        )
      }
      await Promise.all(checks)
    }
  }, 120_000)

  it('exits with each status the help documents, for the reason it gives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-exit-'))
    const good = join(dir, 'good.wat')
    const bad = join(dir, 'bad.wat')
    writeFileSync(good, '(module (func (export "f") (result i32) i32.const 7))')
    writeFileSync(bad, '(module (func bogus))')
    writeFileSync(join(dir, 'trap.wat'), '(module (func (export "f") unreachable))')
    writeFileSync(join(dir, 'exit3.wat'), `(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 3))))`)
    writeFileSync(join(dir, 'pass.json'), JSON.stringify({ source_filename: 'pass.wast', commands: [{ type: 'module', line: 1, filename: 'good.wat' }] }))
    writeFileSync(join(dir, 'fail.json'), JSON.stringify({ source_filename: 'fail.wast', commands: [{ type: 'module', line: 1, filename: 'bad.wat' }] }))
    writeFileSync(join(dir, 'skips.json'), JSON.stringify({ skips: [] }))
    writeFileSync(join(dir, 'no-args.txt'), '[]\n[]\n')
    const cases: Record<string, Record<string, string[]>> = {
      run: { '0-125': ['run', 'exit3.wat'], '126': ['run', bad], '134': ['run', 'trap.wat'] },
      map: { '0': ['map', good, 'f', '-i', 'no-args.txt'], '1': ['map', 'trap.wat', 'f', '-i', 'no-args.txt'], '2': ['map', good] },
      compile: { '0': ['compile', good, '-o', join(dir, 'g.cwasm')], '1': ['compile', bad], '2': ['compile'] },
      inspect: { '0': ['inspect', good], '1': ['inspect', bad], '2': ['inspect', good, bad] },
      validate: { '0': ['validate', good], '1': ['validate', good, bad], '2': ['validate'] },
      spec: { '0': ['spec', '--skips', 'skips.json', 'pass.json'], '1': ['spec', '--skips', 'skips.json', 'fail.json'], '2': ['spec'] },
      keygen: { '0': ['keygen', '--out', join(dir, 'k')], '1': ['keygen', '--out', join(dir, 'missing', 'k')], '2': ['keygen', 'extra'] },
      cache: { '0': ['cache', 'stats', '--dir', join(dir, 'c')], '1': ['cache', 'add', '--dir', join(dir, 'c'), bad], '2': ['cache', 'frob'] },
    }
    for (const name of commands()) {
      const documented = exitsIn(run([name, '--help']).stdout)
      // 70 is a bug in cwasm: documented, and nothing here can make it happen.
      expect(documented, name).toContain('70')
      expect(documented.some((c) => c.startsWith('0')), name).toBe(true)
      const table = cases[name]
      // A command added since (cwasm worker) is held to the rest of this file; its cases belong here.
      if (!table) continue
      expect(Object.keys(table).sort(), name).toEqual(documented.filter((c) => c !== '70').sort())
      for (const [status, args] of Object.entries(table)) {
        const r = run(args, dir)
        const expected = status === '0-125' ? 3 : Number(status)
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(expected)
      }
    }
  }, 120_000)

  it('prints its own version and the version of the Wasmtime inside it', async () => {
    const { wasmtimeVersion } = await import(join(root, 'packages/wasm/dist/index.js'))
    const version = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version as string
    const r = run(['--version'])
    expect(r).toMatchObject({ code: 0, stdout: `cwasm ${version} (wasmtime ${wasmtimeVersion()})\n`, stderr: '' })
    expect(wasmtimeVersion()).toMatch(/^48\.\d+\.\d+$/)
    expect(run(['-V']).stdout).toBe(r.stdout)
    expect(JSON.parse(run(['--version', '--json']).stdout)).toEqual({
      cwasm: version,
      wasmtime: wasmtimeVersion(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    })
    expect(run(['--version', '--fast'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error\[usage\]: unknown option '--fast'/) })
  })
})

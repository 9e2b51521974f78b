// The WASI test cases: which guest runs with which preopen, args and env, how
// its result is written down, and where its expected output lives
// (test/wasi/expected/<id>.txt, recorded from `wasmtime run` by
// record-expected.mjs). The same table drives the vitest suites, with the
// runtime under test as the runner:
//
//   const guests = await buildGuests()
//   for (const c of CASES) {
//     const { text } = await runCase(c, guests[c.guest], myRunner)
//     expect(text).toBe(readExpected(c.id))      // when c.reference is not null
//   }
//
// A runner gets { wasm, argv0, args, env, preopens, hostEnv } and resolves to
// { exitCode, stdout, stderr, trap? }, where trap is true when the run ended in
// a trap or runtime error rather than a guest exit (the runner strips its own
// error report from stderr; `exit=trap` is written instead of the exit code):
//   env      null: env not granted at all; an object: exactly these variables
//   preopens [{ guest: '.', host, readOnly }] or [] for no filesystem
//   hostEnv  variables the HOST process has that the guest must not see
//            (runCase also sets them in process.env during the run)
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GUEST_DIR, diffSnapshots, makeEscapeLinks, makeFixture, removeFixture, snapshot, startSwapper } from './fixtures.mjs'

export const EXPECTED_DIR = new URL('./expected/', import.meta.url).pathname

const exitCase = (id, args) => ({ id: `exitcode-${id}`, guest: 'exitcode', args, stderr: 'compare' })

/**
 * @typedef {object} Case
 * @property {string} id            expected file name (without .txt)
 * @property {string} guest         guest name (test/wasi/guests/<guest>.c)
 * @property {'rw'|'ro'|null} [dir] sandbox/ mounted at "." read-write, read-only, or no preopen (default null)
 * @property {string[]|((fx: any) => string[])} [args]  argv[1..]
 * @property {Record<string,string>|null} [env]  granted env (default null: none)
 * @property {Record<string,string>} [hostEnv]   set in the host's env only
 * @property {'escape'|'conformance'} kind
 * @property {'compare'|'ignore'} [stderr]       whether stderr is part of the result (default ignore)
 * @property {'text'|'count'} [stdout]           'count': only the byte count and whether all bytes were 'x'
 * @property {'links'|'swapper'} [setup]
 * @property {'wasmtime'|'wasmtime-wasi'|null} reference  'wasmtime': `wasmtime run`; 'wasmtime-wasi': the
 *   library with read-only preopens (ro-host/, since the CLI has none); null: no reference
 */

/** @type {Case[]} */
export const CASES = [
  // --- conformance: compared with what `wasmtime run` gives
  { id: 'fileio', guest: 'fileio', dir: 'rw' },
  { id: 'dirs', guest: 'dirs', dir: 'rw' },
  { id: 'readdir', guest: 'readdir', dir: 'rw' },
  { id: 'seek', guest: 'seek', dir: 'rw' },
  { id: 'stat', guest: 'stat', dir: 'rw' },
  { id: 'times', guest: 'times', dir: 'rw' },
  { id: 'errors', guest: 'errors', dir: 'rw' },
  { id: 'env', guest: 'env', env: { GREETING: 'hello world', EMPTY: '', WITH_EQ: 'a=b' } },
  { id: 'args', guest: 'args', args: ['one', 'two words', '', '--flag=x', 'ünï', '-q'] },
  { id: 'clocks', guest: 'clocks' },
  { id: 'random', guest: 'random' },
  exitCase('return0', []),
  exitCase('exit0', ['0']),
  exitCase('exit1', ['1']),
  exitCase('exit42', ['42']),
  exitCase('exit125', ['125']),
  exitCase('exit126', ['126']),
  exitCase('exit255', ['255']),
  exitCase('ret3', ['ret:3']),
  exitCase('_exit7', ['_exit:7']),
  // arguments wasmtime-wasi cannot decode trap instead of returning EINVAL
  ...['whence', 'clockid', 'advice', 'fstflags', 'oflags', 'raise'].map((m) => ({
    id: `traps-${m}`,
    guest: 'traps',
    args: [m],
    dir: m === 'oflags' ? 'rw' : null,
    stderr: 'compare',
  })),
  // --- escapes: each must be refused (exit 0, "verdict: confined"), the host untouched
  { id: 'esc_dotdot', guest: 'esc_dotdot', dir: 'rw', kind: 'escape' },
  {
    id: 'esc_abs',
    guest: 'esc_abs',
    dir: 'rw',
    kind: 'escape',
    args: (fx) => [fx.outsideFile, join(fx.root, 'abs-created.txt')],
  },
  { id: 'esc_symlink', guest: 'esc_symlink', dir: 'rw', kind: 'escape', setup: 'links' },
  { id: 'esc_toctou', guest: 'esc_toctou', dir: 'rw', kind: 'escape', setup: 'swapper' },
  // read-write: what each modifying call does when allowed (wasmtime has no read-only preopens)
  { id: 'esc_readonly-rw', guest: 'esc_readonly', dir: 'rw', kind: 'escape' },
  // read-only: wasmtime-wasi's FsPerms::ReadOnly, recorded with test/wasi/ro-host (the CLI has no --ro-dir)
  { id: 'esc_readonly', guest: 'esc_readonly', dir: 'ro', kind: 'escape', reference: 'wasmtime-wasi' },
  { id: 'esc_nopreopen', guest: 'esc_nopreopen', dir: null, kind: 'escape' },
  { id: 'esc_env', guest: 'esc_env', env: { ALLOWED: 'yes' }, hostEnv: { SECRET: 'host-secret' }, kind: 'escape' },
  { id: 'esc_env-none', guest: 'esc_env', env: null, hostEnv: { SECRET: 'host-secret' }, kind: 'escape' },
  { id: 'esc_sock', guest: 'esc_sock', dir: null, kind: 'escape' },
  { id: 'esc_sock-preopen', guest: 'esc_sock', dir: 'rw', kind: 'escape' },
  // no cap under wasmtime run: all 2 MiB arrive; a capped runtime reports the first failed write
  { id: 'esc_output', guest: 'esc_output', kind: 'escape', stdout: 'count', stderr: 'compare' },
].map((c) => ({ kind: 'conformance', dir: null, env: null, args: [], hostEnv: {}, stderr: 'ignore', stdout: 'text', reference: 'wasmtime', ...c }))

/** The expected text of a case, or null when none is recorded. */
export function readExpected(id) {
  const p = join(EXPECTED_DIR, `${id}.txt`)
  return existsSync(p) ? readFileSync(p, 'utf8') : null
}

/**
 * The text a run is compared by: `exit=N` (or `exit=trap`), then stdout (or its summary), then
 * `--- stderr` and stderr when the case compares it, then for escape cases
 * `--- host` and what changed outside the sandbox (and inside a read-only one).
 */
export function formatResult(c, { exitCode, stdout, stderr, trap = false }, hostChanges = []) {
  const text = (b) => (typeof b === 'string' ? b : Buffer.from(b ?? []).toString('utf8'))
  let out = trap ? 'exit=trap\n' : `exit=${exitCode}\n`
  const so = text(stdout)
  if (c.stdout === 'count') out += `stdout: ${Buffer.byteLength(so)} bytes, all 'x': ${/^x*$/.test(so) ? 'yes' : 'no'}\n`
  else out += so.endsWith('\n') || so === '' ? so : `${so}\n(no newline at end)\n`
  if (c.stderr === 'compare') {
    const se = text(stderr)
    out += `--- stderr\n${se.endsWith('\n') || se === '' ? se : `${se}\n`}`
  }
  if (c.kind === 'escape') {
    out += '--- host\n'
    // At most 20 lines: a runtime that lets the TOCTOU guest out creates thousands of files.
    for (const l of hostChanges.slice(0, 20)) out += `${l}\n`
    if (hostChanges.length > 20) out += `... and ${hostChanges.length - 20} more\n`
    if (!hostChanges.length) out += 'unchanged\n'
  }
  return out
}

/**
 * Run one case on a fresh fixture with `runner` and format the result.
 * @param {Case} c
 * @param {string} wasm  path of the guest's .wasm (from buildGuests)
 * @param {(req: object) => Promise<{exitCode: number, stdout: any, stderr: any}> | {exitCode: number, stdout: any, stderr: any}} runner
 * @param {{ keep?: boolean }} [opts]  keep: leave the fixture directory in place
 * @returns {Promise<{ text: string, result: object, hostChanges: string[], fixture: object, swaps?: number }>}
 */
export async function runCase(c, wasm, runner, opts = {}) {
  const fx = makeFixture(mkdtempSync(join(tmpdir(), `cwasm-wasi-${c.id}-`)))
  let swapper = null
  try {
    if (c.setup === 'links') makeEscapeLinks(fx)
    // Outside the sandbox nothing may change; inside a read-only one neither.
    const watchSandbox = c.dir === 'ro'
    const take = () => snapshot(fx.root, { skip: watchSandbox ? [] : ['sandbox'] })
    const before = take()
    if (c.setup === 'swapper') swapper = await startSwapper(fx)
    const req = {
      wasm,
      argv0: `${c.guest}.wasm`,
      args: typeof c.args === 'function' ? c.args(fx) : c.args,
      env: c.env,
      preopens: c.dir ? [{ guest: GUEST_DIR, host: fx.sandbox, readOnly: c.dir === 'ro' }] : [],
      hostEnv: c.hostEnv,
    }
    const saved = Object.fromEntries(Object.keys(c.hostEnv).map((k) => [k, process.env[k]]))
    Object.assign(process.env, c.hostEnv)
    let result
    try {
      result = await runner(req)
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
    const swaps = swapper ? await swapper.stop() : undefined
    swapper = null
    const hostChanges = c.kind === 'escape' ? diffSnapshots(before, take()) : []
    return { text: formatResult(c, result, hostChanges), result, hostChanges, fixture: fx, swaps }
  } finally {
    if (swapper) await swapper.stop()
    if (!opts.keep) removeFixture(fx)
  }
}

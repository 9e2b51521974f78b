// The host files the WASI test guests expect (test/wasi/guests/*.c), made fresh
// for every run in a temporary directory:
//
//   ROOT/outside.txt            "OUTSIDE-SECRET\n"   (beside the sandbox: must never be read)
//   ROOT/outside/file           "OUTSIDE-SECRET\n"
//   ROOT/outside/secret.txt     "OUTSIDE-SECRET\n"
//   ROOT/sandbox/               the preopen, mounted at guest path "." (GUEST_DIR)
//     hello.txt "hello\n"   ro.txt "read-only\n"   ro2.txt "2\n"   ro3.txt "3\n"
//     tree/ a.txt "a"  b.txt "bb"  link -> a.txt  sub/x.txt "x"  empty/
//     full/f.txt "f"   emptydir/   a/b/c/
//
// Escape cases add symlinks (makeEscapeLinks) or a swapper process (startSwapper).
// snapshot()/diffSnapshots() let a test check afterwards that nothing outside
// the sandbox (or, for a read-only mount, inside it) changed.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** The guest path every case mounts its sandbox at. */
export const GUEST_DIR = '.'
/** What every file outside the sandbox holds; a guest that reads it has escaped. */
export const OUTSIDE = 'OUTSIDE-SECRET\n'

/**
 * Create the fixture tree in `dir` (which should be empty, e.g. from mkdtemp).
 * @returns {{ root: string, sandbox: string, outsideFile: string, outsideDir: string }}
 */
export function makeFixture(dir) {
  const sandbox = join(dir, 'sandbox')
  const put = (rel, text) => writeFileSync(join(dir, rel), text)
  const dirs = ['outside', 'sandbox', 'sandbox/tree/sub', 'sandbox/tree/empty', 'sandbox/full', 'sandbox/emptydir', 'sandbox/a/b/c']
  for (const d of dirs) mkdirSync(join(dir, d), { recursive: true })
  put('outside.txt', OUTSIDE)
  put('outside/file', OUTSIDE)
  put('outside/secret.txt', OUTSIDE)
  put('sandbox/hello.txt', 'hello\n')
  put('sandbox/ro.txt', 'read-only\n')
  put('sandbox/ro2.txt', '2\n')
  put('sandbox/ro3.txt', '3\n')
  put('sandbox/tree/a.txt', 'a')
  put('sandbox/tree/b.txt', 'bb')
  put('sandbox/tree/sub/x.txt', 'x')
  put('sandbox/full/f.txt', 'f')
  symlinkSync('a.txt', join(sandbox, 'tree/link'))
  return { root: dir, sandbox, outsideFile: join(dir, 'outside.txt'), outsideDir: join(dir, 'outside') }
}

/** The symlinks esc_symlink.c tries to follow out of the sandbox (and two that stay inside). */
export function makeEscapeLinks(fx) {
  const links = {
    link_abs: fx.outsideFile,
    link_rel: '../outside.txt',
    link_dir: fx.outsideDir,
    link_dir_rel: '../outside',
    link_new: join(fx.outsideDir, 'new.txt'), // dangling: following it would create the file outside
    link_chain: 'link_rel',
    link_in: 'hello.txt',
    link_in_dir: 'tree',
  }
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(fx.sandbox, name))
  return links
}

// The swapper runs in its own process so that it keeps swapping while the
// runtime under test blocks its caller's thread (wasmtime run, spawnSync, or a
// synchronous rt.run).
const SWAPPER = `
const { renameSync, mkdirSync, writeFileSync, symlinkSync } = require('node:fs')
const { join } = require('node:path')
const [sandbox, outsideDir] = process.argv.slice(1)
const swap = join(sandbox, 'swap'), dir = join(sandbox, 'swap.dir'), lnk = join(sandbox, 'swap.lnk')
mkdirSync(swap)
writeFileSync(join(swap, 'file'), 'inside\\n')
symlinkSync(outsideDir, lnk)
let swaps = 0, stop = false
process.on('SIGTERM', () => { stop = true })
process.stdout.write('ready\\n')
const loop = () => {
  // "swap" is a directory here: park it, put the symlink in its place, then back.
  for (let i = 0; i < 200 && !stop; i++) {
    renameSync(swap, dir); renameSync(lnk, swap)
    renameSync(swap, lnk); renameSync(dir, swap)
    swaps += 2
  }
  if (stop) { process.stdout.write(String(swaps) + '\\n'); process.exit(0) }
  setImmediate(loop)
}
loop()
`

/**
 * Start swapping sandbox/swap between a real directory (file: "inside\n") and a
 * symlink to the outside directory (file: OUTSIDE), for esc_toctou.c.
 * Resolves once the first swap is about to happen; `stop()` ends it, leaves
 * sandbox/swap a real directory, and resolves to the number of swaps made.
 * @returns {Promise<{ stop(): Promise<number> }>}
 */
export function startSwapper(fx) {
  const child = spawn(process.execPath, ['-e', SWAPPER, fx.sandbox, fx.outsideDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8')
  const exited = new Promise((resolve) => child.on('exit', resolve))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.stdout.on('data', (d) => {
      out += d
      if (out === 'ready\n') {
        resolve({
          async stop() {
            child.kill('SIGTERM')
            await exited
            return Number(out.split('\n')[1] || 0)
          },
        })
      }
    })
    exited.then((code) => out.startsWith('ready') || reject(new Error(`swapper exited with ${code} before starting`)))
  })
}

/**
 * Every entry under `dir` as path -> description (`dir`, `link -> target`, or
 * `file <size> <sha256 prefix> mtime=<ms>`), paths relative to dir.
 * @param {string} dir
 * @param {{ skip?: string[] }} [opts]  relative paths not to descend into
 * @returns {Map<string, string>}
 */
export function snapshot(dir, { skip = [] } = {}) {
  const out = new Map()
  const walk = (p) => {
    for (const name of readdirSync(p).sort()) {
      const full = join(p, name)
      const rel = relative(dir, full)
      const st = lstatSync(full)
      if (st.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(full)}`)
      else if (st.isDirectory()) {
        out.set(rel, 'dir')
        if (!skip.includes(rel)) walk(full)
      } else {
        const hash = createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 12)
        out.set(rel, `file ${st.size} ${hash} mtime=${Math.round(st.mtimeMs)}`)
      }
    }
  }
  walk(dir)
  return out
}

/** Lines `created P`, `removed P`, `changed P` between two snapshots, sorted. */
export function diffSnapshots(before, after) {
  const lines = []
  for (const [p, d] of after) {
    if (!before.has(p)) lines.push(`created ${p} (${d.split(' ')[0]})`)
    else if (before.get(p) !== d) lines.push(`changed ${p}`)
  }
  for (const p of before.keys()) if (!after.has(p)) lines.push(`removed ${p}`)
  return lines.sort()
}

/** Remove a fixture directory (chmod-free: the guests never change modes). */
export function removeFixture(fx) {
  rmSync(fx.root, { recursive: true, force: true })
}

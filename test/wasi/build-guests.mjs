#!/usr/bin/env node
// Compile the WASI test guests (test/wasi/guests/*.c) to wasm32-wasi commands.
//
//   clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -o OUT.wasm NAME.c
//
// (Debian 12: clang-14, lld-14 for wasm-ld-14, wasi-libc for the sysroot in
// /usr/include/wasm32-wasi + /usr/lib/wasm32-wasi, libclang-rt-14-dev-wasm32 for
// libclang_rt.builtins-wasm32.a.) Outputs are cached outside the repository, in
// ~/.cache/cybernetic-wasm/guests/<sha256>.wasm, keyed by the guest's source, the
// shared headers, the flags and the compiler's version line, and reused when present.
//
// usage: node test/wasi/build-guests.mjs [--force] [--no-install] [--json] [NAME ...]
//   prints `NAME PATH` per guest (or one JSON object with --json)
// environment: CWASM_GUEST_CC (default clang-14), CWASM_GUEST_CACHE (cache dir)
//
// Missing tools are installed with `apt-get install -y` when running as root on
// a Debian-like system (scripts/lib/apt.mjs); otherwise the error names the packages.
// Also importable: buildGuests(opts) -> { NAME: PATH }, wasiImports(PATH).
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { availableParallelism, homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { aptInstall, toolWorks } from '../../scripts/lib/apt.mjs'

export const GUESTS_DIR = fileURLToPath(new URL('./guests/', import.meta.url))
export const CACHE_DIR = process.env.CWASM_GUEST_CACHE || join(homedir(), '.cache', 'cybernetic-wasm', 'guests')
export const CC = process.env.CWASM_GUEST_CC || 'clang-14'
export const SYSROOT = '/usr'
export const FLAGS = ['--target=wasm32-wasi', `--sysroot=${SYSROOT}`, '-O2', '-Wall', '-Wextra']
export const PACKAGES = ['clang-14', 'lld-14', 'wasi-libc', 'libclang-rt-14-dev-wasm32']

const log = { info: (msg) => console.error(`[build-guests] ${msg}`) }

/** What is missing for C -> wasm32-wasi, as a sentence, or null when all is there. */
function missingToolchain() {
  const missing = []
  if (!toolWorks(CC)) missing.push(`${CC} not found`)
  else {
    const rt = spawnSync(CC, ['--target=wasm32-wasi', '-print-libgcc-file-name'], { encoding: 'utf8' }).stdout?.trim()
    if (!rt || !existsSync(rt)) missing.push(`compiler-rt builtins for wasm32-wasi not found (${rt || '?'})`)
  }
  for (const f of ['include/wasm32-wasi/stdio.h', 'lib/wasm32-wasi/libc.a', 'lib/wasm32-wasi/crt1-command.o']) {
    if (!existsSync(join(SYSROOT, f))) {
      missing.push(`wasi-libc sysroot not found (${join(SYSROOT, f)})`)
      break
    }
  }
  if (missing.length) return missing.join(', ')
  // Everything seems there: a trial link finds a missing wasm-ld (lld-14) too.
  const out = join(tmpdir(), `cwasm-guest-probe-${process.pid}.wasm`)
  const r = spawnSync(CC, [...FLAGS, '-x', 'c', '-o', out, '-'], { input: 'int main(void) { return 0; }\n', encoding: 'utf8' })
  rmSync(out, { force: true })
  return r.status === 0 ? null : `${CC} cannot link a wasm32-wasi program (${(r.stderr || String(r.error)).trim().split('\n').pop()})`
}

function ensureToolchain(opts) {
  const missing = missingToolchain()
  if (!missing) return
  aptInstall(PACKAGES, `${missing} (needed to build the WASI test guests)`, { noInstall: opts.noInstall, log })
  const still = missingToolchain()
  if (still) throw new Error(`${still}, even after installing ${PACKAGES.join(' ')}`)
}

/** Guest names (file names without .c) in test/wasi/guests/. */
export function guestNames() {
  return readdirSync(GUESTS_DIR)
    .filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2))
    .sort()
}

function cacheKey(name, ccVersion) {
  const h = createHash('sha256')
  h.update(readFileSync(join(GUESTS_DIR, `${name}.c`)))
  // The shared headers are part of every guest's source.
  for (const f of readdirSync(GUESTS_DIR).filter((f) => f.endsWith('.h')).sort()) {
    h.update(`\0${f}\0`).update(readFileSync(join(GUESTS_DIR, f)))
  }
  h.update(`\0${JSON.stringify(FLAGS)}\0${ccVersion}`)
  return h.digest('hex')
}

function compile(src, out) {
  return new Promise((resolve, reject) => {
    const child = spawn(CC, [...FLAGS, '-o', out, src], { stdio: ['ignore', 'inherit', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(stderr)
      else reject(new Error(`${CC} ${src} exited with ${code}:\n${stderr}`))
    })
  })
}

/**
 * Build (or find in the cache) every guest, or only `opts.names`.
 * @param {{ names?: string[], force?: boolean, noInstall?: boolean, quiet?: boolean }} [opts]
 * @returns {Promise<Record<string, string>>} guest name -> absolute path of its .wasm
 */
export async function buildGuests(opts = {}) {
  const all = guestNames()
  const names = opts.names?.length ? opts.names : all
  for (const n of names) if (!all.includes(n)) throw new Error(`no guest ${n}.c in ${GUESTS_DIR}`)
  mkdirSync(CACHE_DIR, { recursive: true })

  // The compiler's version is part of the key, so ask it only when it exists;
  // with nothing cached and no compiler, install it first.
  let ccVersion = toolWorks(CC) ? spawnSync(CC, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : null
  const paths = {}
  const stale = []
  for (const name of names) {
    const path = ccVersion && join(CACHE_DIR, `${cacheKey(name, ccVersion)}.wasm`)
    if (path && existsSync(path) && !opts.force) paths[name] = path
    else stale.push(name)
  }
  if (stale.length) {
    ensureToolchain(opts)
    ccVersion ??= spawnSync(CC, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]
    if (!opts.quiet) log.info(`compiling ${stale.join(', ')} with ${ccVersion}`)
    const queue = [...stale]
    const errors = []
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const path = join(CACHE_DIR, `${cacheKey(name, ccVersion)}.wasm`)
        // Compile beside the final name and rename: concurrent builders (vitest
        // workers) never see a half-written file.
        const tmp = `${path}.${process.pid}.tmp`
        try {
          const warnings = await compile(join(GUESTS_DIR, `${name}.c`), tmp)
          if (warnings.trim()) process.stderr.write(warnings)
          new WebAssembly.Module(readFileSync(tmp)) // validates
          renameSync(tmp, path)
          paths[name] = path
        } catch (e) {
          rmSync(tmp, { force: true })
          errors.push(e)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(availableParallelism(), stale.length) }, worker))
    if (errors.length) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'))
  }
  return Object.fromEntries(names.map((n) => [n, paths[n]]))
}

/** The WASI function names a guest imports, sorted (non-WASI imports as `module.name`). */
export function wasiImports(wasmPath) {
  const mod = new WebAssembly.Module(readFileSync(wasmPath))
  return WebAssembly.Module.imports(mod)
    .map((i) => (i.module === 'wasi_snapshot_preview1' ? i.name : `${i.module}.${i.name}`))
    .sort()
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2)
  const opts = { names: args.filter((a) => !a.startsWith('-')) }
  for (const a of args.filter((a) => a.startsWith('-'))) {
    if (a === '--force') opts.force = true
    else if (a === '--no-install') opts.noInstall = true
    else if (a === '--json') opts.json = true
    else {
      console.error(`[build-guests] unknown option ${a}`)
      process.exit(2)
    }
  }
  try {
    const paths = await buildGuests(opts)
    if (opts.json) console.log(JSON.stringify(paths, null, 2))
    else for (const [name, path] of Object.entries(paths)) console.log(`${name} ${path}`)
  } catch (e) {
    console.error(`[build-guests] error: ${e.message}`)
    process.exit(1)
  }
}

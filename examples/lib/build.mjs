// Builds the examples' C and AssemblyScript guests from source, cached.
//
//   C:  clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -msimd128 … (wasi-libc;
//       a library of exports with -nostartfiles -Wl,--no-entry, or a WASI command)
//   AS: asc NAME.ts --runtime stub -O3 --enable simd --noAssert --use abort=
//
// Each output is cached in ~/.cache/cybernetic-wasm/examples/ (CWASM_EXAMPLES_CACHE),
// named by the SHA-256 of the source, the flags and the compiler's version, so an
// edit rebuilds and nothing else does. The C toolchain comes from Debian packages
// (clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32), installed by
// scripts/lib/apt.mjs when missing and running as root; AssemblyScript is the
// workspace's devDependency.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { aptInstall, toolWorks } from '../../scripts/lib/apt.mjs'

const CACHE = process.env.CWASM_EXAMPLES_CACHE || join(homedir(), '.cache', 'cybernetic-wasm', 'examples')
const CC = 'clang-14'
const C_PACKAGES = ['clang-14', 'lld-14', 'wasi-libc', 'libclang-rt-14-dev-wasm32']
const C_COMMON = ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-msimd128', '-Wall', '-Wextra', '-Werror', '-Wl,--strip-all']
// A library: no main, no _start; only what the source exports.
const C_LIBRARY = [...C_COMMON, '-nostartfiles', '-Wl,--no-entry']
const AS_FLAGS = ['--runtime', 'stub', '-O3', '--enable', 'simd', '--noAssert', '--use', 'abort=']

/** The path of `file` next to the module at `url` (an example's `import.meta.url`). */
export function here(url, file) {
  return join(dirname(fileURLToPath(url)), file)
}

function cached(kind, src, flags, version, build) {
  const key = createHash('sha256').update(readFileSync(src)).update(`\0${JSON.stringify(flags)}\0${version}`).digest('hex').slice(0, 32)
  const out = join(CACHE, `${kind}-${key}.wasm`)
  if (existsSync(out)) return out
  mkdirSync(CACHE, { recursive: true })
  const tmp = `${out}.${process.pid}.tmp`
  build(tmp)
  // Rename: two builds at once leave one whole file, never a torn one.
  renameSync(tmp, out)
  return out
}

let cReady = false
function ensureC() {
  if (cReady) return
  const probe = () => {
    if (!toolWorks(CC)) return `${CC} not found`
    const out = join(tmpdir(), `cwasm-example-probe-${process.pid}.wasm`)
    const r = spawnSync(CC, [...C_LIBRARY, '-x', 'c', '-o', out, '-'], { input: 'int f(void) { return 0; }\n', encoding: 'utf8' })
    return r.status === 0 ? null : `${CC} cannot build for wasm32-wasi (${(r.stderr || String(r.error)).trim().split('\n').pop()})`
  }
  const missing = probe()
  if (missing) {
    aptInstall(C_PACKAGES, `${missing} (needed to build the C example guests)`)
    const still = probe()
    if (still) throw new Error(`${still}, even after installing ${C_PACKAGES.join(' ')}`)
  }
  cReady = true
}

/**
 * Builds a C guest with wasi-libc. `command: true` makes a WASI command
 * (`main`, `_start`); otherwise a library whose exports are its
 * `__attribute__((export_name(…)))` functions. Returns the .wasm path.
 */
export function buildC(src, { command = false } = {}) {
  ensureC()
  const flags = command ? C_COMMON : C_LIBRARY
  const version = spawnSync(CC, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]
  return cached('c', src, flags, version, (out) => {
    const r = spawnSync(CC, [...flags, '-o', out, src], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${CC} ${src} failed:\n${r.stderr}`)
  })
}

/** Builds an AssemblyScript guest with the workspace's asc. Returns the .wasm path. */
export function buildAS(src) {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve('assemblyscript/package.json')
  const asc = join(dirname(pkg), 'bin', 'asc.js')
  const version = JSON.parse(readFileSync(pkg, 'utf8')).version
  return cached('as', src, AS_FLAGS, version, (out) => {
    const r = spawnSync(process.execPath, [asc, src, ...AS_FLAGS, '-o', out], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`asc ${src} failed:\n${r.stderr}${r.stdout}`)
  })
}

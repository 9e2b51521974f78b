// Builds the freestanding C guests of examples/guests/ (no libc: the
// allocate convention and the cwasm.emit import need nothing else):
//
//   clang-14 --target=wasm32 -O2 -nostdlib -Wall -Wextra -Wl,--no-entry -o OUT.wasm NAME.c
//
// Outputs are cached in ~/.cache/cybernetic-wasm/guests/c-<sha256>.wasm, keyed by
// the source, the flags and the compiler's version line. The toolchain is the
// one the WASI test guests use (test/wasi/build-guests.mjs installs it when missing).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const C_GUESTS_DIR = fileURLToPath(new URL('../../examples/guests/', import.meta.url))
const CACHE = process.env.CWASM_GUEST_CACHE || join(homedir(), '.cache', 'cybernetic-wasm', 'guests')
const CC = process.env.CWASM_GUEST_CC || 'clang-14'
const FLAGS = ['--target=wasm32', '-O2', '-nostdlib', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry']
// Guests that use wasi-libc (a WASI command with main).
const WASI_FLAGS = ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-Wall', '-Wextra', '-Werror']
const WASI = new Set(['lines'])

/** The path of examples/guests/NAME.c built to wasm (built now when not cached). */
export function cGuest(name) {
  const flags = WASI.has(name) ? WASI_FLAGS : FLAGS
  const src = join(C_GUESTS_DIR, `${name}.c`)
  const version = spawnSync(CC, ['--version'], { encoding: 'utf8' })
  if (version.status !== 0) throw new Error(`${CC} is needed to build examples/guests/${name}.c (apt-get install clang-14 lld-14)`)
  const key = createHash('sha256').update(readFileSync(src)).update(`\0${JSON.stringify(flags)}\0${version.stdout.split('\n')[0]}`).digest('hex')
  const out = join(CACHE, `c-${key}.wasm`)
  if (existsSync(out)) return out
  mkdirSync(CACHE, { recursive: true })
  const tmp = `${out}.${process.pid}.tmp`
  const r = spawnSync(CC, [...flags, '-o', tmp, src], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${CC} ${src} failed:\n${r.stderr}`)
  renameSync(tmp, out)
  return out
}

// Installing missing build tools from Debian packages, for the scripts that
// compile C to wasm (bench/build-kernels.mjs, test/wasi/build-guests.mjs).
//
// aptInstall runs `apt-get install -y PKGS` only when it can succeed without a
// person: on Linux, with apt-get present, as root. Otherwise it throws an error
// that names the packages to install by hand. A failed install is retried once
// after `apt-get update` (a fresh machine may have no package lists yet).
import { spawnSync } from 'node:child_process'

/** True when `cmd ...args` runs and exits 0 (default: `cmd --version`). */
export function toolWorks(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return !r.error && r.status === 0
}

/**
 * Install Debian packages, or throw saying how to.
 * @param {string[]} pkgs  package names
 * @param {string} why     what is missing, e.g. "clang-14 not found (needed to build …)"
 * @param {{ noInstall?: boolean, log?: { info(msg: string): void } }} [opts]
 *   noInstall: never run apt-get, only throw; log.info gets one line per command run
 */
export function aptInstall(pkgs, why, { noInstall = false, log = { info: (m) => console.error(m) } } = {}) {
  const manual = `install them with: apt-get install -y ${pkgs.join(' ')}`
  if (noInstall) throw new Error(`${why}; --no-install given, ${manual}`)
  if (process.platform !== 'linux' || !toolWorks('apt-get', ['--version'])) {
    throw new Error(`${why}; no apt-get on this system, ${manual} (or your platform's equivalent)`)
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${why}; not running as root, ${manual.replace('apt-get', 'sudo apt-get')}`)
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const install = () => {
    log.info(`${why}; running: apt-get install -y ${pkgs.join(' ')}`)
    return spawnSync('apt-get', ['install', '-y', ...pkgs], { stdio: 'inherit', env }).status === 0
  }
  if (install()) return
  log.info('apt-get install failed; running: apt-get update')
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env })
  if (!install()) throw new Error(`apt-get install -y ${pkgs.join(' ')} failed`)
}

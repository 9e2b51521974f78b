#!/usr/bin/env node
// Makes a fresh clone runnable: installs JS dependencies (pnpm 10 through
// npx), builds the native addon when its Rust sources changed, and compiles
// the TypeScript packages. Each step is skipped when already up to date, so
// `npm test` and `npm run demo` can both call it.
//
// The cargo target directory lives outside the clone
// (~/.cache/cybernetic-wasm/target unless CARGO_TARGET_DIR is set) so later
// runs on the same machine reuse the build.
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
const PNPM = 'pnpm@10.34.9'
const force = process.argv.includes('--force-build')
const log = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`)

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
  if (r.error) {
    log(`could not start ${cmd}: ${r.error.message}`)
    process.exit(1)
  }
  if (r.status !== 0) {
    log(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`)
    process.exit(r.status ?? 1)
  }
}

function hashFiles(files) {
  const h = createHash('sha256')
  for (const f of files.sort()) {
    h.update(relative(root, f))
    h.update(readFileSync(f))
  }
  return h.digest('hex')
}

function walk(dir, keep) {
  const out = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...walk(p, keep))
    else if (keep(p)) out.push(p)
  }
  return out
}

function stamp(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : ''
}

// 1. JS dependencies.
const lock = join(root, 'pnpm-lock.yaml')
const installStamp = join(root, 'node_modules', '.cwasm-install-stamp')
const lockHash = hashFiles([lock, ...['package.json', 'packages/native/package.json', 'packages/wasm/package.json', 'packages/cli/package.json'].map((f) => join(root, f))])
if (stamp(installStamp) !== lockHash) {
  log(`installing dependencies with ${PNPM}`)
  run('npx', ['--yes', PNPM, 'install', '--frozen-lockfile', '--config.confirmModulesPurge=false'], {
    env: { ...process.env, npm_config_yes: 'true' },
  })
  writeFileSync(installStamp, lockHash)
}

// 2. The files generated from the option definitions (committed; `npm test`
// checks they are up to date), before the addon and TS are built from them.
run(process.execPath, [join(root, 'scripts', 'gen-options.mjs')])

// 3. The native addon.
const cargoCheck = spawnSync('cargo', ['--version'], { encoding: 'utf8' })
const nativeDir = join(root, 'packages', 'native')
// The target list is napi.targets in packages/native/package.json (read after
// step 1 installed @napi-rs/cli, whose triple parser names the files).
const { hostTarget } = await import('./lib/targets.mjs')
let target
try {
  target = hostTarget()
} catch (e) {
  log(e.message)
  process.exit(1)
}
const addon = join(nativeDir, target.nodeFile)
const rustSources = [
  join(root, 'Cargo.toml'),
  join(root, 'Cargo.lock'),
  // The fuzz generator is a dev tool, not part of the addon.
  ...walk(join(root, 'crates'), (p) => /\.(rs|toml)$/.test(p) && !p.includes(`${join('crates', 'cwasm_fuzz')}`)),
]
const rustHash = hashFiles(rustSources)
const buildStamp = join(nativeDir, '.build-stamp')
if (force || !existsSync(addon) || stamp(buildStamp) !== rustHash) {
  if (cargoCheck.status !== 0) {
    log('cargo was not found; install Rust (rustup) to build the native addon')
    process.exit(1)
  }
  const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'cybernetic-wasm', 'target')
  log(`building the native addon (release; cargo target dir ${targetDir}); a cold build takes several minutes`)
  const t0 = Date.now()
  // Build into a scratch folder, then rename into place: a process that has
  // the old addon loaded keeps its (unlinked) file instead of seeing it
  // overwritten under it. This is the one build recipe: `npm run pack`
  // (scripts/pack.mjs) packs what it built.
  const out = join(nativeDir, '.build')
  rmSync(out, { recursive: true, force: true })
  mkdirSync(out)
  run(
    join(root, 'node_modules', '.bin', 'napi'),
    [
      'build',
      '--platform',
      '--release',
      '--target',
      target.triple,
      '--manifest-path',
      '../../crates/cwasm_binding/Cargo.toml',
      '--output-dir',
      '.build',
      '--js',
      'index.js',
      '--dts',
      'index.d.ts',
    ],
    { cwd: nativeDir, env: { ...process.env, CARGO_TARGET_DIR: targetDir } },
  )
  for (const f of readdirSync(out)) renameSync(join(out, f), join(nativeDir, f))
  rmSync(out, { recursive: true, force: true })
  run(process.execPath, [join(root, 'scripts', 'patch-native.mjs')])
  writeFileSync(buildStamp, rustHash)
  log(`native addon built in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
}

// 4. TypeScript (incremental: near-instant when nothing changed).
run(join(root, 'node_modules', '.bin', 'tsc'), ['-b'])

// 5. The runtime's modules rolled into one entry (scripts/bundle.mjs says why).
run(process.execPath, [join(root, 'scripts', 'bundle.mjs')])

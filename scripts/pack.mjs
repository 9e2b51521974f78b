#!/usr/bin/env node
// `npm run pack`: a tarball of every publishable package in dist-packs/,
// exactly what `npm publish` would upload, and nothing is published.
//
//   node scripts/pack.mjs [--artifacts DIR]
//
// - @cybernetic/wasm and @cybernetic/wasm-cli: `pnpm pack` in their folders
//   (it rewrites `workspace:` ranges to the versions).
// - @cybernetic/wasm-native: the loader and types, with one optionalDependency
//   per target in napi.targets (scripts/lib/packages.mjs says why they are
//   added here), packed from a staging copy.
// - one platform package per target, made in packages/native/npm/<name>/
//   (git-ignored): the host's from the addon scripts/bootstrap.mjs built,
//   stripped of its symbol table; another target's only when its .node is in
//   the --artifacts folder (the release pipeline's build jobs put them there).
//   A target with no binary is listed as not packed.
//
// CWASM_PACK_IGNORE=NAME[,NAME] leaves packages out (each is listed as not
// packed): for a package still half-written in a working tree; never in CI.
//
// Then every tarball is checked against its size budget; dist-packs/packs.json
// lists them for scripts/install-test.mjs. Exits 1 if a budget is exceeded, a
// tarball is missing, or a packed manifest still holds a `workspace:` range.
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { aptInstall, toolWorks } from './lib/apt.mjs'
import { budgetFor, nativePublishManifest, packsDir, platformManifest, tarEntries, tarFile, workspacePackages } from './lib/packages.mjs'
import { hostTarget, nativeDir, nativeManifest, nativeTargets, root } from './lib/targets.mjs'

const PNPM = 'pnpm@10.34.9'
const log = (msg) => process.stderr.write(`[pack] ${msg}\n`)
const argAt = process.argv.indexOf('--artifacts')
const artifacts = argAt > 0 ? resolve(process.argv[argAt + 1] ?? '') : undefined

function fail(msg) {
  log(msg)
  process.exit(1)
}

/** `pnpm pack` in `cwd` into dist-packs/; returns the tarball's path. */
function pnpmPack(cwd) {
  const r = spawnSync('npx', ['--yes', PNPM, 'pack', '--json', '--pack-destination', packsDir], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_yes: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (r.status !== 0) fail(`pnpm pack in ${relative(root, cwd) || cwd} failed:\n${r.stderr}${r.stdout}`)
  // pnpm prints its JSON after any notices; the file name is the last "filename".
  const m = [...r.stdout.matchAll(/"filename":\s*"([^"]+)"/g)].pop()
  if (!m) fail(`pnpm pack in ${cwd} printed no filename:\n${r.stdout}`)
  return resolve(cwd, m[1])
}

/** Copies the host's addon without its symbol table (7 MB less; wasm backtraces use the module's own names). */
function stripInto(src, dest) {
  if (!toolWorks('strip', ['--version'])) aptInstall(['binutils'], 'strip not found (needed to shrink the native addon for packing)')
  const r = spawnSync('strip', ['--strip-unneeded', '-o', dest, src], { encoding: 'utf8' })
  if (r.status !== 0) fail(`strip ${src} failed: ${r.stderr}`)
}

rmSync(packsDir, { recursive: true, force: true })
mkdirSync(packsDir, { recursive: true })
const manifest = nativeManifest()
const host = hostTarget(manifest)
const packed = []
const notPacked = []
const ignored = new Set((process.env.CWASM_PACK_IGNORE ?? '').split(',').filter(Boolean))

// 1. Platform packages.
rmSync(join(nativeDir, 'npm'), { recursive: true, force: true })
for (const t of nativeTargets(manifest)) {
  mkdirSync(t.npmDir, { recursive: true })
  writeFileSync(join(t.npmDir, 'package.json'), `${JSON.stringify(platformManifest(t, manifest), null, 2)}\n`)
  const dest = join(t.npmDir, t.nodeFile)
  const built = artifacts && existsSync(join(artifacts, t.nodeFile)) ? join(artifacts, t.nodeFile) : undefined
  if (built) copyFileSync(built, dest)
  else if (t.triple === host.triple) {
    const local = join(nativeDir, t.nodeFile)
    if (!existsSync(local)) fail(`${relative(root, local)} is missing; run node scripts/bootstrap.mjs first`)
    stripInto(local, dest)
  } else {
    notPacked.push(`${t.packageName} (${t.triple}: no binary here; built by the release pipeline)`)
    continue
  }
  packed.push(pnpmPack(t.npmDir))
}

// 2. The native package, from a staging copy that carries the optionalDependencies.
const stage = mkdtempSync(join(tmpdir(), 'cwasm-pack-native-'))
try {
  for (const f of manifest.files) copyFileSync(join(nativeDir, f), join(stage, f))
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(nativePublishManifest(manifest), null, 2)}\n`)
  packed.push(pnpmPack(stage))
} finally {
  rmSync(stage, { recursive: true, force: true })
}

// 3. The TypeScript packages, in place.
for (const p of workspacePackages()) {
  if (p.manifest.name === manifest.name) continue
  if (ignored.has(p.manifest.name)) {
    notPacked.push(`${p.manifest.name} (CWASM_PACK_IGNORE)`)
    continue
  }
  if (!existsSync(join(p.dir, 'dist'))) fail(`${relative(root, p.dir)}/dist is missing; run node scripts/bootstrap.mjs first`)
  packed.push(pnpmPack(p.dir))
}

// 4. Check and list.
const problems = []
const list = []
for (const file of packed) {
  const pkg = JSON.parse(tarFile(file, 'package/package.json') ?? '{}')
  const entries = tarEntries(file)
  const size = statSync(file).size
  const unpacked = entries.reduce((a, e) => a + e.size, 0)
  const budget = budgetFor(pkg.name)
  const entry = { name: pkg.name, version: pkg.version, file: relative(packsDir, file), size, unpacked, files: entries.length, budget }
  list.push(entry)
  if (!budget) problems.push(`${pkg.name} has no size budget (SIZE_BUDGETS in scripts/lib/packages.mjs)`)
  else {
    if (size > budget.packed) problems.push(`${pkg.name}: ${size} bytes packed, over its budget of ${budget.packed}`)
    if (unpacked > budget.unpacked) problems.push(`${pkg.name}: ${unpacked} bytes unpacked, over its budget of ${budget.unpacked}`)
  }
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${pkg.name}: ${field}.${dep} is still ${range}`)
    }
  }
}
writeFileSync(join(packsDir, 'packs.json'), `${JSON.stringify({ host: host.packageName, packages: list }, null, 2)}\n`)

const mb = (n) => `${(n / 2 ** 20).toFixed(2)} MiB`
for (const e of list) {
  process.stdout.write(`${e.file.padEnd(48)} ${mb(e.size).padStart(9)} packed (budget ${mb(e.budget?.packed ?? 0)}), ${mb(e.unpacked).padStart(9)} unpacked (budget ${mb(e.budget?.unpacked ?? 0)}), ${e.files} files\n`)
}
for (const n of notPacked) process.stdout.write(`not packed: ${n}\n`)
for (const p of problems) process.stdout.write(`problem: ${p}\n`)
process.stdout.write(`${list.length} tarballs in ${relative(root, packsDir)}/, ${problems.length} problems\n`)
if (readdirSync(packsDir).filter((f) => f.endsWith('.tgz')).length !== list.length) problems.push('dist-packs/ holds tarballs this run did not make')
process.exitCode = problems.length ? 1 : 0

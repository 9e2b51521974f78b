#!/usr/bin/env node
// The install stage of `npm test`: what a user gets from `npm install`.
//
// Packs every publishable package (scripts/pack.mjs, which also checks the
// size budgets), installs the tarballs with plain npm into a fresh directory
// outside the repository with no cargo or rustc on PATH, and from there runs
// the fixtures in test/install/: the seed's `process` call and a WASI command
// with a manifest through the public API, require() from CommonJS, `npx cwasm
// --version`, `tsc --noEmit` on a consumer .ts file, and the seed's call
// again with the platform package gone (the WebAssembly fallback).
//
// Our packages come only from the tarballs: the consumer depends on the
// wasm and cli tarballs, `overrides` point the packages they depend on
// (the native loader, its platform package) at theirs, and the @cybernetic
// scope's registry is an address nothing listens on, so a package of ours
// that is not in dist-packs/ cannot come from anywhere. Third-party
// dependencies come from the registry through npm's cache (prefer-offline).
//
// Prints one line per check and ends with `install: N passed, M failed`.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { packsDir } from './lib/packages.mjs'
import { hostTarget, root } from './lib/targets.mjs'

const results = []
function check(name, fn) {
  try {
    const detail = fn()
    results.push({ name, ok: true })
    process.stdout.write(`ok - ${name}${detail ? ` (${detail})` : ''}\n`)
  } catch (e) {
    results.push({ name, ok: false })
    process.stdout.write(`not ok - ${name}\n  ${String(e?.message ?? e).replace(/\n/g, '\n  ')}\n`)
  }
}
function expectEqual(actual, expected, what) {
  const a = JSON.stringify(actual)
  const b = JSON.stringify(expected)
  if (a !== b) throw new Error(`${what}: expected ${b}, got ${a}`)
}
function finish() {
  const failed = results.filter((r) => !r.ok).length
  process.stdout.write(`install: ${results.length - failed} passed, ${failed} failed\n`)
  process.exitCode = failed ? 1 : 0
}

// A PATH without cargo or rustc: the directories of PATH that hold neither,
// plus a folder of our own with node, npm and npx in it (they may share a
// directory with cargo on some machines).
function pathWithoutRust(dir) {
  const bin = join(dir, '.bin-no-rust')
  mkdirSync(bin)
  const which = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim()
  for (const cmd of ['node', 'npm', 'npx']) {
    const p = cmd === 'node' ? process.execPath : which(cmd)
    if (p) symlinkSync(p, join(bin, cmd))
  }
  const keep = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !['cargo', 'rustc', 'rustup'].some((c) => existsSync(join(d, c))))
  return [bin, ...keep].join(delimiter)
}

const t0 = Date.now()
const pack = spawnSync(process.execPath, [join(root, 'scripts', 'pack.mjs')], { encoding: 'utf8' })
process.stdout.write(pack.stdout)
check('npm run pack writes every tarball within its size budget', () => {
  if (pack.status !== 0) throw new Error(`scripts/pack.mjs exited ${pack.status}:\n${pack.stderr}`)
  return /(\d+) tarballs/.exec(pack.stdout)?.[0]
})
if (pack.status !== 0) {
  finish()
  process.exit()
}
const packs = JSON.parse(readFileSync(join(packsDir, 'packs.json'), 'utf8'))
const tarball = (name) => {
  const p = packs.packages.find((x) => x.name === name)
  if (!p) throw new Error(`${name} was not packed`)
  return join(packsDir, p.file)
}
const host = hostTarget()

const dir = mkdtempSync(join(tmpdir(), 'cwasm-install-'))
try {
  const env = { ...process.env, PATH: pathWithoutRust(dir), CI: 'true' }
  // Not the settings the outer `npm test` exported, except where its cache and registry are.
  const keepNpm = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'])
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) && !keepNpm.has(k.toLowerCase())) delete env[k]
  check('cargo and rustc are not on the PATH of the install', () => {
    for (const cmd of ['cargo', 'rustc']) {
      const r = spawnSync(cmd, ['--version'], { env, stdio: 'ignore' })
      if (!r.error) throw new Error(`${cmd} still runs`)
    }
  })

  const fixtures = join(root, 'test', 'install')
  cpSync(fixtures, dir, { recursive: true })
  cpSync(join(root, 'examples', 'compute.wasm'), join(dir, 'compute.wasm'))
  // What a user installs: the API and the CLI. Every other package of ours
  // (the native loader, its platform package, what the CLI depends on) is
  // pointed at its tarball by `overrides`, so npm reaches it through the
  // dependency edges the published manifests declare.
  const fileOf = (name) => `file:${tarball(name)}`
  const direct = Object.fromEntries(['@cybernetic/wasm', '@cybernetic/wasm-cli'].map((n) => [n, fileOf(n)]))
  const overrides = Object.fromEntries(packs.packages.map((p) => [p.name, fileOf(p.name)]))
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'cwasm-install-test', private: true, type: 'module', dependencies: direct, overrides }, null, 2)}\n`,
  )
  writeFileSync(
    join(dir, '.npmrc'),
    ['@cybernetic:registry=http://127.0.0.1:9/', 'fetch-retries=0', 'prefer-offline=true', 'audit=false', 'fund=false', 'update-notifier=false', 'progress=false', ''].join('\n'),
  )

  const run = (cmd, args) => spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 })
  const install = run('npm', ['install'])
  check('npm install of the tarballs succeeds without a Rust toolchain', () => {
    if (install.status !== 0) throw new Error(`npm install exited ${install.status}:\n${install.stderr.split('\n').slice(0, 8).join('\n')}`)
    return install.stdout.trim().split('\n').pop()
  })

  const installed = install.status === 0
  const needInstall = () => {
    if (!installed) throw new Error('not checked: npm install failed')
  }
  const lock = existsSync(join(dir, 'package-lock.json')) ? JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) : { packages: {} }
  check('every @cybernetic package came from a dist-packs tarball', () => {
    needInstall()
    const ours = Object.entries(lock.packages).filter(([p]) => p.includes('node_modules/@cybernetic/'))
    const names = ours.map(([p]) => p.replace(/^.*node_modules\//, ''))
    for (const want of ['@cybernetic/wasm', '@cybernetic/wasm-cli', '@cybernetic/wasm-native', host.packageName]) {
      if (!names.includes(want)) throw new Error(`${want} is not installed (installed: ${names.join(', ')})`)
    }
    for (const [p, info] of ours) {
      if (!String(info.resolved).startsWith('file:') || !String(info.resolved).includes('dist-packs/')) throw new Error(`${p} resolved from ${info.resolved}`)
      if (info.hasInstallScript) throw new Error(`${p} has an install script`)
    }
    return names.sort().join(', ')
  })
  check(`${host.packageName} was installed as @cybernetic/wasm-native's optional dependency`, () => {
    needInstall()
    const info = lock.packages[`node_modules/${host.packageName}`]
    if (!info?.optional) throw new Error(`not installed as an optional dependency: ${JSON.stringify(info)}`)
    const native = JSON.parse(readFileSync(join(dir, 'node_modules', '@cybernetic', 'wasm-native', 'package.json'), 'utf8'))
    if (native.optionalDependencies?.[host.packageName] !== native.version) throw new Error(`@cybernetic/wasm-native's optionalDependencies: ${JSON.stringify(native.optionalDependencies)}`)
    const stray = readdirSync(join(dir, 'node_modules', '@cybernetic', 'wasm-native')).filter((f) => f.endsWith('.node'))
    if (stray.length) throw new Error(`@cybernetic/wasm-native itself ships ${stray.join(', ')}`)
  })

  const consumer = run(process.execPath, ['consumer.mjs'])
  let seen = {}
  try {
    seen = JSON.parse(consumer.stdout.trim().split('\n').pop() ?? '{}')
  } catch {}
  const tail = (text) => text.trim().split('\n').slice(-12).join('\n')
  const consumerFailed = () => {
    needInstall()
    if (consumer.status !== 0) throw new Error(`consumer.mjs exited ${consumer.status}:\n${tail(consumer.stderr + consumer.stdout)}`)
  }
  check("the seed's process(21) returns 42 through createRuntime, loadModule and call", () => {
    consumerFailed()
    expectEqual(seen.process21, 42, 'process(21)')
  })
  check('a WASI command with a manifest runs in the sandbox and writes its argument', () => {
    consumerFailed()
    expectEqual(seen.echo, { exitCode: 0, stdout: 'hello-from-the-tarballs' }, 'run result')
  })
  check('a manifest asking for a capability the policy denies is refused with CapabilityError', () => {
    consumerFailed()
    expectEqual(seen.clocks, { code: 'capability_denied', manifestKey: 'capabilities.clocks' }, 'refusal')
  })
  check(`the addon loaded is the one in ${host.packageName}`, () => {
    consumerFailed()
    expectEqual(seen.addons, [join(dir, 'node_modules', host.packageName, host.nodeFile)], 'loaded .node files')
  })

  // A platform without a prebuilt binary: npm skips the optional platform
  // package, so it is moved away for this one check and put back after.
  const platformDir = join(dir, 'node_modules', host.packageName)
  const movedDir = join(dir, 'platform-package-moved-away')
  let fallback = null
  if (installed && existsSync(platformDir)) {
    renameSync(platformDir, movedDir)
    try {
      fallback = run(process.execPath, ['consumer-fallback.mjs', host.packageName])
    } finally {
      renameSync(movedDir, platformDir)
    }
  }
  check('without the platform package, the seed call runs on the WebAssembly fallback, which names the missing package and refuses fuel', () => {
    needInstall()
    if (!fallback) throw new Error(`${host.packageName} was not in node_modules`)
    if (fallback.status !== 0) throw new Error(`consumer-fallback.mjs exited ${fallback.status}:\n${tail(fallback.stderr + fallback.stdout)}`)
    const got = JSON.parse(fallback.stdout.trim().split('\n').pop() ?? '{}')
    expectEqual(
      got,
      { backend: 'webassembly', fuel: false, reasonNamesPackage: true, process21: 42, fuelRefusal: { code: 'unsupported', feature: 'fuel' } },
      'fallback run',
    )
  })

  const cjs = run(process.execPath, ['consumer.cjs'])
  check('require() from CommonJS loads @cybernetic/wasm (require(esm))', () => {
    needInstall()
    if (!process.features.require_module) return `skipped: Node ${process.version} has no require(esm)`
    if (cjs.status !== 0) throw new Error(`consumer.cjs exited ${cjs.status}:\n${tail(cjs.stderr)}`)
    expectEqual(JSON.parse(cjs.stdout.trim()), { createRuntime: 'function' }, 'require result')
  })

  // `--no`: never fetch cwasm from the registry (and never prompt); `--`: the
  // flags after it are cwasm's, not npx's.
  const version = run('npx', ['--no', '--', 'cwasm', '--version'])
  check('npx cwasm --version runs and prints the CLI version', () => {
    needInstall()
    if (version.status !== 0) throw new Error(`exited ${version.status}:\n${tail(version.stderr)}`)
    const cli = JSON.parse(readFileSync(join(dir, 'node_modules', '@cybernetic', 'wasm-cli', 'package.json'), 'utf8'))
    if (!version.stdout.includes(cli.version)) throw new Error(`printed ${JSON.stringify(version.stdout)}, not ${cli.version}`)
    return version.stdout.trim().split('\n')[0]
  })

  // The workspace's TypeScript, but every import resolves from the install:
  // the consumer's own node_modules, and @types/node as a user has it.
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // Our .d.ts files are checked too (a consumer with skipLibCheck off sees their errors).
          skipLibCheck: false,
          // No DOM lib: the published types must not need it (Node's own globals only).
          lib: ['ES2022'],
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['consumer.ts'],
      },
      null,
      2,
    )}\n`,
  )
  const tsc = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--traceResolution'])
  check('tsc --noEmit on a consumer .ts file resolves the published types', () => {
    needInstall()
    const errors = tsc.stdout.split('\n').filter((l) => /error TS\d+/.test(l))
    if (tsc.status !== 0) throw new Error(`tsc exited ${tsc.status}:\n${errors.join('\n') || tsc.stderr}`)
    const resolved = /'@cybernetic\/wasm' was successfully resolved to '([^']+)'/.exec(tsc.stdout)?.[1]
    if (!resolved?.startsWith(join(dir, 'node_modules', '@cybernetic', 'wasm', 'dist'))) throw new Error(`@cybernetic/wasm resolved to ${resolved}`)
    return `${resolved.slice(dir.length + 1)}`
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
process.stdout.write(`(${((Date.now() - t0) / 1000).toFixed(1)} s)\n`)
finish()

import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import * as api from '@cybernetic/wasm'
import { nativeManifest, nativeTargets, root } from '../scripts/lib/targets.mjs'
import { budgetFor, nativePublishManifest, platformManifest, workspacePackages } from '../scripts/lib/packages.mjs'

const pkg = (p: string) => JSON.parse(readFileSync(new URL(`../packages/${p}/package.json`, import.meta.url), 'utf8'))

// The prebuilt binaries: one package per platform, chosen by npm from os/cpu/libc.
const TARGETS = [
  'x86_64-unknown-linux-gnu',
  'aarch64-unknown-linux-gnu',
  'x86_64-unknown-linux-musl',
  'aarch64-unknown-linux-musl',
  'x86_64-apple-darwin',
  'aarch64-apple-darwin',
  'x86_64-pc-windows-msvc',
]

describe('package shape', () => {
  it('exposes one ESM entry with types for @cybernetic/wasm, loadable by require(esm) too', () => {
    const p = pkg('wasm')
    expect(p.type).toBe('module')
    // `default`, not `import`: Node's require(esm) (20.19+, 22.12+) matches it; see docs/packaging.md.
    expect(p.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/bundle/index.js' })
    expect(p.main).toBe('./dist/bundle/index.js')
    // The bundle runs; tsc's per-file modules are only the bundle's input, and the types.
    expect(p.files).toEqual(['dist/**/*.d.ts', 'dist/bundle/*.js'])
  })

  it('bundles the entry and the worker thread onto one shared chunk, so both threads see one set of classes', () => {
    const dir = new URL('../packages/wasm/dist/bundle/', import.meta.url)
    const local = (f: string) =>
      [...readFileSync(new URL(f, dir), 'utf8').matchAll(/^(?:import|export)\b[^;]*?from\s*"(\.[^"]+)"/gm)].map((m) => m[1])
    const entry = local('index.js')
    expect(entry).toHaveLength(1)
    expect(entry[0]).toMatch(/^\.\/runtime-[\w-]+\.js$/)
    expect(local('worker.js')).toEqual(entry)
    // The chunk imports nothing of ours: three files are the whole runtime.
    expect(local(entry[0]!)).toEqual([])
  })

  it('exports from the bundle exactly what the TypeScript entry exports', async () => {
    const unbundled = await import('../packages/wasm/dist/index.js')
    expect(Object.keys(api).sort()).toEqual(Object.keys(unbundled).sort())
  })

  it('gives every published package a version, license, files, exports and engines', () => {
    const published = workspacePackages()
    expect(published.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(['@cybernetic/wasm', '@cybernetic/wasm-cli', '@cybernetic/wasm-native']))
    for (const { manifest: m } of published) {
      expect(m.version, m.name).toMatch(/^\d+\.\d+\.\d+/)
      expect(m.license, m.name).toBe('Apache-2.0')
      expect(Array.isArray(m.files) && m.files.length > 0, m.name).toBe(true)
      expect(m.exports?.['./package.json'], m.name).toBe('./package.json')
      expect(m.engines?.node, m.name).toBe('>=20.17')
      expect(budgetFor(m.name), `${m.name} has a size budget`).toBeDefined()
    }
  })

  it('lists the native targets once, in napi.targets, with libc stated by the triple', () => {
    const p = pkg('native')
    expect(p.napi.targets).toEqual(TARGETS)
    // One build recipe (scripts/bootstrap.mjs); the publish-time dependencies are derived, not written.
    expect(p.scripts).toBeUndefined()
    expect(p.optionalDependencies).toBeUndefined()
    expect(p.files).toEqual(['index.js', 'index.d.ts'])
    expect(p.exports['.']).toEqual({ types: './index.d.ts', default: './index.js' })
  })

  it('writes no target triple by hand anywhere else in the repository', () => {
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n')
    const code = tracked.filter((f) => /\.(m?[jt]s|json|ya?ml)$/.test(f) && !f.startsWith('crates/'))
    // The list itself, the loader napi generates (every platform it knows), this test, and the lockfile.
    const allowed = new Set(['packages/native/package.json', 'packages/native/index.js', 'test/package-shape.test.ts', 'pnpm-lock.yaml'])
    const triple = /(x86_64|aarch64)-(unknown|apple|pc)-|\b(linux|darwin|win32)-(x64|arm64)\b/
    const offenders = code.filter((f) => !allowed.has(f) && !f.startsWith('dist-packs/') && triple.test(safeRead(`${root}/${f}`)))
    expect(offenders).toEqual([])
  })

  it('publishes the native package with one optional dependency per target, at its own version', () => {
    const m = nativeManifest()
    const published = nativePublishManifest(m)
    expect(published.optionalDependencies).toEqual(Object.fromEntries(TARGETS.map((t, i) => [nativeTargets(m)[i]!.packageName, m.version])))
    expect(Object.keys(published.optionalDependencies)).toContain('@cybernetic/wasm-native-linux-x64-gnu')
    expect(Object.keys(published.optionalDependencies)).toContain('@cybernetic/wasm-native-win32-x64-msvc')
  })

  it('gives each platform package the os, cpu and libc npm installs it by, and the file the loader requires', () => {
    const byName = Object.fromEntries(nativeTargets().map((t) => [t.platformArchABI, platformManifest(t)]))
    expect(Object.keys(byName)).toEqual(['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc'])
    expect(byName['linux-x64-gnu']).toMatchObject({
      name: '@cybernetic/wasm-native-linux-x64-gnu',
      version: '0.1.0',
      os: ['linux'],
      cpu: ['x64'],
      libc: ['glibc'],
      main: 'cwasm.linux-x64-gnu.node',
      files: ['cwasm.linux-x64-gnu.node'],
      exports: { '.': './cwasm.linux-x64-gnu.node', './package.json': './package.json' },
    })
    expect(byName['linux-arm64-musl']).toMatchObject({ os: ['linux'], cpu: ['arm64'], libc: ['musl'] })
    expect(byName['darwin-arm64']!.libc).toBeUndefined()
    expect(byName['win32-x64-msvc']).toMatchObject({ os: ['win32'], cpu: ['x64'], main: 'cwasm.win32-x64-msvc.node' })
    // The generated loader asks for exactly these names.
    const loader = readFileSync(new URL('../packages/native/index.js', import.meta.url), 'utf8')
    for (const [abi, m] of Object.entries(byName)) {
      expect(loader, abi).toContain(`require('${m.name}')`)
      expect(loader, abi).toContain(`require('./${m.main}')`)
    }
  })

  it('ships the cwasm binary from the CLI package', () => {
    expect(pkg('cli').bin).toEqual({ cwasm: './bin/cwasm.js' })
  })

  it('exports the documented public names from the published entry', () => {
    for (const name of ['createRuntime', 'Runtime', 'Engine', 'Store', 'Module', 'Instance', 'Func', 'Memory', 'Table', 'Global',
      'precompile', 'loadArtifact', 'WasmError', 'CompileError', 'LinkError', 'TrapError', 'HostFunctionError',
      'FuelExhaustedError', 'TimeoutError', 'CancelledError', 'MemoryLimitError', 'ArtifactError', 'InvalidArgumentError', 'TRAP_CODES']) {
      expect(api, name).toHaveProperty(name)
    }
  })

  it('loads piscina and smol-toml only when first needed, not when the package is imported (they are ~50 ms of every process start)', () => {
    // No module of the published entry imports them statically...
    const dist = new URL('../packages/wasm/dist/', import.meta.url)
    const files = execFileSync('find', [dist.pathname, '-name', '*.js'], { encoding: 'utf8' }).trim().split('\n')
    expect(files.length).toBeGreaterThan(20)
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      expect(text, f).not.toMatch(/^\s*import\b[^;]*?from\s*['"](piscina|smol-toml)['"]/m)
      expect(text, f).not.toMatch(/^\s*import\s*['"](piscina|smol-toml)['"]/m)
    }
    // ...and a process sees them in the require cache only once it uses them.
    const out = execFileSync(process.execPath, [new URL('./fixtures/lazy-deps.mjs', import.meta.url).pathname], { cwd: root, encoding: 'utf8' })
    const seen = JSON.parse(out.trim().split('\n').pop()!)
    expect(seen.atImport).toEqual([])
    expect(seen.afterManifest).toEqual(['smol-toml'])
  })

  it('labels the generated native loader and types as generated', () => {
    for (const f of ['index.js', 'index.d.ts']) {
      const text = readFileSync(new URL(`../packages/native/${f}`, import.meta.url), 'utf8')
      expect(text.split('\n')[0]).toMatch(/auto-generated .* DO NOT EDIT/)
    }
  })
})

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return '' // listed but deleted in the working tree
  }
}

// The native targets, read from the one place they are written: `napi.targets`
// in packages/native/package.json (Rust triples, so libc is stated: -gnu or
// -musl). The build (scripts/bootstrap.mjs), the Rust test stages
// (scripts/test.mjs) and packing (scripts/pack.mjs) all derive from it; the
// names come from @napi-rs/cli's own parser, so they are the ones the
// generated loader (packages/native/index.js) asks for.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseTriple } from '@napi-rs/cli'

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '')
export const nativeDir = join(root, 'packages', 'native')

/** packages/native/package.json, parsed. */
export function nativeManifest() {
  return JSON.parse(readFileSync(join(nativeDir, 'package.json'), 'utf8'))
}

/**
 * @typedef {object} NativeTarget
 * @property {string} triple           Rust target triple, as written in napi.targets
 * @property {string} platformArchABI  napi's name for it: platform-arch[-abi]
 * @property {string} platform         process.platform it runs on
 * @property {string} arch             process.arch it runs on
 * @property {string | null} abi       gnu, musl, msvc, or null (darwin)
 * @property {string} packageName      its npm package: <napi.packageName>-<platformArchABI>
 * @property {string} nodeFile         the addon's file name: <napi.binaryName>.<platformArchABI>.node
 * @property {string} npmDir           packages/native/npm/<platformArchABI> (made by scripts/pack.mjs)
 */

/** @returns {NativeTarget[]} every declared target, in the declared order */
export function nativeTargets(manifest = nativeManifest()) {
  const { binaryName, packageName, targets } = manifest.napi
  return targets.map((triple) => {
    const t = parseTriple(triple)
    return {
      ...t,
      packageName: `${packageName}-${t.platformArchABI}`,
      nodeFile: `${binaryName}.${t.platformArchABI}.node`,
      npmDir: join(nativeDir, 'npm', t.platformArchABI),
    }
  })
}

/** The C library this Node runs on: 'gnu', 'musl', 'msvc' or null (other systems). */
function hostAbi() {
  if (process.platform === 'win32') return 'msvc'
  if (process.platform !== 'linux') return null
  // The same test as the loader's fallback: glibc reports its version, musl does not.
  return process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl'
}

/**
 * The declared target this machine builds and loads.
 * @throws {Error} when no declared target matches the host (say which to add)
 */
export function hostTarget(manifest = nativeManifest()) {
  const abi = hostAbi()
  const t = nativeTargets(manifest).find((x) => x.platform === process.platform && x.arch === process.arch && x.abi === abi)
  if (!t) {
    const host = [process.platform, process.arch, abi].filter(Boolean).join('-')
    throw new Error(`no target in packages/native/package.json napi.targets runs on this host (${host}); add its Rust triple there to build here`)
  }
  return t
}

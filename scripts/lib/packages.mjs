// What gets published, and in what shape: the workspace packages that are not
// private, the manifest each platform package of the native addon gets, the
// manifest the native package is published with (its optionalDependencies,
// one per declared target), and a size budget for every tarball. Used by
// scripts/pack.mjs (`npm run pack`), scripts/install-test.mjs (the install
// stage of `npm test`) and test/package-shape.test.ts.
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { root, nativeManifest, nativeTargets } from './targets.mjs'

export const packsDir = join(root, 'dist-packs')

const MiB = 1 << 20
/**
 * Most each tarball may weigh, packed (the .tgz) and unpacked (the sum of its
 * files), in bytes. Measured 2026-12-03: this machine's addon (Linux, x64, glibc) is 21.0 MB
 * stripped (28.1 MB as cargo leaves it) and packs to 6.9 MB; the TS packages
 * are well under 1 MB. A package without a budget fails the check, so a new
 * package gets one.
 */
export const SIZE_BUDGETS = {
  '@cybernetic/wasm': { packed: 0.5 * MiB, unpacked: 2 * MiB },
  '@cybernetic/wasm-cli': { packed: 0.25 * MiB, unpacked: 1 * MiB },
  '@cybernetic/wasm-native': { packed: 0.1 * MiB, unpacked: 0.25 * MiB },
  '@cybernetic/wasm-queue': { packed: 0.25 * MiB, unpacked: 1 * MiB },
  // Each platform's addon. The other triples are built by the release
  // pipeline; the same budget holds for them.
  '@cybernetic/wasm-native-*': { packed: 8 * MiB, unpacked: 24 * MiB },
}

/** The budget for a package name (a platform package matches the `-*` entry), or undefined. */
export function budgetFor(name) {
  if (SIZE_BUDGETS[name]) return SIZE_BUDGETS[name]
  const wild = Object.keys(SIZE_BUDGETS).find((k) => k.endsWith('-*') && name.startsWith(k.slice(0, -1)))
  return wild ? SIZE_BUDGETS[wild] : undefined
}

/** The workspace packages that are published: every packages/<dir>/package.json not marked private. */
export function workspacePackages() {
  const dir = join(root, 'packages')
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'package.json')))
    .map((d) => ({ dir: join(dir, d), manifest: JSON.parse(readFileSync(join(dir, d, 'package.json'), 'utf8')) }))
    .filter((p) => !p.manifest.private)
}

/**
 * The manifest @cybernetic/wasm-native is published with: the committed one
 * plus one optional dependency per declared target, at the same version
 * (npm installs only the one whose os/cpu/libc match; the generated loader
 * requires it). They are not in the committed manifest because these
 * packages exist only in dist-packs/ and on the registry after a release:
 * the workspace install would otherwise look them up on the registry.
 */
export function nativePublishManifest(manifest = nativeManifest()) {
  const optionalDependencies = Object.fromEntries(nativeTargets(manifest).map((t) => [t.packageName, manifest.version]))
  return { ...manifest, optionalDependencies }
}

const LIBC = { gnu: 'glibc', musl: 'musl' }

/**
 * The manifest of one platform package, packages/native/npm/<platformArchABI>:
 * the addon alone, installable only where it loads.
 */
export function platformManifest(target, manifest = nativeManifest()) {
  return {
    name: target.packageName,
    version: manifest.version,
    description: `The ${target.triple} binary of ${manifest.name}. Installed by it; not for direct use.`,
    license: manifest.license,
    os: [target.platform],
    cpu: [target.arch],
    ...(LIBC[target.abi] ? { libc: [LIBC[target.abi]] } : {}),
    main: target.nodeFile,
    exports: { '.': `./${target.nodeFile}`, './package.json': './package.json' },
    files: [target.nodeFile],
    engines: manifest.engines,
  }
}

/** Walks a .tgz (npm's tarball format: gzip over ustar), yielding each regular file. */
function* tarWalk(tgzPath) {
  const tar = gunzipSync(readFileSync(tgzPath))
  let off = 0
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512)
    if (header.every((b) => b === 0)) break
    const str = (at, n) => header.subarray(at, at + n).toString('latin1').replace(/\0.*$/s, '')
    const size = parseInt(str(124, 12).trim() || '0', 8)
    const prefix = str(345, 155)
    const path = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100)
    const type = str(156, 1)
    const start = off + 512
    if (type === '0' || type === '') yield { path, size, data: () => tar.subarray(start, start + size) }
    off += 512 + Math.ceil(size / 512) * 512
  }
}

/**
 * The files of a .tgz, with their sizes.
 * @returns {{ path: string, size: number }[]}
 */
export function tarEntries(tgzPath) {
  return [...tarWalk(tgzPath)].map(({ path, size }) => ({ path, size }))
}

/** One file of a .tgz as text (e.g. 'package/package.json'), or undefined. */
export function tarFile(tgzPath, wanted) {
  for (const e of tarWalk(tgzPath)) if (e.path === wanted) return e.data().toString('utf8')
  return undefined
}

// AOT artifacts are signed with a key (HMAC-SHA256) and verified by the addon
// before anything is deserialized. The key is, in order: the caller's
// `artifactKey` option, the CWASM_ARTIFACT_KEY environment variable, or a
// random per-user key kept in the cache directory.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { binding } from './binding.js'
import type { Engine } from './engine.js'
import { Module } from '../loader/module.js'
import { native } from '../errors.js'

/**
 * The directory for the artifact key and cache: `$XDG_CACHE_HOME/cybernetic-wasm` or `~/.cache/cybernetic-wasm`.
 *
 * @example
 * ```ts
 * cacheDir() // '/home/me/.cache/cybernetic-wasm'
 * ```
 */
export function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache')
  return join(base, 'cybernetic-wasm')
}

/**
 * Bytes of the key that signs and verifies artifacts: `explicit` if given,
 * else `$CWASM_ARTIFACT_KEY`, else a random per-user key made once in
 * {@link cacheDir} (mode 0600).
 *
 * @example
 * ```ts
 * const key = artifactKey(process.env.BUILD_SIGNING_KEY) // the same key at build time and at run time
 * ```
 */
export function artifactKey(explicit?: string | Uint8Array): Uint8Array {
  if (explicit !== undefined) return typeof explicit === 'string' ? Buffer.from(explicit, 'utf8') : explicit
  const env = process.env['CWASM_ARTIFACT_KEY']
  if (env) return Buffer.from(env, 'utf8')
  const dir = cacheDir()
  const file = join(dir, 'artifact.key')
  try {
    return readFileSync(file)
  } catch {
    mkdirSync(dir, { recursive: true })
    const key = randomBytes(32)
    try {
      // `wx`: if another process made the key first, use theirs.
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' })
      return key
    } catch {
      return readFileSync(file)
    }
  }
}

/**
 * Compiles wasm bytes or WAT ahead of time into a signed artifact (`.cwasm`).
 *
 * @example
 * ```ts
 * writeFileSync('plugin.cwasm', precompile(Engine.shared(), readFileSync('plugin.wasm'), key))
 * ```
 * @throws {@linkcode CompileError} when the module is invalid.
 */
export function precompile(engine: Engine, source: Uint8Array | string, key?: string | Uint8Array): Uint8Array {
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source
  return native(() => binding.BindingModule.precompile(engine.binding, bytes, artifactKey(key)))
}

/**
 * Verifies an artifact, then loads it. Nothing is deserialized unless the
 * header matches this engine and the signature checks out.
 *
 * @example
 * ```ts
 * const mod = loadArtifact(Engine.shared(), readFileSync('plugin.cwasm'), key)
 * ```
 * @throws {@linkcode ArtifactError} when the artifact is refused.
 */
export function loadArtifact(engine: Engine, artifact: Uint8Array, key?: string | Uint8Array, file: string | null = null): Module {
  const b = native(() => binding.BindingModule.loadArtifact(engine.binding, artifact, artifactKey(key)))
  return new Module(engine, b, file)
}

/**
 * Whether bytes look like an artifact (by their magic); says nothing of
 * whether it verifies.
 *
 * @example
 * ```ts
 * isArtifact(readFileSync('plugin.cwasm')) // true
 * ```
 */
export function isArtifact(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).toString('latin1') === 'CWASMAOT'
}

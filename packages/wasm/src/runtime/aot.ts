// AOT artifacts (`.cwasm`) and their keys. An artifact is signed either with
// a local secret key (a keyed BLAKE3 MAC: the disk cache and local use) or
// with an Ed25519 private key (build machines: a server verifies with the
// public key and cannot forge). The addon verifies the header and signature
// before anything is deserialized.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { binding } from './binding.js'
import { Engine } from './engine.js'
import { Module } from '../loader/module.js'
import { InvalidArgumentError, native } from '../errors.js'
import { checkBytes, checkInstance, checkOptionsObject, checkSource } from '../options/arguments.js'

/**
 * The directory for the artifact key and cache: `$XDG_CACHE_HOME/cybernetic-wasm` or `~/.cache/cybernetic-wasm`.
 *
 * @throws never
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
 * Bytes of the local key that signs and verifies artifacts made on this
 * machine: `explicit` if given, else `$CWASM_ARTIFACT_KEY`, else a random
 * per-user key made once in {@link cacheDir} (mode 0600).
 *
 * @throws never: a key that cannot be read or written is made again in memory for this process (artifacts then verify only in it)
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
    mkdirSync(dir, { recursive: true, mode: 0o700 })
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

/** An Ed25519 key: PEM text, a `KeyObject`, or its raw 32 bytes. */
export type Ed25519Key = string | Uint8Array | KeyObject

function raw(jwkPart: string | undefined, what: string): Uint8Array {
  if (!jwkPart) throw new InvalidArgumentError(`${what} is not an Ed25519 key`)
  return new Uint8Array(Buffer.from(jwkPart, 'base64url'))
}

/**
 * The raw 32-byte Ed25519 private key (seed) of a key in any accepted form.
 * @throws {@linkcode InvalidArgumentError} when it is not an Ed25519 private key.
 * @internal
 */
export function signingKeyBytes(key: Ed25519Key): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new InvalidArgumentError(`a raw Ed25519 private key is 32 bytes, got ${key.length}`, 'signKey')
    return key
  }
  try {
    const k = typeof key === 'string' ? createPrivateKey(key) : key
    if (k.asymmetricKeyType !== 'ed25519' || k.type !== 'private') throw new Error(`a ${k.asymmetricKeyType} ${k.type} key`)
    return raw(k.export({ format: 'jwk' }).d, 'the signing key')
  } catch (e) {
    throw new InvalidArgumentError(`the signing key must be an Ed25519 private key (PEM from \`cwasm keygen\`): ${(e as Error).message}`, 'signKey', { cause: e })
  }
}

/**
 * The raw 32-byte Ed25519 public key of a key in any accepted form (a
 * private key gives its public key).
 * @throws {@linkcode InvalidArgumentError} when it is not an Ed25519 key.
 * @example
 * ```ts
 * publicKeyBytes(readFileSync('build.pub', 'utf8')).length // 32
 * ```
 */
export function publicKeyBytes(key: Ed25519Key): Uint8Array {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new InvalidArgumentError(`a raw Ed25519 public key is 32 bytes, got ${key.length}`, 'trustedKeys')
    return key
  }
  try {
    const k = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key
    if (k.asymmetricKeyType !== 'ed25519') throw new Error(`a ${k.asymmetricKeyType} key`)
    return raw(k.export({ format: 'jwk' }).x, 'the trusted key')
  } catch (e) {
    throw new InvalidArgumentError(`a trusted key must be an Ed25519 public key (PEM from \`cwasm keygen\`): ${(e as Error).message}`, 'trustedKeys', { cause: e })
  }
}

/** An Ed25519 key pair as PEM text, from {@link generateSigningKeys}. */
export interface SigningKeys {
  /** The private key (PKCS#8 PEM): keep it on the build machine. */
  privateKey: string
  /** The public key (SPKI PEM): give it to runtimes as a trusted key. */
  publicKey: string
  /** The public key's raw bytes in hex, as `cwasm inspect` shows a signer. */
  publicKeyHex: string
}

/**
 * Makes a new Ed25519 key pair for signing artifacts.
 *
 * @throws {@linkcode InvalidArgumentError} only if Node hands back a key that is not Ed25519, which it does not: the check is shared with {@link publicKeyBytes}
 * @example
 * ```ts
 * const { privateKey, publicKey } = generateSigningKeys()
 * const art = precompile(engine, wasm, undefined, { signKey: privateKey })
 * loadArtifact(engine, art, undefined, null, { trustedKeys: [publicKey] })
 * ```
 */
export function generateSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeyHex: Buffer.from(publicKeyBytes(publicKey)).toString('hex'),
  }
}

/** Options of {@link precompile}. */
export interface PrecompileOptions {
  /**
   * Sign with this Ed25519 private key instead of the local key, so that runtimes holding only its
   * public key (`trustedKeys`) can verify the artifact and none can forge one.
   * @default undefined (the local key)
   */
  signKey?: Ed25519Key
}

/**
 * Compiles wasm bytes or WAT ahead of time into a signed artifact (`.cwasm`).
 *
 * @example
 * ```ts
 * writeFileSync('plugin.cwasm', precompile(Engine.shared(), readFileSync('plugin.wasm'), key))
 * ```
 * @throws {@linkcode CompileError} when the module is invalid; {@linkcode InvalidArgumentError} for a bad key.
 */
export function precompile(engine: Engine, source: Uint8Array | string, key?: string | Uint8Array, options: PrecompileOptions = {}): Uint8Array {
  checkSource(source, 'precompile(source)')
  checkOptionsObject(options, 'precompile(options)')
  const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source
  const seed = options.signKey === undefined ? undefined : signingKeyBytes(options.signKey)
  return native(() => binding.BindingModule.precompile(engine.binding, bytes, artifactKey(key), seed))
}

/** Options of {@link loadArtifact}. */
export interface LoadArtifactOptions {
  /**
   * Ed25519 public keys whose signatures are accepted. When given, only artifacts signed by one of
   * them load; artifacts signed with the local key are refused.
   * @default undefined (only the local key)
   */
  trustedKeys?: readonly Ed25519Key[]
}

/** What the addon's verifier takes: the local key, or none when only trusted keys count. @internal */
export function verifierArgs(key: string | Uint8Array | undefined, trustedKeys: readonly Ed25519Key[] | undefined): [Uint8Array | undefined, Uint8Array[]] {
  if (trustedKeys === undefined) return [artifactKey(key), []]
  return [undefined, trustedKeys.map(publicKeyBytes)]
}

/**
 * Verifies an artifact, then loads it. Nothing is deserialized unless the
 * header matches this engine and the signature checks out.
 *
 * @throws {@linkcode InvalidArgumentError} when an argument is malformed (the message names it)
 * @example
 * ```ts
 * const mod = loadArtifact(Engine.shared(), readFileSync('plugin.cwasm'), key)
 * ```
 * @throws {@linkcode ArtifactError} when the artifact is refused (`problem` says why: `incompatible_engine`
 * names the settings that differ; `untrusted_key`, `bad_signature`, `wrong_version`, `not_an_artifact`).
 */
export function loadArtifact(
  engine: Engine,
  artifact: Uint8Array,
  key?: string | Uint8Array,
  file: string | null = null,
  options: LoadArtifactOptions = {},
): Module {
  checkInstance(engine, Engine, 'loadArtifact(engine)')
  checkBytes(artifact, 'loadArtifact(artifact)')
  checkOptionsObject(options, 'loadArtifact(options)')
  const [local, trusted] = verifierArgs(key, options.trustedKeys)
  const b = native(() => binding.BindingModule.loadArtifact(engine.binding, artifact, local, trusted))
  return new Module(engine, b, file)
}

/**
 * {@link loadArtifact} on the artifact in the file at `path`, read by the
 * addon itself: on Linux its code is copied once, by the kernel, into a
 * sealed memory file that is verified and then mapped (see the core crate's
 * `aot/file.rs`), instead of being read into a Buffer and copied again.
 * @internal
 */
export function loadArtifactFile(engine: Engine, path: string, key?: string | Uint8Array, options: LoadArtifactOptions = {}): Module {
  const [local, trusted] = verifierArgs(key, options.trustedKeys)
  const b = native(() => binding.BindingModule.loadArtifactFile(engine.binding, path, local, trusted))
  return new Module(engine, b, path)
}

/**
 * Whether bytes look like an artifact (by their magic); says nothing of
 * whether it verifies.
 *
 * @throws {@linkcode InvalidArgumentError} when `bytes` is not a Uint8Array or its buffer is detached
 * @example
 * ```ts
 * isArtifact(readFileSync('plugin.cwasm')) // true
 * ```
 */
export function isArtifact(bytes: Uint8Array): boolean {
  checkBytes(bytes, 'isArtifact(bytes)')
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).toString('latin1') === 'CWASMAOT'
}

/** What an artifact's header says (read, not verified). */
export interface ArtifactHeader {
  /** Format version. */
  version: number
  /** The Wasmtime version, weave version and each engine setting it was built with (`engine.fuel`, …). */
  meta: Record<string, string>
  /** SHA-256 (hex) of the module's wasm binary. */
  wasmSha256: string
  /** Size of the compiled code in bytes. */
  payloadBytes: number
  /** `mac` (a local key) or `ed25519`. */
  signature: 'mac' | 'ed25519'
  /** The signer's Ed25519 public key in hex, or the local key's id. */
  keyId: string
}

/**
 * Reads an artifact's header without verifying or loading it.
 * @throws {@linkcode ArtifactError} when the bytes are not an artifact of this format.
 * @example
 * ```ts
 * readArtifactHeader(readFileSync('plugin.cwasm')).meta['engine.fuel'] // 'false'
 * ```
 */
export function readArtifactHeader(bytes: Uint8Array): ArtifactHeader {
  const h = native(() => binding.inspectArtifactHeader(bytes))
  return {
    version: h.version,
    meta: Object.fromEntries(h.meta.map((m) => [m.key, m.value])),
    wasmSha256: h.wasmSha256,
    payloadBytes: h.payloadLen,
    signature: h.signature as 'mac' | 'ed25519',
    keyId: h.keyId,
  }
}

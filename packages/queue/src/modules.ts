/**
 * Modules by content hash: a job names its module by the sha256 of its
 * bytes; the bytes are stored once in Redis under that name, and a worker
 * checks them against it before compiling anything.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Redis } from 'ioredis'
import { InvalidArgumentError, isArtifact, Module, Plugin, QueueError, Watched, type Target } from '@cybernetic/wasm'
import type { Keys } from './connection.js'

/** The default bound on a module's size in Redis: 64 MiB (Redis allows up to 512 MB per value). */
export const DEFAULT_MAX_MODULE_SIZE = 64 * 1024 * 1024

/** What a job runs: the module's bytes, their hash, and the manifest text of a plugin. @internal */
export interface ModuleRef {
  hash: string
  bytes: Uint8Array
  manifest: string | null
}

/** Hex sha256. @internal */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** What {@link QueueExecutor} calls take as a module. */
export type QueueTarget = Target | Uint8Array | string

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d]

async function readModuleFile(file: string, path: string): Promise<Uint8Array> {
  try {
    return await readFile(file)
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the module file ${file}: ${(e as Error).message}`, path, { cause: e })
  }
}

/**
 * The bytes and hash a target travels as. A path or bytes go as they are
 * (wasm or WAT); a loaded {@link Module} by its file, which must still hold
 * the bytes it was compiled from; a {@link Plugin} by its module's file and
 * its manifest's text.
 * @throws {@linkcode InvalidArgumentError} for a module with no file, a changed file, an artifact;
 * {@linkcode QueueError} `module_too_large` past `maxSize`
 * @internal
 */
export async function resolveTarget(target: QueueTarget, maxSize: number): Promise<ModuleRef> {
  const t = target instanceof Watched ? (target.current as Module | Plugin) : target
  let bytes: Uint8Array
  let manifest: string | null = null
  if (t instanceof Uint8Array) bytes = t
  else if (typeof t === 'string') {
    if (t === '') throw new InvalidArgumentError('the module path is empty', 'module')
    bytes = await readModuleFile(t, 'module')
  } else if (t instanceof Module || t instanceof Plugin) {
    const mod = t instanceof Plugin ? t.module : t
    if (mod.file === null) {
      throw new InvalidArgumentError('this Module was compiled from bytes in memory, which it does not keep: pass the bytes (or the file) to the queue instead', 'module')
    }
    bytes = await readModuleFile(mod.file, 'module')
    const binary = WASM_MAGIC.every((b, i) => bytes[i] === b)
    if (binary && sha256(bytes) !== mod.hash) {
      throw new InvalidArgumentError(`${mod.file} changed since the Module was loaded from it: load it again, or pass the bytes`, 'module')
    }
    if (t instanceof Plugin) {
      if (t.manifest.file === null) throw new InvalidArgumentError('this Plugin has no manifest file to send; pass the module and the manifest text (options.manifest)', 'module')
      manifest = await readFile(t.manifest.file, 'utf8')
    }
  } else {
    throw new InvalidArgumentError('the module must be bytes, a file path, a Module, a Plugin or a Watched one', 'module')
  }
  if (isArtifact(bytes)) {
    throw new InvalidArgumentError('a .cwasm artifact is compiled for one engine and signed by one key: send the .wasm (workers compile it once and keep it in their disk cache)', 'module')
  }
  if (bytes.byteLength > maxSize) {
    throw new QueueError(`the module is ${bytes.byteLength} bytes, more than maxModuleSize (${maxSize} bytes); raise maxModuleSize (at most 512 MB, Redis's bound on one value)`, 'module_too_large')
  }
  return { hash: sha256(bytes), bytes, manifest }
}

/** Module bytes in Redis, each stored once under its hash. @internal */
export class ModuleStore {
  #redis: Redis
  #keys: Keys
  #maxSize: number
  #stored = new Set<string>()

  constructor(redis: Redis, keys: Keys, maxSize: number) {
    this.#redis = redis
    this.#keys = keys
    this.#maxSize = maxSize
  }

  /** Stores the bytes unless they are there already (a producer sends each module once). */
  async put(ref: ModuleRef): Promise<void> {
    if (this.#stored.has(ref.hash)) return
    await this.#redis.set(this.#keys.module(ref.hash), Buffer.from(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength), 'NX')
    this.#stored.add(ref.hash)
  }

  /**
   * The bytes stored under `hash`, checked against it.
   * @throws {@linkcode QueueError} `module_missing`, `module_too_large` (the worker's own bound), `hash_mismatch`
   */
  async get(hash: string): Promise<Uint8Array> {
    const key = this.#keys.module(hash)
    const size = await this.#redis.strlen(key)
    if (size > this.#maxSize) {
      throw new QueueError(`the module ${hash} is ${size} bytes, more than this worker's maxModuleSize (${this.#maxSize} bytes)`, 'module_too_large')
    }
    const bytes = await this.#redis.getBuffer(key)
    if (bytes === null) throw new QueueError(`the module ${hash} is not in Redis (removed, or the job was written by hand)`, 'module_missing')
    const actual = sha256(bytes)
    if (actual !== hash) {
      throw new QueueError(`the bytes stored as module ${hash} hash to ${actual}: refused, nothing was compiled`, 'hash_mismatch')
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
}

import { open, readFile } from 'node:fs/promises'
import type { Engine } from '../runtime/engine.js'
import { isArtifact, loadArtifact, loadArtifactFile, type Ed25519Key } from '../runtime/aot.js'
import type { ModuleCache } from '../runtime/cache.js'
import { Module } from './module.js'
import { InvalidArgumentError } from '../errors.js'

/** Options of {@link loadModuleFile}. */
export interface LoadOptions {
  /**
   * Reuse compiled code process-wide.
   * @default true
   */
  cache?: boolean
  /**
   * The on-disk cache to look in and fill (with `cache` on).
   * @default null (none)
   */
  diskCache?: ModuleCache | null
  /**
   * Key that verifies `.cwasm` artifacts signed locally.
   * @default the per-user key (see {@link artifactKey})
   */
  artifactKey?: string | Uint8Array
  /**
   * Ed25519 public keys that `.cwasm` artifacts must be signed by; when given, locally signed
   * artifacts are refused.
   * @default undefined
   */
  trustedKeys?: readonly Ed25519Key[]
}

/** Reads a module file, or passes bytes through. @internal */
export async function readSource(source: string | Uint8Array): Promise<{ bytes: Uint8Array; file: string | null }> {
  if (typeof source === 'string') {
    try {
      return { bytes: await readFile(source), file: source }
    } catch (e) {
      // A string is a path here; WAT text passed by mistake would make a baffling ENAMETOOLONG or ENOENT.
      if (/^\s*\(/.test(source)) {
        const head = source.trim().slice(0, 40)
        throw new InvalidArgumentError(
          `a module source string is a file path, and '${head}${source.trim().length > 40 ? '…' : ''}' looks like WAT text: pass it as bytes (Buffer.from(text)) or compile it with Module.compile`,
          'source',
          { cause: e },
        )
      }
      throw new InvalidArgumentError(`cannot read the module file ${source}: ${(e as Error).message}`, 'source', { cause: e })
    }
  }
  if (source instanceof Uint8Array) return { bytes: source, file: null }
  throw new InvalidArgumentError('a module source must be a file path or a Uint8Array', 'source')
}

/**
 * Loads a module from a file or bytes: `.wasm` binary, `.wat` text, or a
 * signed `.cwasm` artifact, recognised by content, not by extension.
 * Compilation runs off the main thread.
 *
 * @example
 * ```ts
 * const mod = await loadModuleFile(Engine.shared(), 'plugin.cwasm', { artifactKey: key })
 * ```
 * @throws {@linkcode CompileError}, {@linkcode ArtifactError}, or
 * {@linkcode InvalidArgumentError} when the file cannot be read.
 */
export async function loadModuleFile(engine: Engine, source: string | Uint8Array, options: LoadOptions = {}): Promise<Module> {
  if (typeof source === 'string' && (await isArtifactFile(source))) {
    return loadArtifactFile(engine, source, options.artifactKey, options.trustedKeys ? { trustedKeys: options.trustedKeys } : {})
  }
  const { bytes, file } = await readSource(source)
  return loadBytes(engine, bytes, file, options)
}

/** Whether the file starts with an artifact's magic (false when it cannot be read: readSource then says why). */
async function isArtifactFile(path: string): Promise<boolean> {
  let handle
  try {
    handle = await open(path, 'r')
    const head = new Uint8Array(8)
    const { bytesRead } = await handle.read(head, 0, 8, 0)
    return bytesRead === 8 && isArtifact(head)
  } catch {
    return false
  } finally {
    await handle?.close()
  }
}

/** {@link loadModuleFile} on bytes already read. @internal */
export async function loadBytes(engine: Engine, bytes: Uint8Array, file: string | null, options: LoadOptions = {}): Promise<Module> {
  if (isArtifact(bytes)) {
    return loadArtifact(engine, bytes, options.artifactKey, file, options.trustedKeys ? { trustedKeys: options.trustedKeys } : {})
  }
  const cache = options.cache ?? true
  if (cache && options.diskCache) return (await options.diskCache.load(engine, bytes, file)).module
  return Module.compileAsync(engine, bytes, { cache, file })
}

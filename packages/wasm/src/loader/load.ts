import { readFile } from 'node:fs/promises'
import type { Engine } from '../runtime/engine.js'
import { isArtifact, loadArtifact } from '../runtime/aot.js'
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
   * Key that verifies `.cwasm` artifacts.
   * @default the per-user key (see {@link artifactKey})
   */
  artifactKey?: string | Uint8Array
}

/**
 * Loads a module from a file or bytes: `.wasm` binary, `.wat` text, or a
 * signed `.cwasm` artifact, recognised by content, not by extension.
 *
 * @example
 * ```ts
 * const mod = await loadModuleFile(Engine.shared(), 'plugin.cwasm', { artifactKey: key })
 * ```
 * @throws {@linkcode CompileError}, {@linkcode ArtifactError}, or
 * {@linkcode InvalidArgumentError} when the file cannot be read.
 */
export async function loadModuleFile(engine: Engine, source: string | Uint8Array, options: LoadOptions = {}): Promise<Module> {
  let bytes: Uint8Array
  let file: string | null = null
  if (typeof source === 'string') {
    file = source
    try {
      bytes = await readFile(source)
    } catch (e) {
      throw new InvalidArgumentError(`cannot read the module file ${source}: ${(e as Error).message}`, null, { cause: e })
    }
  } else if (source instanceof Uint8Array) {
    bytes = source
  } else {
    throw new InvalidArgumentError('a module source must be a file path or a Uint8Array')
  }
  if (isArtifact(bytes)) return loadArtifact(engine, bytes, options.artifactKey, file)
  return Module.compile(engine, bytes, { cache: options.cache ?? true, file })
}

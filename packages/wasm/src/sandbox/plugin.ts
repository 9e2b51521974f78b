/**
 * Plugins: a module bound to the sandbox its manifest asks for, met with
 * the host's policy.
 *
 * @module
 */
import { readdirSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import type { Module } from '../loader/module.js'
import { InvalidArgumentError, MemoryLimitError } from '../errors.js'
import { readManifest, type Manifest } from './manifest.js'
import { intersect, type EffectiveSandbox, type SandboxPolicy } from './policy.js'
import { checkMadeHere, checkName, checkOptionsObject, isObject } from '../options/arguments.js'

/** Options of {@link Runtime.loadPlugin}. */
export interface LoadPluginOptions {
  /**
   * The most the host allows. The plugin's sandbox is this met with its
   * manifest; a manifest asking for more is refused with {@link CapabilityError}.
   * @default {} (stdio to the host, args and a memory; nothing else)
   */
  policy?: SandboxPolicy
}

/** File names tried, in order, when {@link Runtime.loadPlugin} is given a directory. */
export const MANIFEST_NAMES = ['manifest.toml', 'cwasm.toml', 'manifest.json'] as const

const MODULE_EXTENSIONS = new Set(['.wasm', '.cwasm', '.wat'])

/**
 * A module bound to its effective sandbox. Run it with
 * {@link Runtime.run} (commands) or call its exports with
 * {@link Runtime.call} (reactors: `_initialize` runs first); each run or
 * call gets its own store and memory, under the sandbox's limits.
 *
 * @example
 * ```ts
 * const plugin = await rt.loadPlugin('plugins/resize', { policy: { filesystem: { read: ['plugins'] } } })
 * const { exitCode, stdout } = await rt.run(plugin, { args: ['in.png'] })
 * ```
 */
export class Plugin {
  /** The manifest as read. */
  readonly manifest: Manifest
  /** The compiled module (for the plugin's engine: its stack and fuel limits are engine settings). */
  readonly module: Module
  /** What the plugin may do: its manifest met with the host policy. */
  readonly sandbox: EffectiveSandbox
  #live = 0

  /** @internal */
  constructor(manifest: Manifest, module: Module, sandbox: EffectiveSandbox) {
    checkMadeHere(isObject(manifest) && isObject(module) && isObject(sandbox), 'Plugin', 'plugins come from rt.loadPlugin(dir) and rt.watchPlugin(dir)')
    this.manifest = manifest
    this.module = module
    this.sandbox = sandbox
  }

  /** `module.name` of the manifest. */
  get name(): string {
    return this.manifest.module.name
  }

  /** `module.version` of the manifest, if set. */
  get version(): string | null {
    return this.manifest.module.version
  }

  /** The export {@link Runtime.call} calls when given no name: `module.entry`, if set. */
  get entry(): string | null {
    return this.manifest.module.entry
  }

  /** How many runs and calls of this plugin are live now. */
  get live(): number {
    return this.#live
  }

  /**
   * Counts one more live instance; the returned function releases it.
   * @throws {@linkcode MemoryLimitError} past `limits.instances`.
   * @internal
   */
  acquire(): () => void {
    const max = this.sandbox.limits.instances
    if (max !== undefined && this.#live >= max) {
      throw new MemoryLimitError(
        `the plugin ${this.name} already has ${this.#live} live instance(s), its limit (limits.instances = ${max}); wait for one to finish or raise the limit`,
      )
    }
    this.#live++
    let released = false
    return () => {
      if (!released) {
        released = true
        this.#live--
      }
    }
  }
}

/**
 * Finds the manifest for `source` (a manifest file, or a directory holding
 * one of {@link MANIFEST_NAMES}) and the module file it names (`module.file`,
 * else the only `.wasm`/`.cwasm`/`.wat` beside it).
 * @throws {@linkcode InvalidArgumentError} when either cannot be found.
 * @internal
 */
export function locatePlugin(source: string): string {
  let isDir = false
  try {
    isDir = statSync(source).isDirectory()
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the plugin ${source}: ${(e as Error).message}`, 'source', { cause: e })
  }
  if (!isDir) return source
  for (const name of MANIFEST_NAMES) {
    const p = join(source, name)
    try {
      if (statSync(p).isFile()) return p
    } catch {
      // try the next name
    }
  }
  throw new InvalidArgumentError(`the plugin directory ${source} holds no manifest; looked for ${MANIFEST_NAMES.join(', ')}`, 'source')
}

/** The module file of a manifest. @internal */
export function moduleFileOf(manifest: Manifest): string {
  if (manifest.module.file !== null) return manifest.module.file
  const candidates = readdirSync(manifest.dir).filter((f) => MODULE_EXTENSIONS.has(extname(f).toLowerCase()))
  if (candidates.length === 1) return join(manifest.dir, candidates[0]!)
  const where = manifest.file ? basename(manifest.file) : 'the manifest'
  throw new InvalidArgumentError(
    candidates.length === 0
      ? `${where} names no module.file and ${manifest.dir} holds no .wasm, .cwasm or .wat file`
      : `${where} names no module.file and ${manifest.dir} holds several modules (${candidates.join(', ')}); set module.file`,
    'module.file',
  )
}

/** Reads a plugin's manifest and meets it with the policy. @internal */
export async function readPlugin(source: string, options: LoadPluginOptions): Promise<{ manifest: Manifest; sandbox: EffectiveSandbox; file: string }> {
  checkName(source, 'rt.loadPlugin(source)')
  checkOptionsObject(options, 'rt.loadPlugin(options)')
  const path = locatePlugin(source)
  const policy = options.policy ?? {}
  const manifest = await readManifest(path, policy.root !== undefined ? { root: policy.root } : {})
  const sandbox = intersect(manifest, policy)
  return { manifest, sandbox, file: moduleFileOf(manifest) }
}


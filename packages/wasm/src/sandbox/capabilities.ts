/**
 * Which capability each WASI import needs (the table lives in the addon, one
 * list for its per-call checks and for these load-time checks), and the
 * load-time check itself: strict mode refuses a module importing what its
 * sandbox does not grant, listing each import and the manifest key that
 * would grant it.
 *
 * @module
 */
import { binding } from '../runtime/binding.js'
import type { Module } from '../loader/module.js'
import { CapabilityError, type RefusedImport } from '../errors.js'

/** The import module name of WASI preview 1. */
export const WASI_MODULE = 'wasi_snapshot_preview1'

/** A capability group of WASI functions. */
export type WasiCapability = 'fs-read' | 'fs-write' | 'env' | 'args' | 'clock' | 'random' | 'proc' | 'poll' | 'sockets'

/** One WASI preview 1 function and how the sandbox judges it. */
export interface WasiFunctionInfo {
  /** Import name, e.g. `path_open`. */
  name: string
  /** The capability it needs. */
  capability: WasiCapability
  /**
   * `always`: never refused (args, proc); `capability`: refused at load in strict mode when not granted,
   * stubbed with `ERRNO_NOTCAPABLE` in permissive mode; `descriptor`: judged per call by the descriptor
   * (stdio by the stdio grant, files by the preopen they came from), never refused at load.
   */
  judged: 'always' | 'capability' | 'descriptor'
}

let table: ReadonlyMap<string, WasiFunctionInfo> | undefined

/**
 * Every WASI preview 1 function with its capability.
 *
 * @throws never
 * @example
 * ```ts
 * wasiFunctions().find((f) => f.name === 'environ_get') // { name: 'environ_get', capability: 'env', judged: 'capability' }
 * ```
 */
export function wasiFunctions(): WasiFunctionInfo[] {
  return [...functionTable().values()]
}

function functionTable(): ReadonlyMap<string, WasiFunctionInfo> {
  table ??= new Map(binding.wasiFunctions().map((f) => [f.name, f as WasiFunctionInfo]))
  return table
}

/** The manifest key that grants each capability (`null`: nothing can). */
export const GRANT_KEYS: Readonly<Record<WasiCapability, string | null>> = Object.freeze({
  'fs-read': 'capabilities.filesystem.read',
  'fs-write': 'capabilities.filesystem.write',
  env: 'capabilities.env',
  args: 'capabilities.args',
  clock: 'capabilities.clocks',
  random: 'capabilities.random',
  proc: null,
  poll: 'capabilities.clocks',
  sockets: null,
})

/** What a sandbox grants, as far as the load-time check needs it. */
export interface Grants {
  /** Read access through some preopen. */
  fsRead: boolean
  /** Write access through some preopen. */
  fsWrite: boolean
  /** An environment. */
  env: boolean
  /** Clocks (and `poll_oneoff`). */
  clocks: boolean
  /** `random_get`. */
  random: boolean
  /** Host-function namespaces it may import; `null`: any (no sandbox around host imports). */
  imports: readonly string[] | null
  /** May the module have a linear memory. */
  memory: boolean
}

function granted(c: WasiCapability, g: Grants): boolean {
  switch (c) {
    case 'fs-read':
      return g.fsRead
    case 'fs-write':
      return g.fsWrite
    case 'env':
      return g.env
    case 'clock':
    case 'poll':
      return g.clocks
    case 'random':
      return g.random
    case 'args':
    case 'proc':
      return true
    case 'sockets':
      return false
  }
}

/**
 * The imports of `module` its sandbox does not grant. WASI functions judged
 * by capability count only in strict mode (permissive mode stubs them);
 * host-function namespaces outside `grants.imports` and a memory when
 * memory is not granted count in both modes, since neither can be stubbed.
 * @internal
 */
export function refusedImports(module: Module, grants: Grants, mode: 'strict' | 'permissive'): RefusedImport[] {
  const refused: RefusedImport[] = []
  const functions = functionTable()
  for (const imp of module.imports) {
    if (imp.module === WASI_MODULE) {
      const f = functions.get(imp.name)
      // Unknown names are left to linking, which reports them as missing.
      if (!f || f.judged !== 'capability' || mode !== 'strict' || granted(f.capability, grants)) continue
      refused.push({ module: imp.module, name: imp.name, capability: f.capability, grantKey: GRANT_KEYS[f.capability] ?? 'capabilities.network (cannot be granted)' })
    } else if (imp.type.kind === 'memory' && !grants.memory) {
      refused.push({ module: imp.module, name: imp.name, capability: 'memory', grantKey: 'capabilities.memory' })
    } else if (grants.imports !== null && !grants.imports.includes(imp.module)) {
      refused.push({ module: imp.module, name: imp.name, capability: 'import', grantKey: 'capabilities.imports' })
    }
  }
  if (!grants.memory && module.binding.definedMemories > 0) {
    refused.push({ module: '', name: '(its own memory)', capability: 'memory', grantKey: 'capabilities.memory' })
  }
  return refused
}

/**
 * Throws when {@link refusedImports} finds anything.
 * @throws {@linkcode CapabilityError} listing every refused import and the key that would grant it.
 * @internal
 */
export function checkImports(module: Module, grants: Grants, mode: 'strict' | 'permissive', label: string): void {
  const refused = refusedImports(module, grants, mode)
  if (refused.length === 0) return
  const list = refused.map((r) => `${r.module ? `${r.module}::` : ''}${r.name} (${r.capability}; granted by ${r.grantKey})`).join(', ')
  throw new CapabilityError(`${label} imports what its sandbox does not grant: ${list}`, {
    manifestKey: refused[0]!.grantKey,
    imports: refused,
  })
}

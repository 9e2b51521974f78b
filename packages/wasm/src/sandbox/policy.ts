/**
 * The host's side of the sandbox: a {@link SandboxPolicy} says the most a
 * plugin may have, and {@link intersect} meets it with what a {@link Manifest}
 * asks for. Deny by default: `{}` allows only stdio to the host, args and a
 * memory. Asking for more than the policy allows is a {@link CapabilityError}
 * naming both keys; nothing is silently dropped, except that a stdio stream
 * the manifest leaves at its default is narrowed to what the policy allows.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { CapabilityError, InvalidArgumentError, ManifestError } from '../errors.js'
import { validateSandboxPolicy } from '../options/validate.js'
import { parseDocument, type Manifest, type ManifestLimits, type Mount, type StdioGrant } from './manifest.js'
import { isInside, realResolve } from './paths.js'
import { LIMIT_FILE_KEYS, type FilesystemPolicy, type SandboxPolicy } from '../options/options.generated.js'

export type { FilesystemPolicy, SandboxPolicy }

/** One directory the guest sees. */
export interface Preopen {
  /** The path the guest opens it by. */
  guest: string
  /** The host directory, absolute, symbolic links resolved. */
  host: string
  /** `true` for a manifest `read` mount, `false` for a `write` mount (read-write). */
  readOnly: boolean
}

/** What a plugin gets: the host policy met with its manifest. */
export interface EffectiveSandbox {
  /** Directories to preopen; write mounts are read-write. */
  preopens: Preopen[]
  /** The environment (`value: null`: what the host passes at run time), or `null` when env is not granted. */
  env: { name: string; value: string | null }[] | null
  /** `true`: the host may pass args; a list: fixed args after argv[0]; `false`: none. */
  args: boolean | string[]
  /** Standard input. */
  stdin: StdioGrant
  /** Standard output. */
  stdout: StdioGrant
  /** Standard error. */
  stderr: StdioGrant
  /** Clocks granted. */
  clocks: boolean
  /** `random_get` granted. */
  random: boolean
  /** Host-function namespaces the plugin may import. */
  imports: string[]
  /** May the module have a linear memory. */
  memory: boolean
  /** Threads granted: always `false` for now (a manifest asking for them is refused). */
  threading: boolean
  /** The manifest's limits, and the policy's where the manifest sets none. */
  limits: ManifestLimits
  /** How imports the sandbox does not grant are handled. */
  mode: 'strict' | 'permissive'
}

/**
 * Checks a host policy: unknown keys and wrong types are refused.
 *
 * @param policy - the policy to check
 * @throws {@linkcode InvalidArgumentError} naming the dotted key, e.g. `policy.limits.memory`
 * @example
 * ```ts
 * validatePolicy({ clocks: true, limits: { memory: 64 << 20 } })   // passes
 * validatePolicy({ limits: { memory: -1 } })                       // throws, path 'policy.limits.memory'
 * ```
 */
export function validatePolicy(policy: unknown): asserts policy is SandboxPolicy {
  validateSandboxPolicy(policy)
}

const STDIO_RANK = (g: StdioGrant): number => (g === 'inherit' ? 2 : g ? 1 : 0)

/**
 * Meets a manifest with a host policy: the sandbox the plugin runs in.
 *
 * @param manifest - what the plugin asks for
 * @param policy - what the host allows at most
 * @returns the effective sandbox
 * @throws {@linkcode CapabilityError} when the manifest asks for more than the policy allows; the message
 *   names the manifest key (with its position) and the policy key, e.g. `the manifest asks for
 *   capabilities.clocks (manifest.toml:9:10) but the host policy does not allow it (policy.clocks)`
 * @throws {@linkcode InvalidArgumentError} when the policy is malformed (see {@link validatePolicy})
 * @example
 * ```ts
 * const manifest = await readManifest('plugin/manifest.toml', { root: 'plugin' })
 * const sandbox = intersect(manifest, { filesystem: { read: ['plugin/data'] }, limits: { memory: 64 << 20 } })
 * sandbox.preopens   // [{ guest: 'data', host: '/…/plugin/data', readOnly: true }]
 * ```
 */
export function intersect(manifest: Manifest, policy: SandboxPolicy): EffectiveSandbox {
  if (typeof manifest !== 'object' || manifest === null || typeof (manifest as { capabilities?: unknown }).capabilities !== 'object') {
    throw new InvalidArgumentError('intersect(manifest) must be a Manifest (see parseManifest / readManifest)', 'intersect(manifest)')
  }
  validatePolicy(policy)
  const caps = manifest.capabilities
  const position = (key: string): string => {
    const at = manifest.locate(key)
    return at ? ` (${manifest.file ?? '<manifest>'}:${at.line}:${at.column})` : ''
  }
  const deny = (manifestKey: string, policyKey: string, detail?: string): never => {
    throw new CapabilityError(
      `the manifest asks for ${manifestKey}${position(manifestKey)} but the host policy does not allow it (${policyKey})${detail ? `: ${detail}` : ''}`,
      { manifestKey, policyKey },
    )
  }

  if (caps.threading && policy.threading !== true) deny('capabilities.threading', 'policy.threading')
  if (caps.threading) {
    // Even a policy that allows threads cannot get them here yet.
    throw new CapabilityError(
      `the manifest asks for capabilities.threading${position('capabilities.threading')} but this runtime has no threads to give (no wasi-threads, no shared memories)`,
      { manifestKey: 'capabilities.threading', policyKey: null },
    )
  }

  const preopens: Preopen[] = []
  /** Manifest key of each preopen, for the root check. */
  const mountKeys: string[] = []
  if (caps.filesystem !== false) {
    const fs = policy.filesystem
    const real = (dirs: string[] | undefined): string[] =>
      (dirs ?? []).map((d) => realResolve(resolve(d))).filter((d): d is string => d !== null)
    const writable = fs ? real(fs.write) : []
    const readable = fs ? [...real(fs.read), ...writable] : []
    const admit = (m: Mount, readOnly: boolean): void => {
      const how = `${m.host} mounted ${readOnly ? 'read-only' : 'read-write'} as ${m.guest}`
      if (!fs) deny(m.key, 'policy.filesystem', `${how}; the policy grants no filesystem`)
      const allowed = readOnly ? readable : writable
      if (!allowed.some((dir) => isInside(m.host, dir))) {
        const lists = readOnly ? 'policy.filesystem.read or policy.filesystem.write' : 'policy.filesystem.write'
        deny(m.key, readOnly ? 'policy.filesystem.read' : 'policy.filesystem.write', `${how}; it is not inside any directory of ${lists}`)
      }
      preopens.push({ guest: m.guest, host: m.host, readOnly })
      mountKeys.push(m.key)
    }
    for (const m of caps.filesystem.read) admit(m, true)
    for (const m of caps.filesystem.write) admit(m, false)
  }

  if (policy.root !== undefined) {
    const root = realResolve(resolve(policy.root))
    const paths = preopens.map((p, i) => ({ host: p.host, key: mountKeys[i] ?? 'capabilities.filesystem' }))
    if (manifest.module.file !== null) paths.push({ host: manifest.module.file, key: 'module.file' })
    for (const p of paths) {
      if (root === null || !isInside(p.host, root)) deny(p.key, 'policy.root', `${p.host} is not inside ${root ?? policy.root}`)
    }
  }

  let env: EffectiveSandbox['env'] = null
  if (caps.env !== false) {
    const allowed = policy.env ?? false
    for (const grant of caps.env) {
      if (allowed === true || (Array.isArray(allowed) && allowed.includes(grant.name))) continue
      deny(grant.key, 'policy.env', allowed === false ? 'the policy grants no environment' : `${grant.name} is not in policy.env`)
    }
    env = caps.env.map(({ name, value }) => ({ name, value }))
  }

  if (caps.args !== false && policy.args === false) deny('capabilities.args', 'policy.args')

  const stdio = (name: 'stdin' | 'stdout' | 'stderr'): StdioGrant => {
    const asked = caps[name]
    const allowed = policy[name] ?? true
    if (STDIO_RANK(asked) <= STDIO_RANK(allowed)) return asked
    const key = `capabilities.${name}`
    // Left at its default, the stream is narrowed rather than refused.
    if (manifest.locate(key) === null) return allowed
    return deny(key, `policy.${name}`, asked === 'inherit' && allowed === true ? 'the policy does not allow inheriting it' : undefined)
  }
  const streams = { stdin: stdio('stdin'), stdout: stdio('stdout'), stderr: stdio('stderr') }

  if (caps.clocks && policy.clocks !== true) deny('capabilities.clocks', 'policy.clocks')
  if (caps.random && policy.random !== true) deny('capabilities.random', 'policy.random')

  const imports = policy.imports ?? []
  caps.imports.forEach((name, i) => {
    if (!imports.includes(name)) deny(`capabilities.imports[${i}]`, 'policy.imports', `${name} is not in policy.imports`)
  })

  const limits: ManifestLimits = {}
  for (const [fileKey, { name }] of Object.entries(LIMIT_FILE_KEYS)) {
    const asked = manifest.limits[name]
    const max = policy.limits?.[name]
    if (asked !== undefined && max !== undefined && asked > max) {
      const manifestKey = `limits.${fileKey}`
      const policyKey = `policy.limits.${name}`
      throw new CapabilityError(
        `the manifest asks for ${manifestKey} = ${asked}${position(manifestKey)} but the host policy allows at most ${max} (${policyKey})`,
        { manifestKey, policyKey },
      )
    }
    const value = asked ?? max
    if (value !== undefined) limits[name] = value
  }

  return {
    preopens,
    env,
    args: caps.args,
    ...streams,
    clocks: caps.clocks,
    random: caps.random,
    imports: [...caps.imports],
    memory: caps.memory,
    threading: caps.threading,
    limits,
    mode: policy.mode ?? 'strict',
  }
}

/**
 * Reads a host policy from a TOML or JSON file (`.json` is JSON, anything
 * else TOML) with the keys of {@link SandboxPolicy} (`clocks = true`,
 * `[filesystem] read = ["./data"]`, `[limits] timeMs = 5000`). Relative
 * paths in it (`root`, `filesystem.read`, `filesystem.write`) are relative
 * to the file's directory.
 *
 * @param path - the policy file
 * @throws {@linkcode ManifestError} with line, column and a code frame for bad syntax, unknown keys or wrong values
 * @throws {@linkcode InvalidArgumentError} when the file cannot be read
 * @example
 * ```ts
 * const policy = await readPolicy('host-policy.toml')
 * const plugin = await rt.loadPlugin('plugins/x', { policy })
 * ```
 */
export async function readPolicy(path: string): Promise<SandboxPolicy> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('readPolicy(path) must be a non-empty string', 'readPolicy(path)')
  let source: string
  try {
    source = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '')
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the policy file ${path}: ${(e as Error).message}`, 'policy', { cause: e })
  }
  const { data, positions } = parseDocument(source, path)
  try {
    validatePolicy(data)
  } catch (e) {
    if (!(e instanceof InvalidArgumentError) || e.path === null) throw e
    // Point at the key in the file: `policy.limits.memory` is `limits.memory` there.
    let key = e.path.replace(/^policy\.?/, '')
    let at = positions.get(key)
    while (!at && key.includes('.')) {
      key = key.slice(0, key.lastIndexOf('.'))
      at = positions.get(key)
    }
    const message = e.message.replace(/^option policy\./, '')
    throw new ManifestError(message, { source, offset: at ? at.value.start : 0, file: path, key: key || null }, { cause: e })
  }
  const dir = dirname(resolve(path))
  const policy: SandboxPolicy = { ...data }
  if (policy.root !== undefined) policy.root = resolve(dir, policy.root)
  if (policy.filesystem) {
    const fs = policy.filesystem
    policy.filesystem = {
      ...(fs.read ? { read: fs.read.map((d) => resolve(dir, d)) } : {}),
      ...(fs.write ? { write: fs.write.map((d) => resolve(dir, d)) } : {}),
    }
  }
  return policy
}

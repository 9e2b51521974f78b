/**
 * Sandbox manifests: what a plugin asks to touch, in TOML (or JSON with the
 * same schema). {@link parseManifest} and {@link readManifest} turn the text
 * into a {@link Manifest} or throw a {@link ManifestError} that points at the
 * offending key or value with a 1-based line and column and a code frame.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'
import { createRequire } from 'node:module'
import { InvalidArgumentError, ManifestError } from '../errors.js'
import { locationAt, offsetAt, type TextLocation } from '../text/location.js'
import { keyPath, locateKeys, scanJson, type KeyPositions } from './locate.js'
import { isInside, normalizeGuest, realResolve } from './paths.js'
import { LIMIT_FILE_KEYS, type ManifestLimits } from '../options/options.generated.js'

export type { ManifestLimits }

/** A directory the plugin sees: guest path → host directory. */
export interface Mount {
  /**
   * The path the guest opens, normalised: `./data/` is `data`, `/a//b` is
   * `/a/b`, `./` is `.`. A mount written as `HOST` alone uses HOST as written
   * (normalised the same way) as its guest path, as `wasmtime run --dir ./data`
   * does: `data/x.txt` is then openable as `data/x.txt`.
   */
  guest: string
  /** The host directory: absolute, with symbolic links resolved. */
  host: string
  /** Where the mount is in the manifest, e.g. `capabilities.filesystem.read[0]`. */
  key: string
}

/** One environment variable a plugin asks for. */
export interface EnvGrant {
  /** The variable's name. */
  name: string
  /** A fixed value (`"NAME=value"`), or `null` for the value the host passes at run time (`"NAME"`). */
  value: string | null
  /** Where it is in the manifest, e.g. `capabilities.env[0]`. */
  key: string
}

/** A stdio grant: `true` (the host captures or feeds it), `false` (denied) or `'inherit'` (the host process's own stream). */
export type StdioGrant = boolean | 'inherit'

/** The manifest's `[module]` table. */
export interface ManifestModule {
  /** The plugin's name, 1 to 128 characters. Required. */
  name: string
  /**
   * The plugin's version string.
   * @default null
   */
  version: string | null
  /**
   * The export `rt.call(plugin)` calls by default; for commands `_start` when unset.
   * @default null
   */
  entry: string | null
  /**
   * The module file, absolute (written relative to the manifest's directory,
   * and inside the root). When unset the plugin loader picks the only
   * `*.wasm` / `*.cwasm` / `*.wat` file beside the manifest.
   * @default null
   */
  file: string | null
}

/** The manifest's `[capabilities]` table, defaults filled in. */
export interface ManifestCapabilities {
  /**
   * May the module have a linear memory.
   * @default true
   */
  memory: boolean
  /**
   * Threads (wasi-threads, shared memories); a policy refuses it unless it sets `threading: true`.
   * @default false
   */
  threading: boolean
  /**
   * Directories to mount read-only (`read`) and read-write (`write`), or `false` for none.
   * @default false
   */
  filesystem: { read: Mount[]; write: Mount[] } | false
  /**
   * Environment variables, or `false` for an empty environment.
   * @default false
   */
  env: EnvGrant[] | false
  /**
   * `true`: the host may pass args at run time; a list: fixed args after argv[0]; `false`: none.
   * @default false
   */
  args: boolean | string[]
  /**
   * Standard input.
   * @default false
   */
  stdin: StdioGrant
  /**
   * Standard output.
   * @default true
   */
  stdout: StdioGrant
  /**
   * Standard error.
   * @default true
   */
  stderr: StdioGrant
  /**
   * `clock_time_get`, `clock_res_get`, `poll_oneoff`.
   * @default false
   */
  clocks: boolean
  /**
   * `random_get`.
   * @default false
   */
  random: boolean
  /**
   * Always `false`: WASI preview 1 cannot grant sockets, and `network = true` is a {@link ManifestError}.
   * @default false
   */
  network: false
  /**
   * Host-function namespaces (import module names other than `wasi_snapshot_preview1`).
   * @default []
   */
  imports: string[]
}

/** A parsed, checked manifest. */
export interface Manifest {
  /** The file it was read from, as given, or `null` for text given directly. */
  file: string | null
  /** The absolute directory its paths are relative to. */
  dir: string
  /** The `[module]` table. */
  module: ManifestModule
  /** The `[capabilities]` table, defaults filled in. */
  capabilities: ManifestCapabilities
  /** The `[limits]` table. */
  limits: ManifestLimits
  /**
   * Where a dotted key's value is in the source (for a table, its header),
   * 1-based, or `null` if the manifest does not set it.
   *
   * @example
   * ```ts
   * manifest.locate('capabilities.clocks')   // { line: 9, column: 10 }
   * ```
   */
  locate(key: string): TextLocation | null
}

/** Options of {@link parseManifest}. */
export interface ParseManifestOptions {
  /**
   * The file the text came from, for messages.
   * @default null
   */
  file?: string | null
  /** The directory relative paths in the manifest start from. Required. */
  dir: string
  /**
   * The syntax; `'auto'` takes JSON when `file` ends in `.json` or the text starts with `{`, TOML otherwise.
   * @default 'auto'
   */
  format?: 'toml' | 'json' | 'auto'
  /**
   * Every host path in the manifest must resolve inside this directory (symbolic links followed).
   * @default dir
   */
  root?: string
}

/** Options of {@link readManifest}. */
export interface ReadManifestOptions {
  /**
   * Every host path in the manifest must resolve inside this directory (symbolic links followed).
   * @default the manifest's directory
   */
  root?: string
}

const TOP_KEYS = ['module', 'capabilities', 'limits'] as const
const MODULE_KEYS = ['name', 'version', 'entry', 'file'] as const
const CAPABILITY_KEYS = ['memory', 'threading', 'filesystem', 'env', 'args', 'stdin', 'stdout', 'stderr', 'clocks', 'random', 'network', 'imports'] as const
const FILESYSTEM_KEYS = ['read', 'write'] as const
const NAME_MAX = 128
/** Nesting deeper than this is refused while parsing; a manifest needs four levels. */
const MAX_DEPTH = 32

/**
 * Parses and checks a manifest. Every problem is a {@link ManifestError} at
 * the offending key or value: bad syntax (smol-toml's position for TOML),
 * unknown keys, wrong types, negative, fractional or too large limits, empty
 * strings, bad `GUEST=HOST` mounts, guest paths with `..`, host paths that
 * leave the root (also through a symbolic link) and `network = true`.
 *
 * @param source - the manifest's text
 * @param options - where it came from and what its paths are relative to
 * @returns the manifest, defaults filled in
 * @throws {@linkcode ManifestError} when the text is malformed or asks for something impossible
 * @throws {@linkcode InvalidArgumentError} when `source` is not a string or `options.dir` is missing
 * @example
 * ```ts
 * const m = parseManifest('[module]\nname = "hello"\n[capabilities]\nfilesystem = { read = ["./data"] }\n', { dir: '/srv/plugin' })
 * m.capabilities.filesystem   // { read: [{ guest: 'data', host: '/srv/plugin/data', key: 'capabilities.filesystem.read[0]' }], write: [] }
 * ```
 */
export function parseManifest(source: string, options: ParseManifestOptions): Manifest {
  if (typeof source !== 'string') throw new InvalidArgumentError('the manifest source must be a string', 'source')
  if (typeof options !== 'object' || options === null || typeof options.dir !== 'string' || options.dir === '') {
    throw new InvalidArgumentError('parseManifest needs options.dir: the directory the manifest’s paths are relative to', 'options.dir')
  }
  const file = options.file ?? null
  const format = pickFormat(source, file, options.format ?? 'auto')
  const dir = resolve(options.dir)
  const root = resolve(dir, options.root ?? dir)
  const { data, positions } = format === 'json' ? parseJsonText(source, file) : parseTomlText(source, file)
  const r = new Reader(source, positions, file, format)
  const manifest = r.manifest(data, dir, root)
  return {
    ...manifest,
    file,
    dir,
    locate(key: string): TextLocation | null {
      const at = positions.get(key)
      return at ? locationAt(source, at.value.start) : null
    },
  }
}

/**
 * Reads a manifest file (`.json` is JSON, anything else TOML) and parses it
 * with {@link parseManifest}; its paths are relative to the file's directory.
 *
 * @param path - the manifest file
 * @param options - the root host paths must stay inside
 * @returns the manifest
 * @throws {@linkcode ManifestError} when the text is malformed or asks for something impossible
 * @throws {@linkcode InvalidArgumentError} when the file cannot be read
 * @example
 * ```ts
 * const m = await readManifest('plugins/compute/manifest.toml')
 * console.log(m.module.name, m.limits.memory)
 * ```
 */
export async function readManifest(path: string, options: ReadManifestOptions = {}): Promise<Manifest> {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('the manifest path must be a non-empty string', 'path')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the manifest ${path}: ${(e as Error).message}`, 'path', { cause: e })
  }
  // Editors do not count a byte-order mark, so neither do our columns.
  if (text.startsWith('\uFEFF')) text = text.slice(1)
  const ext = extname(path).toLowerCase()
  const format = ext === '.json' ? 'json' : ext === '.toml' ? 'toml' : 'auto'
  return parseManifest(text, { file: path, dir: dirname(resolve(path)), format, ...(options.root !== undefined ? { root: options.root } : {}) })
}

function pickFormat(source: string, file: string | null, format: 'toml' | 'json' | 'auto'): 'toml' | 'json' {
  if (format === 'toml' || format === 'json') return format
  if (file !== null && extname(file).toLowerCase() === '.json') return 'json'
  return source.trimStart().startsWith('{') ? 'json' : 'toml'
}

/**
 * Parses TOML or JSON text with the manifest reader's parsers (same limits,
 * same errors with positions), for other user-written files such as a
 * policy file.
 * @internal
 */
export function parseDocument(source: string, file: string | null, format: 'toml' | 'json' | 'auto' = 'auto'): { data: unknown; positions: KeyPositions } {
  return pickFormat(source, file, format) === 'json' ? parseJsonText(source, file) : parseTomlText(source, file)
}

// smol-toml is loaded on the first TOML text, not when the package is
// imported (a process that reads no manifest never pays for it).
const require = createRequire(import.meta.url)
let toml: typeof import('smol-toml') | undefined

function parseTomlText(source: string, file: string | null): { data: unknown; positions: KeyPositions } {
  toml ??= require('smol-toml') as typeof import('smol-toml')
  const { parse: parseToml, TomlError } = toml
  let data: unknown
  try {
    data = parseToml(source, { maxDepth: MAX_DEPTH, unsafeKeyBehaviour: 'throw' })
  } catch (e) {
    if (!(e instanceof TomlError)) throw e
    // smol-toml's message is "Invalid TOML document: <what>\n\n<its frame>"; keep <what>, use our frame.
    const what = e.message.replace(/^Invalid TOML document: /, '').split('\n')[0] ?? e.message
    throw new ManifestError(`invalid TOML: ${what}`, { source, offset: offsetAt(source, e.line, e.column), file }, { cause: e })
  }
  return { data, positions: locateKeys(source, 'toml') }
}

function parseJsonText(source: string, file: string | null): { data: unknown; positions: KeyPositions } {
  const { positions, error } = scanJson(source, MAX_DEPTH)
  if (error) throw new ManifestError(`invalid JSON: ${error.message}`, { source, offset: error.offset, file })
  return { data: JSON.parse(source) as unknown, positions }
}

type Table = Record<string, unknown>

/** Checks the parsed data against the schema, reporting at the positions `locate.ts` found. */
class Reader {
  /** Guest path → the key that mounted it, to refuse mounting one guest path twice. */
  private readonly guests = new Map<string, string>()

  constructor(
    private readonly source: string,
    private readonly positions: KeyPositions,
    private readonly file: string | null,
    private readonly format: 'toml' | 'json',
  ) {}

  manifest(data: unknown, dir: string, root: string): Omit<Manifest, 'file' | 'dir' | 'locate'> {
    if (!this.isTable(data)) this.wrongType('', 'an object with module, capabilities and limits', data)
    const top = data
    this.onlyKeys(top, '', TOP_KEYS)
    const mod = this.table(top, '', 'module')
    if (!mod) {
      const what = this.format === 'toml' ? 'a [module] table' : 'a "module" object'
      this.fail(`the manifest has no module.name: it needs ${what} with at least name = "…"`, 'module', 'header')
    }
    return {
      module: this.module(mod, dir, root),
      capabilities: this.capabilities(this.table(top, '', 'capabilities') ?? {}, dir, root),
      limits: this.limits(this.table(top, '', 'limits') ?? {}),
    }
  }

  private module(t: Table, dir: string, root: string): ManifestModule {
    this.onlyKeys(t, 'module', MODULE_KEYS)
    const name = this.string(t, 'module', 'name')
    if (name === undefined) this.fail('module.name is required: the plugin’s name, 1 to 128 characters', 'module', 'header')
    if (name.length > NAME_MAX) this.fail(`module.name must be at most ${NAME_MAX} characters, got ${name.length}`, 'module.name')
    const file = this.string(t, 'module', 'file')
    return {
      name,
      version: this.string(t, 'module', 'version') ?? null,
      entry: this.string(t, 'module', 'entry') ?? null,
      file: file === undefined ? null : this.hostPath(file, dir, root, 'module.file'),
    }
  }

  private capabilities(t: Table, dir: string, root: string): ManifestCapabilities {
    const at = 'capabilities'
    this.onlyKeys(t, at, CAPABILITY_KEYS)
    if (t.network !== undefined) {
      if (typeof t.network !== 'boolean') this.wrongType('capabilities.network', 'false', t.network)
      if (t.network) {
        this.fail('capabilities.network = true cannot be granted: WASI preview 1 has no way to grant sockets; remove it or write false', 'capabilities.network')
      }
    }
    return {
      memory: this.bool(t, at, 'memory') ?? true,
      threading: this.bool(t, at, 'threading') ?? false,
      filesystem: this.filesystem(t.filesystem, dir, root),
      env: this.env(t.env),
      args: this.args(t.args),
      stdin: this.stdio(t, 'stdin') ?? false,
      stdout: this.stdio(t, 'stdout') ?? true,
      stderr: this.stdio(t, 'stderr') ?? true,
      clocks: this.bool(t, at, 'clocks') ?? false,
      random: this.bool(t, at, 'random') ?? false,
      network: false,
      imports: this.imports(t.imports),
    }
  }

  private filesystem(v: unknown, dir: string, root: string): ManifestCapabilities['filesystem'] {
    const key = 'capabilities.filesystem'
    if (v === undefined || v === false) return false
    if (!this.isTable(v)) this.wrongType(key, `false or ${this.tableWord()} with read and write lists, e.g. { read = ["./data"], write = ["./out"] }`, v)
    this.onlyKeys(v, key, FILESYSTEM_KEYS)
    const mounts = (list: 'read' | 'write'): Mount[] =>
      this.stringList(v[list], keyPath(key, list)).map((entry, i) => this.mount(entry, dir, root, keyPath(keyPath(key, list), i)))
    return { read: mounts('read'), write: mounts('write') }
  }

  private mount(entry: string, dir: string, root: string, key: string): Mount {
    const eq = entry.indexOf('=')
    const guestText = eq === -1 ? entry : entry.slice(0, eq)
    const hostText = eq === -1 ? entry : entry.slice(eq + 1)
    if (eq !== -1 && (guestText === '' || hostText === '')) {
      this.fail(`${key} must be "GUEST=HOST" or "HOST", e.g. "/data=./data" or "./data"; got ${JSON.stringify(entry)}`, key)
    }
    const guest = normalizeGuest(guestText)
    if (guest === null) {
      const how = eq === -1 ? '; HOST alone is also the guest path, so write GUEST=HOST to mount a directory above' : ''
      this.fail(`${key}: the guest path ${JSON.stringify(guestText)} must not contain '..'${how}`, key)
    }
    const earlier = this.guests.get(guest)
    if (earlier !== undefined) this.fail(`${key}: the guest path ${JSON.stringify(guest)} is already mounted by ${earlier}`, key)
    this.guests.set(guest, key)
    return { guest, host: this.hostPath(hostText, dir, root, key), key }
  }

  /** Resolves a host path and checks it stays inside `root`, lexically and after following links. */
  private hostPath(text: string, dir: string, root: string, key: string): string {
    if (text.includes('\0')) this.fail(`${key} must not contain a NUL character`, key)
    const lexical = resolve(dir, text)
    if (!isInside(lexical, root)) {
      this.fail(`${key}: ${JSON.stringify(text)} resolves to ${lexical}, outside the allowed root ${root}`, key)
    }
    const real = realResolve(lexical)
    const realRoot = realResolve(root)
    if (real === null) this.fail(`${key}: ${JSON.stringify(text)} leads into a loop of symbolic links`, key)
    if (realRoot === null || !isInside(real, realRoot)) {
      this.fail(`${key}: ${JSON.stringify(text)} leads through a symbolic link to ${real}, outside the allowed root ${realRoot ?? root}`, key)
    }
    return real
  }

  private env(v: unknown): EnvGrant[] | false {
    const key = 'capabilities.env'
    if (v === undefined || v === false) return false
    if (!Array.isArray(v)) this.wrongType(key, 'false or a list of "NAME" or "NAME=value" strings', v)
    const seen = new Set<string>()
    return this.stringList(v, key).map((entry, i) => {
      const k = keyPath(key, i)
      const eq = entry.indexOf('=')
      const name = eq === -1 ? entry : entry.slice(0, eq)
      if (name === '') this.fail(`${k} must be "NAME" or "NAME=value"; got ${JSON.stringify(entry)}`, k)
      if (entry.includes('\0')) this.fail(`${k} must not contain a NUL character`, k)
      if (seen.has(name)) this.fail(`${k}: ${name} is listed twice`, k)
      seen.add(name)
      return { name, value: eq === -1 ? null : entry.slice(eq + 1), key: k }
    })
  }

  private args(v: unknown): boolean | string[] {
    const key = 'capabilities.args'
    if (v === undefined) return false
    if (typeof v === 'boolean') return v
    if (!Array.isArray(v)) this.wrongType(key, 'true, false or a list of strings', v)
    return v.map((a, i) => {
      const k = keyPath(key, i)
      if (typeof a !== 'string') this.wrongType(k, 'a string', a)
      if (a.includes('\0')) this.fail(`${k} must not contain a NUL character`, k)
      return a
    })
  }

  private stdio(t: Table, name: 'stdin' | 'stdout' | 'stderr'): StdioGrant | undefined {
    const v = t[name]
    if (v === undefined || typeof v === 'boolean' || v === 'inherit') return v
    return this.wrongType(`capabilities.${name}`, 'true, false or "inherit"', v)
  }

  private imports(v: unknown): string[] {
    const key = 'capabilities.imports'
    if (v === undefined) return []
    const seen = new Set<string>()
    return this.stringList(v, key).map((name, i) => {
      const k = keyPath(key, i)
      if (name === 'wasi_snapshot_preview1' || name === 'wasi_unstable') {
        this.fail(`${k}: ${name} is WASI, granted by the other capabilities keys; imports lists host-function namespaces only`, k)
      }
      if (seen.has(name)) this.fail(`${k}: ${name} is listed twice`, k)
      seen.add(name)
      return name
    })
  }

  private limits(t: Table): ManifestLimits {
    this.onlyKeys(t, 'limits', Object.keys(LIMIT_FILE_KEYS))
    const out: ManifestLimits = {}
    for (const [fileKey, { name, max, min }] of Object.entries(LIMIT_FILE_KEYS)) {
      const v = t[fileKey]
      if (v === undefined) continue
      const key = keyPath('limits', fileKey)
      const want = 'a whole number, 0 or more'
      if (typeof v !== 'number') this.wrongType(key, want, v)
      if (!Number.isFinite(v)) this.fail(`${key} must be ${want}; got ${this.raw(key) ?? v}`, key)
      if (!Number.isInteger(v)) this.fail(`${key} must be ${want}; got the fractional number ${this.raw(key) ?? v}`, key)
      if (this.isFloatLiteral(key)) this.fail(`${key} must be ${want}; got the float ${this.raw(key) ?? v} (write it without a decimal point or exponent)`, key)
      if (v < 0) this.fail(`${key} must be ${want}; got the negative number ${v}`, key)
      if (v > max || v < min) this.fail(`${key} is out of range: ${min > 0 ? `at least ${min} and ` : ''}at most ${max}, got ${v}`, key)
      out[name] = v
    }
    return out
  }

  // --- helpers ---------------------------------------------------------------

  /** TOML tells integers from floats (`1.0` is a float); JSON only has numbers. */
  private isFloatLiteral(key: string): boolean {
    const raw = this.raw(key)
    return this.format === 'toml' && raw !== null && !/^[+-]?0[xob]/i.test(raw) && /[.eE]|inf|nan/.test(raw)
  }

  private raw(key: string): string | null {
    const at = this.positions.get(key)
    return at ? this.source.slice(at.value.start, at.value.end) : null
  }

  private onlyKeys(t: Table, path: string, allowed: readonly string[]): void {
    for (const k of Object.keys(t)) {
      if (allowed.includes(k)) continue
      const key = keyPath(path, k)
      const where = path ? `in ${this.format === 'toml' ? `[${path}]` : path}` : 'at the top level'
      this.fail(`unknown key ${key}; the keys allowed ${where} are: ${allowed.join(', ')}`, key, 'key')
    }
  }

  private table(parent: Table, path: string, name: string): Table | undefined {
    const v = parent[name]
    if (v === undefined) return undefined
    const key = keyPath(path, name)
    if (!this.isTable(v)) this.wrongType(key, this.tableWord(), v)
    return v
  }

  private bool(t: Table, path: string, name: string): boolean | undefined {
    const v = t[name]
    if (v === undefined || typeof v === 'boolean') return v
    return this.wrongType(keyPath(path, name), 'true or false', v)
  }

  /** An optional non-empty string. */
  private string(t: Table, path: string, name: string): string | undefined {
    const v = t[name]
    if (v === undefined) return undefined
    const key = keyPath(path, name)
    if (typeof v !== 'string') this.wrongType(key, 'a string', v)
    if (v === '') this.fail(`${key} must not be empty`, key)
    return v
  }

  /** An optional list of non-empty strings. */
  private stringList(v: unknown, key: string): string[] {
    if (v === undefined) return []
    if (!Array.isArray(v)) this.wrongType(key, 'a list of strings', v)
    return v.map((s, i) => {
      const k = keyPath(key, i)
      if (typeof s !== 'string') this.wrongType(k, 'a string', s)
      if (s === '') this.fail(`${k} must not be empty`, k)
      return s
    })
  }

  private isTable(v: unknown): v is Table {
    return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)
  }

  private tableWord(): string {
    return this.format === 'toml' ? 'a table' : 'an object'
  }

  private wrongType(key: string, want: string, got: unknown): never {
    return this.fail(`${key || 'the manifest'} must be ${want}; got ${this.describe(got)}`, key)
  }

  private describe(v: unknown): string {
    if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`
    if (typeof v === 'number') return `the number ${v}`
    if (typeof v === 'boolean') return String(v)
    if (v === null) return 'null'
    if (Array.isArray(v)) return 'a list'
    if (v instanceof Date) return 'a date'
    return this.tableWord()
  }

  /**
   * Throws at `key`: its value (`'value'`), its key (`'key'`), or for a table
   * its header (`'header'`). A key the source does not contain falls back to
   * its closest parent that it does, and finally to the start of the text.
   */
  private fail(message: string, key: string, at: 'key' | 'value' | 'header' = 'value'): never {
    throw new ManifestError(message, { source: this.source, offset: this.offsetOf(key, at), file: this.file, key: key === '' ? null : key })
  }

  private offsetOf(key: string, at: 'key' | 'value' | 'header'): number {
    for (let k = key; ; k = parentKey(k)) {
      const pos = this.positions.get(k)
      if (pos) {
        const span = at === 'key' || (at === 'header' && this.format === 'json') ? (pos.key ?? pos.value) : pos.value
        return span.start
      }
      if (k === '') return 0
    }
  }
}

/** `a.b[1]` → `a.b`, `a.b` → `a`, `a` → `''`. */
function parentKey(key: string): string {
  const m = /(?:\[\d+\]|\.(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"))$/.exec(key)
  if (m) return key.slice(0, m.index)
  return ''
}

/**
 * A WASI guest's world as the host describes it ({@link WasiOptions}), the
 * same for a plugin after its sandbox is applied ({@link wasiForPlugin}),
 * and its conversion into the addon's options.
 *
 * Deny by default: with no options a guest gets `argv[0]` only, no
 * environment, no filesystem, no clocks or random, empty stdin, and its
 * stdout and stderr captured (never the host's own streams).
 *
 * @module
 */
import type { BindingWasiOptions } from '../runtime/binding.js'
import type { Store } from '../runtime/store.js'
import { CapabilityError, InvalidArgumentError } from '../errors.js'
import type { EffectiveSandbox } from './policy.js'
import type { Grants } from './capabilities.js'
import { WASI_DEFAULTS, type PreopenOption, type WasiOptions } from '../options/options.generated.js'

export type { PreopenOption, WasiOptions }

/**
 * Where a standard output stream goes: `'capture'` (kept, up to
 * {@link WasiOptions.maxOutput} bytes, and returned), `'inherit'` (the
 * host process's own stream), `'discard'`, `'deny'` (writes refused with
 * `ERRNO_NOTCAPABLE` and audited), or a function that gets each chunk as
 * the guest writes it (the guest waits while it runs, and while a Promise it
 * returns is pending: a slow consumer slows the guest instead of filling memory).
 */
export type OutputOption = 'capture' | 'inherit' | 'discard' | 'deny' | ((chunk: Uint8Array) => void | Promise<void>)

/**
 * Standard input: bytes or a string (then end of file), an async iterable
 * of chunks (a Node `Readable` is one; read as the guest asks), `'inherit'`
 * (the host process's stdin), `'deny'` (reads refused and audited), or
 * `null` for an empty stdin.
 */
export type StdinOption = Uint8Array | string | AsyncIterable<Uint8Array | string> | 'inherit' | 'deny' | null

/** The default cap of each captured stream. */
export const DEFAULT_MAX_OUTPUT: number = WASI_DEFAULTS.maxOutput

/** A guest's world with every default applied. @internal */
export interface ResolvedWasi {
  argv: string[]
  env: [string, string][] | null
  preopens: { host: string; guest: string; readOnly: boolean }[]
  stdin: StdinOption
  stdout: OutputOption
  stderr: OutputOption
  maxOutput: number
  clocks: boolean
  random: boolean
  hostCallBytes: number | null
  mode: 'strict' | 'permissive'
}

/** The host's own options, defaults filled in. @internal */
export function resolveWasi(o: WasiOptions, argv0: string): ResolvedWasi {
  return {
    argv: [o.argv0 ?? argv0, ...(o.args ?? [])],
    env: o.env === undefined ? null : Object.entries(o.env),
    preopens: (o.preopens ?? []).map((p) => ({ host: p.host, guest: p.guest, readOnly: p.readOnly ?? true })),
    stdin: o.stdin ?? null,
    stdout: o.stdout ?? 'capture',
    stderr: o.stderr ?? 'capture',
    maxOutput: o.maxOutput ?? DEFAULT_MAX_OUTPUT,
    clocks: o.clocks ?? false,
    random: o.random ?? false,
    hostCallBytes: o.hostCallBytes ?? null,
    mode: o.mode ?? 'permissive',
  }
}

/**
 * A plugin's world: its sandbox, with what the host passes at run time
 * (args, env values, stdin, where output goes) inside what the sandbox
 * allows. Asking for more is a {@link CapabilityError}.
 * @internal
 */
export function wasiForPlugin(sandbox: EffectiveSandbox, o: WasiOptions, argv0: string): ResolvedWasi {
  const refuse = (option: string, manifestKey: string, why: string): never => {
    throw new CapabilityError(`the run option ${option} asks for more than the plugin's sandbox grants: ${why}`, { manifestKey })
  }
  if (o.preopens !== undefined && o.preopens.length > 0) {
    refuse('preopens', 'capabilities.filesystem', "a plugin's directories come from its manifest (capabilities.filesystem)")
  }
  if (o.clocks && !sandbox.clocks) refuse('clocks', 'capabilities.clocks', 'clocks are not granted')
  if (o.random && !sandbox.random) refuse('random', 'capabilities.random', 'random is not granted')
  if (o.mode !== undefined && o.mode !== sandbox.mode) {
    refuse('mode', 'policy.mode', `the plugin's policy sets mode '${sandbox.mode}'`)
  }
  let args: string[] = []
  if (sandbox.args === false) {
    if (o.args?.length) refuse('args', 'capabilities.args', 'the manifest takes no args')
  } else if (sandbox.args === true) {
    args = o.args ?? []
  } else {
    if (o.args?.length) refuse('args', 'capabilities.args', 'the manifest fixes its args')
    args = [...sandbox.args]
  }
  let env: [string, string][] | null = null
  if (sandbox.env === null) {
    if (o.env !== undefined && Object.keys(o.env).length > 0) refuse('env', 'capabilities.env', 'the manifest asks for no environment')
  } else {
    const given = o.env ?? {}
    for (const name of Object.keys(given)) {
      if (!sandbox.env.some((g) => g.name === name && g.value === null)) {
        refuse('env', 'capabilities.env', `${name} is not one the manifest asks the host for`)
      }
    }
    env = []
    for (const g of sandbox.env) {
      const value = g.value ?? given[g.name]
      if (value !== undefined) env.push([g.name, value])
    }
  }
  const stdin = o.stdin ?? null
  if (sandbox.stdin === false && stdin !== null) refuse('stdin', 'capabilities.stdin', 'the manifest takes no stdin')
  if (stdin === 'inherit' && sandbox.stdin !== 'inherit') refuse('stdin', 'capabilities.stdin', "inheriting needs stdin = \"inherit\"")
  const out = (name: 'stdout' | 'stderr'): OutputOption => {
    const grant = sandbox[name]
    const asked = o[name]
    if (grant === false) {
      if (asked !== undefined && asked !== 'deny' && asked !== 'discard') refuse(name, `capabilities.${name}`, `the manifest sets ${name} = false`)
      return asked === 'discard' ? 'discard' : 'deny'
    }
    if (asked === 'inherit' && grant !== 'inherit') refuse(name, `capabilities.${name}`, `inheriting needs ${name} = "inherit"`)
    return asked ?? (grant === 'inherit' ? 'inherit' : 'capture')
  }
  const limitOutput = sandbox.limits.output
  if (o.maxOutput !== undefined && limitOutput !== undefined && o.maxOutput > limitOutput) {
    refuse('maxOutput', 'limits.output', `the sandbox keeps at most ${limitOutput} bytes`)
  }
  const limitBytes = sandbox.limits.hostCallBytes
  if (o.hostCallBytes !== undefined && limitBytes !== undefined && o.hostCallBytes > limitBytes) {
    refuse('hostCallBytes', 'limits.host_call_bytes', `the sandbox allows at most ${limitBytes}`)
  }
  return {
    argv: [o.argv0 ?? argv0, ...args],
    env,
    preopens: sandbox.preopens.map((p) => ({ ...p })),
    stdin: stdin === null && sandbox.stdin === false ? 'deny' : stdin,
    stdout: out('stdout'),
    stderr: out('stderr'),
    maxOutput: o.maxOutput ?? limitOutput ?? DEFAULT_MAX_OUTPUT,
    clocks: sandbox.clocks,
    random: sandbox.random,
    hostCallBytes: o.hostCallBytes ?? limitBytes ?? null,
    mode: sandbox.mode,
  }
}

/** What the load-time check needs to know of a resolved world. @internal */
export function grantsOf(w: ResolvedWasi, imports: readonly string[] | null, memory = true): Grants {
  return {
    fsRead: w.preopens.length > 0,
    fsWrite: w.preopens.some((p) => !p.readOnly),
    env: w.env !== null,
    clocks: w.clocks,
    random: w.random,
    imports,
    memory,
  }
}

const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

function toBytes(v: unknown): Uint8Array {
  if (typeof v === 'string') return encoder.encode(v)
  if (v instanceof Uint8Array) return v
  throw new InvalidArgumentError(`stdin chunks must be strings or Uint8Arrays, got ${typeof v}`, 'stdin')
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
}

/** A pull function over an async iterable: each pull waits for the next chunk. */
function puller(source: AsyncIterable<unknown>): (want: number) => Promise<Uint8Array> {
  let it: AsyncIterator<unknown> | undefined
  let rest: Uint8Array = EMPTY
  let done = false
  return async (want) => {
    it ??= source[Symbol.asyncIterator]()
    while (rest.length === 0 && !done) {
      const r = await it.next()
      if (r.done) done = true
      else rest = toBytes(r.value)
    }
    const out = rest.subarray(0, want)
    rest = rest.subarray(out.length)
    return out
  }
}

function output(store: Store, o: OutputOption, limit: number): NonNullable<BindingWasiOptions['stdout']> {
  if (typeof o === 'function') {
    const id = store.rawHost((bytes) => {
      const r = o(bytes.slice())
      return r instanceof Promise ? r.then(() => EMPTY) : EMPTY
    })
    return { mode: 'stream', hostId: id }
  }
  return o === 'capture' ? { mode: 'capture', limit } : { mode: o }
}

/** The addon's options for a resolved world, with stream functions registered on `store`. @internal */
export function toBinding(store: Store, w: ResolvedWasi): BindingWasiOptions {
  const options: BindingWasiOptions = {
    args: w.argv,
    preopens: w.preopens.map((p) => ({ host: p.host, guest: p.guest, readOnly: p.readOnly })),
    stdout: output(store, w.stdout, w.maxOutput),
    stderr: output(store, w.stderr, w.maxOutput),
    clocks: w.clocks,
    random: w.random,
  }
  if (w.env !== null) options.env = w.env.map(([name, value]) => ({ name, value }))
  if (w.hostCallBytes !== null) options.hostCallBytes = w.hostCallBytes
  const stdin = w.stdin
  if (stdin === null) options.stdin = 'empty'
  else if (stdin === 'inherit' || stdin === 'deny') options.stdin = stdin
  else if (typeof stdin === 'string' || stdin instanceof Uint8Array) {
    options.stdin = 'bytes'
    options.stdinBytes = toBytes(stdin)
  } else if (isAsyncIterable(stdin)) {
    const pull = puller(stdin)
    options.stdin = 'pull'
    options.stdinHostId = store.rawHost((want) => pull(new DataView(want.buffer, want.byteOffset, 4).getUint32(0, true)))
  } else {
    throw new InvalidArgumentError('stdin must be bytes, a string, an async iterable, "inherit", "deny" or null', 'stdin')
  }
  return options
}

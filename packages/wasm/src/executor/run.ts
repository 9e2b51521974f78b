/**
 * Running WASI guests: a command (`_start`) with {@link Runtime.run}, or one
 * export of a plugin or WASI module (reactors: `_initialize` first), each in
 * a store of its own with the guest's WASI world and limits.
 *
 * @module
 */
import { basename } from 'node:path'
import type { Runtime } from '../runtime/runtime.js'
import { Store, type CallStats } from '../runtime/store.js'
import { Module } from '../loader/module.js'
import type { Imports, Instance } from '../loader/instance.js'
import { CancelledError, ExitError, InvalidArgumentError, WasmError } from '../errors.js'
import { Plugin } from '../sandbox/plugin.js'
import { checkImports, WASI_MODULE } from '../sandbox/capabilities.js'
import { grantsOf, resolveWasi, toBinding, wasiForPlugin, type ResolvedWasi } from '../sandbox/wasi.js'
import type { AuditRecord } from '../sandbox/audit.js'
import { validateRunOptions } from '../options/validate.js'
import type { RunOptions } from '../options/options.generated.js'

export type { RunOptions }

/** What a command run gives back. */
export interface RunResult {
  /** The guest's exit code: 0 when it returned from `_start` or called `proc_exit(0)`. */
  exitCode: number
  /** What it wrote to stdout, when captured (empty otherwise). */
  stdout: Buffer
  /** What it wrote to stderr, when captured (empty otherwise). */
  stderr: Buffer
  /** The result of {@link RunOptions.invoke}, when one was called. */
  value: unknown
  /** Wall time, fuel consumed, peak memory. */
  stats: CallStats
  /** What the sandbox refused during this run (also in {@link Runtime.audit}). */
  audit: AuditRecord[]
}

/** What one run needs, worked out before anything starts. */
interface Plan {
  module: Module
  wasi: ResolvedWasi
  label: string | null
  timeout: number | null
  fuel: number | null
  maxMemory: number
  release: () => void
}

function labelOf(target: Module | Plugin): string | null {
  if (target instanceof Plugin) return target.name
  return target.name ?? (target.file ? basename(target.file) : null)
}

/** Works out a run's module, world and limits, refusing what its sandbox does not grant. */
function plan(rt: Runtime, target: Module | Plugin, o: RunOptions): Plan {
  const label = labelOf(target)
  const argv0 = label ?? 'main.wasm'
  if (target instanceof Plugin) {
    const wasi = wasiForPlugin(target.sandbox, o, argv0)
    const limits = target.sandbox.limits
    guard(rt, target.module, label, () =>
      checkImports(target.module, grantsOf(wasi, target.sandbox.imports, target.sandbox.memory), wasi.mode, `the plugin ${target.name}`),
    )
    const maxMemory = o.maxMemory ?? limits.memory ?? rt.options.maxMemory
    if (limits.memory !== undefined && maxMemory > limits.memory) {
      throw new InvalidArgumentError(`maxMemory ${maxMemory} is above the plugin's limits.memory (${limits.memory})`, 'maxMemory')
    }
    const release = target.acquire()
    return {
      module: target.module,
      wasi,
      label,
      timeout: o.timeout === undefined ? (limits.timeMs ?? rt.options.maxExecutionTime) : o.timeout,
      fuel: o.fuel === undefined ? (limits.fuel ?? rt.options.fuel) : o.fuel,
      maxMemory,
      release,
    }
  }
  const wasi = resolveWasi(o, argv0)
  guard(rt, target, label, () => checkImports(target, grantsOf(wasi, null), wasi.mode, label ? `the module ${label}` : 'the module'))
  for (const [name, mod] of Object.entries(o.preload ?? {})) {
    guard(rt, mod, name, () => checkImports(mod, grantsOf(wasi, null), wasi.mode, `the preloaded module ${name}`))
  }
  return {
    module: target,
    wasi,
    label,
    timeout: o.timeout === undefined ? rt.options.maxExecutionTime : o.timeout,
    fuel: o.fuel === undefined ? rt.options.fuel : o.fuel,
    maxMemory: o.maxMemory ?? rt.options.maxMemory,
    release: () => {},
  }
}

/** Runs a load-time check; a refusal is audited before it is thrown. */
function guard(rt: Runtime, module: Module, label: string | null, check: () => void): void {
  try {
    check()
  } catch (e) {
    if (e instanceof WasmError && e.code === 'capability_denied') {
      const imports = (e as { imports?: { module: string; name: string; capability: string; grantKey: string }[] }).imports ?? []
      rt.audit.add(
        imports.map((i) => ({
          time: Date.now(),
          module: label,
          moduleHash: module.hash,
          function: i.module ? `${i.module}::${i.name}` : i.name,
          capability: i.capability,
          fd: null,
          path: null,
          errno: -1,
          errnoName: 'refused_at_load',
          reason: `refused at load: not granted (${i.grantKey})`,
        })),
      )
    }
    throw e
  }
}

/** Moves a store's refusals into the runtime's log; returns them. */
function drainAudit(rt: Runtime, store: Store, p: Plan): AuditRecord[] {
  const { records, dropped } = store.takeAudit()
  const out = records.map((r) => ({
    time: r.timeMs,
    module: p.label,
    moduleHash: p.module.hash,
    function: r.function,
    capability: r.capability,
    fd: r.fd ?? null,
    path: r.path ?? null,
    errno: r.errno,
    errnoName: r.errnoName,
    reason: r.reason,
  }))
  rt.audit.add(out, dropped)
  return out
}

function storeFor(rt: Runtime, p: Plan): Store {
  const store = new Store(p.module.engine, { maxMemory: p.maxMemory }, p.module)
  if (p.timeout !== null && p.module.engine.options.epochInterruption !== false) store.setTimeout(p.timeout)
  if (p.fuel != null) store.setFuel(p.fuel)
  store.collectStats = true
  store.setWasi(toBinding(store, p.wasi))
  return store
}

/** The imports with each preloaded module instantiated in `store` and added under its name. */
function withPreloads(store: Store, o: RunOptions): Imports {
  const imports: Imports = { ...(o.imports ?? {}) }
  for (const [name, mod] of Object.entries(o.preload ?? {})) {
    if (name in imports) throw new InvalidArgumentError(`preload ${name} clashes with an import module of the same name`, `preload.${name}`)
    imports[name] = store.instantiate(mod, imports)
  }
  return imports
}

function importsWasi(m: Module): boolean {
  return m.imports.some((i) => i.module === WASI_MODULE)
}

async function invoke(rt: Runtime, instance: Instance, name: string, args: unknown[], signal: AbortSignal | undefined): Promise<unknown> {
  const f = instance.func(name)
  if (!rt.options.parallelExecution) return f.call(...args)
  return f.callAsync(args, signal ? { signal } : {})
}

/**
 * Runs a WASI command, or one export with {@link RunOptions.invoke}. @internal
 * @throws {@linkcode CapabilityError}, {@linkcode TrapError}, {@linkcode TimeoutError}, …
 */
export async function runCommand(rt: Runtime, target: Module | Plugin, o: RunOptions = {}): Promise<RunResult> {
  checkTarget(target, 'rt.run(target)')
  validateRunOptions(o)
  if (o.signal?.aborted) throw new CancelledError('the run was cancelled before it started', { cause: o.signal.reason })
  const p = plan(rt, target, o)
  let store: Store | undefined
  try {
    store = storeFor(rt, p)
    let exitCode = 0
    let value: unknown
    try {
      const instance = store.instantiate(p.module, withPreloads(store, o))
      if (o.invoke !== undefined && o.invoke !== '_initialize' && instance.module.exports.some((e) => e.name === '_initialize')) {
        await invoke(rt, instance, '_initialize', [], o.signal)
      }
      value = await invoke(rt, instance, o.invoke ?? '_start', o.invokeArgs ?? [], o.signal)
    } catch (e) {
      if (!(e instanceof ExitError)) throw e
      exitCode = e.exitCode
    }
    return {
      exitCode,
      stdout: store.takeOutput(1),
      stderr: store.takeOutput(2),
      value,
      stats: store.lastCallStats,
      audit: drainAudit(rt, store, p),
    }
  } catch (e) {
    if (store && e instanceof WasmError) {
      e.output = { stdout: store.takeOutput(1), stderr: store.takeOutput(2) }
      drainAudit(rt, store, p)
    }
    throw e
  } finally {
    p.release()
    // One store per run: free its memories now rather than at GC.
    store?.release()
  }
}

/**
 * A store and instance for one call of a plugin or WASI module export, with
 * its WASI world (`_initialize` already run). `finish` drains the audit and
 * releases the instance. @internal
 */
/**
 * Checks what a call or run was given to run: a {@link Module} or a {@link Plugin}
 * (a `Watched` one was resolved to its current version before).
 * @throws {@linkcode InvalidArgumentError} naming `path`.
 * @internal
 */
export function checkTarget(target: unknown, path: string): asserts target is Module | Plugin {
  if (!(target instanceof Module) && !(target instanceof Plugin)) {
    throw new InvalidArgumentError(`${path} must be a Module, a Plugin or a Watched one (see rt.loadModule / rt.loadPlugin / rt.watch)`, path)
  }
}

export async function prepareWasiCall(
  rt: Runtime,
  target: Module | Plugin,
  o: RunOptions,
): Promise<{ store: Store; instance: Instance; finish: () => void } | null> {
  if (!(target instanceof Plugin) && !importsWasi(target)) return null
  const p = plan(rt, target, o)
  let store: Store | undefined
  try {
    store = storeFor(rt, p)
    const instance = store.instantiate(p.module, withPreloads(store, o))
    if (instance.module.exports.some((e) => e.name === '_initialize')) await invoke(rt, instance, '_initialize', [], o.signal)
    const s = store
    return {
      store: s,
      instance,
      finish: () => {
        drainAudit(rt, s, p)
        p.release()
      },
    }
  } catch (e) {
    if (store) drainAudit(rt, store, p)
    p.release()
    throw e
  }
}

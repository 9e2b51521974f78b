/**
 * The piscina worker of worker placement (see `workers.ts`): runs one call
 * per task on this thread, with the host functions of the task's `host`
 * file called synchronously beside the guest. The module comes from the
 * main thread by number, compiled once for the whole process.
 *
 * @module
 */
import { Engine, type EngineOptions } from '../runtime/engine.js'
import { Store } from '../runtime/store.js'
import { Module } from '../loader/module.js'
import type { Imports, Instance } from '../loader/instance.js'
import type { Memory } from '../runtime/externs.js'
import { binding } from '../runtime/binding.js'
import { errorData, InvalidArgumentError } from '../errors.js'
import { GcRef } from '../runtime/gcref.js'
import type { WorkerReply, WorkerTask } from './workers.js'

/** What a host file's `(ctx) => imports` function gets. */
export interface HostContext {
  /** The instance's exported memory (the first one); valid while the call runs. */
  memory(): Memory
}

const modules = new Map<string, Module>()
const hosts = new Map<string, unknown>()

function moduleOf(t: WorkerTask): Module {
  const key = `${JSON.stringify(t.engine)}#${t.moduleId}`
  let m = modules.get(key)
  if (!m) {
    const engine = Engine.shared(t.engine as EngineOptions)
    m = new Module(engine, binding.BindingModule.fromShared(engine.binding, t.moduleId))
    modules.set(key, m)
  }
  return m
}

async function hostOf(url: string): Promise<unknown> {
  if (!hosts.has(url)) {
    const mod = (await import(url)) as { default?: unknown }
    if (mod.default === undefined) throw new InvalidArgumentError(`the host file ${url} has no default export (the imports object, or (ctx) => imports)`, 'host')
    hosts.set(url, mod.default)
  }
  return hosts.get(url)
}

/** Runs one task; errors come back as data (their class survives the thread hop). */
export default async function runTask(t: WorkerTask): Promise<WorkerReply> {
  let store: Store | undefined
  try {
    const module = moduleOf(t)
    const host = await hostOf(t.host)
    store = new Store(module.engine, { maxMemory: t.maxMemory }, module)
    if (t.timeout !== null && module.engine.options.epochInterruption !== false) store.setTimeout(t.timeout)
    if (t.fuel != null) store.setFuel(t.fuel)
    if (t.stats) store.collectStats = true
    let instance: Instance | null = null
    const ctx: HostContext = {
      memory: () => {
        if (!instance) throw new InvalidArgumentError('ctx.memory() was used before the instance existed')
        return instance.memory()
      },
    }
    const imports = (typeof host === 'function' ? (host as (c: HostContext) => Imports)(ctx) : host) as Imports
    instance = store.instantiate(module, imports)
    if (t.kind === 'bytes') {
      const value = instance.callBytesWithToken(t.fn, t.input!, t.token)
      return { ok: true, value, stats: null }
    }
    const value = instance.func(t.fn).callWithToken(t.args, t.token)
    // Its object is rooted in this store, which ends with the call: a handle could not be used anywhere.
    const results = Array.isArray(value) ? value : [value]
    const i = results.findIndex((v) => v instanceof GcRef)
    if (i >= 0) {
      throw new InvalidArgumentError(
        `the result of '${t.fn}' is a GC reference (${(results[i] as GcRef).kind}), which cannot cross from a worker thread: its store ends with the call; return numbers, or call it through an Instance on the main thread`,
      )
    }
    return { ok: true, value, stats: t.stats ? store.lastCallStats : null }
  } catch (e) {
    return { ok: false, error: errorData(e) }
  } finally {
    // A token the call never reached must not stay behind.
    binding.discardCallToken(t.token)
    store?.release()
  }
}

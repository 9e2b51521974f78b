import { Engine, type EngineOptions } from './engine.js'
import { Store, type StoreLimits } from './store.js'
import { artifactKey, precompile } from './aot.js'
import { Module } from '../loader/module.js'
import { loadModuleFile } from '../loader/load.js'
import type { Imports, Instance } from '../loader/instance.js'
import { callOnce, callOnceSync, type CallOptions, type CallResult } from '../executor/call.js'
import { validateRuntimeOptions } from '../options/validate.js'

/**
 * Options of {@link createRuntime}. Every limit is a default that a single
 * call can override.
 */
export interface RuntimeOptions {
  /**
   * Largest linear memory of an instance, in bytes. Growing past it throws
   * {@link MemoryLimitError}.
   * @default 100_000_000
   */
  maxMemory?: number
  /**
   * Wall-clock limit of one call, in milliseconds. Overrunning it throws
   * {@link TimeoutError}.
   * @default 5_000
   */
  maxExecutionTime?: number
  /**
   * Default instruction budget per call; running out throws
   * {@link FuelExhaustedError}. Setting it turns on fuel metering, which
   * slows guests somewhat (see the `metering.fuel` benchmark).
   * @default undefined (no metering)
   */
  fuel?: number
  /**
   * Reuse compiled code: the same bytes are compiled once per process.
   * @default true
   */
  cacheCompiledModules?: boolean
  /**
   * Run calls off the main thread when possible.
   * @default true
   */
  parallelExecution?: boolean
  /**
   * Engine options (compiler, proposals, fuel, pooling).
   * @default {}
   */
  engine?: EngineOptions
  /**
   * Key that signs and verifies `.cwasm` artifacts.
   * @default the CWASM_ARTIFACT_KEY environment variable, else a random per-user key
   */
  artifactKey?: string | Uint8Array
}

/** The defaults of {@link RuntimeOptions}. */
export const DEFAULTS = Object.freeze({
  maxMemory: 100_000_000,
  maxExecutionTime: 5_000,
  cacheCompiledModules: true,
  parallelExecution: true,
})

/**
 * A configured runtime: an engine, default limits, and the ways to load and
 * call modules.
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ maxMemory: 100_000_000, maxExecutionTime: 5_000 })
 * const mod = await rt.loadModule('examples/compute.wasm')
 * await rt.call(mod, 'process', [42]) // 84
 * ```
 */
export class Runtime {
  /** The engine every module of this runtime is compiled for. */
  readonly engine: Engine
  /** The options in force, defaults filled in. */
  readonly options: Readonly<Required<Omit<RuntimeOptions, 'artifactKey' | 'engine' | 'fuel'>>> & {
    engine: EngineOptions
    fuel: number | null
  }
  #key: string | Uint8Array | undefined

  /** @internal */
  constructor(options: RuntimeOptions) {
    this.options = Object.freeze({
      maxMemory: options.maxMemory ?? DEFAULTS.maxMemory,
      maxExecutionTime: options.maxExecutionTime ?? DEFAULTS.maxExecutionTime,
      cacheCompiledModules: options.cacheCompiledModules ?? DEFAULTS.cacheCompiledModules,
      parallelExecution: options.parallelExecution ?? DEFAULTS.parallelExecution,
      fuel: options.fuel ?? null,
      engine: options.fuel !== undefined ? { ...options.engine, fuel: true } : (options.engine ?? {}),
    })
    this.engine = Engine.shared(this.options.engine)
    this.#key = options.artifactKey
  }

  /**
   * Loads a module from a path or bytes: `.wasm`, `.wat` or a signed `.cwasm`.
   * @throws {@linkcode CompileError}, {@linkcode ArtifactError}, {@linkcode InvalidArgumentError}
   */
  async loadModule(source: string | Uint8Array): Promise<Module> {
    return loadModuleFile(this.engine, source, {
      cache: this.options.cacheCompiledModules,
      ...(this.#key !== undefined ? { artifactKey: this.#key } : {}),
    })
  }

  /**
   * Compiles wasm bytes or WAT text synchronously.
   * @throws {@linkcode CompileError}
   */
  compile(source: Uint8Array | string): Module {
    return Module.compile(this.engine, source, { cache: this.options.cacheCompiledModules })
  }

  /**
   * Compiles ahead of time into a signed `.cwasm` artifact for this runtime's engine.
   * @throws {@linkcode CompileError}
   */
  precompile(source: Uint8Array | string): Uint8Array {
    return precompile(this.engine, source, this.#key)
  }

  /** The bytes of the key that signs this runtime's artifacts. */
  get artifactKey(): Uint8Array {
    return artifactKey(this.#key)
  }

  /**
   * A new store with this runtime's limits (overridable).
   * @throws {@linkcode InvalidArgumentError} for invalid limits.
   */
  createStore(limits: StoreLimits = {}, maxExecutionTime: number | null = this.options.maxExecutionTime): Store {
    const store = new Store(this.engine, { maxMemory: this.options.maxMemory, ...limits })
    if (maxExecutionTime !== null && this.engine.options.epochInterruption !== false) {
      store.setTimeout(maxExecutionTime)
    }
    return store
  }

  /**
   * Instantiates a module in a new store with this runtime's limits.
   * @throws {@linkcode LinkError}, {@linkcode TrapError}
   */
  instantiate(module: Module, imports: Imports = {}): Instance {
    return this.createStore().instantiate(module, imports)
  }

  /**
   * Calls an export in a fresh instance, within this runtime's limits, and
   * returns its result (`undefined` for none, an array for several).
   * @throws {@linkcode TrapError}, {@linkcode TimeoutError}, {@linkcode MemoryLimitError},
   * {@linkcode HostFunctionError}, {@linkcode LinkError}, {@linkcode InvalidArgumentError}
   */
  async call(module: Module, name: string, args: unknown[] = [], options: CallOptions = {}): Promise<unknown> {
    return (await callOnce(this, module, name, args, options)).value
  }

  /**
   * {@link Runtime.call}, also returning what the call cost: wall time, fuel
   * consumed (when fuel is on) and peak linear memory.
   */
  async callWithStats(module: Module, name: string, args: unknown[] = [], options: CallOptions = {}): Promise<CallResult> {
    return callOnce(this, module, name, args, options, true)
  }

  /**
   * {@link Runtime.call} on the calling thread, for tiny calls: no thread hop,
   * but the event loop waits for the guest.
   */
  callSync(module: Module, name: string, args: unknown[] = [], options: CallOptions = {}): unknown {
    return callOnceSync(this, module, name, args, options).value
  }
}

/**
 * Creates a runtime.
 * @throws {@linkcode InvalidArgumentError} naming the offending option.
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ maxMemory: 100_000_000, maxExecutionTime: 5_000, cacheCompiledModules: true })
 * ```
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  validateRuntimeOptions(options)
  return new Runtime(options)
}

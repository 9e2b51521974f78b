import { Engine, type EngineOptions } from './engine.js'
import { Store, type StoreLimits } from './store.js'
import { artifactKey, isArtifact, precompile, verifierArgs, type Ed25519Key, type PrecompileOptions } from './aot.js'
import { defaultModuleCacheDir, ModuleCache } from './cache.js'
import { binding } from './binding.js'
import { Module } from '../loader/module.js'
import { loadModuleFile, readSource, type LoadOptions } from '../loader/load.js'
import { ClosedError, InvalidArgumentError, native } from '../errors.js'
import type { Imports, Instance } from '../loader/instance.js'
import { callOnceSync, type CallOptions, type CallResult } from '../executor/call.js'
import type { RunOptions, RunResult } from '../executor/run.js'
import { Executor, type CloseOptions, type ExecutorOptions } from '../executor/executor.js'
import { validateRuntimeOptions } from '../options/validate.js'
import { AuditLog } from '../sandbox/audit.js'
import { Plugin, readPlugin, type LoadPluginOptions } from '../sandbox/plugin.js'
import { Watched, type Loaded, type WatchOptions } from '../loader/watch.js'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { checkInstance, checkMadeHere, checkName, checkOptionsObject, checkSource, isObject } from '../options/arguments.js'
import { RUNTIME_DEFAULTS, type RuntimeOptions } from '../options/options.generated.js'
import { NATIVE_CAPABILITIES, selectBackend, unsupportedObject, type RuntimeCapabilities } from '../fallback/capabilities.js'

// The runtime's options are defined once, in options/definitions.mjs.
export type { RuntimeOptions } from '../options/options.generated.js'

/** The defaults of {@link RuntimeOptions}. */
export const DEFAULTS = RUNTIME_DEFAULTS

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
  readonly options: Readonly<Required<Omit<RuntimeOptions, 'artifactKey' | 'engine' | 'fuel' | 'trustedKeys' | 'cacheDir'>>> & {
    engine: EngineOptions
    fuel: number | null
  }
  /**
   * What this runtime's backend guarantees (fuel, deadlines, memory caps, the
   * WASI sandbox, artifacts, …; see {@link RuntimeCapabilities}): all `true`
   * on the native backend; on the host's own `WebAssembly` each `false` one is
   * refused with {@link UnsupportedError} when asked for.
   */
  readonly capabilities: RuntimeCapabilities
  /**
   * Every refusal of the sandbox in this runtime's runs and calls: denied
   * WASI calls, filesystem accesses the preopen rules refused, and imports
   * refused at load. Bounded (the oldest go first, counted in `dropped`).
   */
  readonly audit: AuditLog = new AuditLog()
  /** The on-disk module cache, or `null` when it is off (`cacheDir: false` or `cacheCompiledModules: false`). */
  readonly cache: ModuleCache | null
  #key: string | Uint8Array | undefined
  #trusted: Ed25519Key[] | undefined
  #executor: Executor | null = null
  #executors = new Set<Executor>()
  #closed = false

  /** @internal */
  constructor(options: RuntimeOptions, capabilities: RuntimeCapabilities = NATIVE_CAPABILITIES) {
    // Capabilities are frozen objects of capabilities.ts; plain JS passing its own is refused with the rest.
    checkMadeHere(isObject(options) && isObject(capabilities) && Object.isFrozen(capabilities) && typeof capabilities.backend === 'string', new.target.name, 'runtimes come from createRuntime(options)')
    this.capabilities = capabilities
    const native = capabilities.backend === 'native'
    this.options = Object.freeze({
      backend: options.backend ?? DEFAULTS.backend, // as asked; `capabilities.backend` is the one in use
      maxMemory: options.maxMemory ?? DEFAULTS.maxMemory,
      maxExecutionTime: options.maxExecutionTime ?? DEFAULTS.maxExecutionTime,
      cacheCompiledModules: options.cacheCompiledModules ?? DEFAULTS.cacheCompiledModules,
      parallelExecution: options.parallelExecution ?? DEFAULTS.parallelExecution,
      maxCacheSize: options.maxCacheSize ?? DEFAULTS.maxCacheSize,
      fuel: options.fuel ?? null,
      engine: options.fuel !== undefined ? { ...options.engine, fuel: true } : (options.engine ?? {}),
    })
    this.engine = native ? Engine.shared(this.options.engine) : unsupportedObject<Engine>('rt.engine')
    this.#key = options.artifactKey
    this.#trusted = options.trustedKeys
    const dir = options.cacheDir === undefined ? defaultModuleCacheDir() : options.cacheDir
    this.cache =
      native && this.options.cacheCompiledModules && dir !== false ? new ModuleCache(dir, this.options.maxCacheSize, artifactKey(options.artifactKey)) : null
  }

  /** How this runtime loads modules. @internal */
  loadOptions(): LoadOptions {
    return {
      cache: this.options.cacheCompiledModules,
      diskCache: this.cache,
      ...(this.#key !== undefined ? { artifactKey: this.#key } : {}),
      ...(this.#trusted !== undefined ? { trustedKeys: this.#trusted } : {}),
    }
  }

  /**
   * Loads a module from a path or bytes: `.wasm`, `.wat` or a signed `.cwasm`.
   * @throws {@linkcode CompileError}, {@linkcode ArtifactError}, {@linkcode InvalidArgumentError}
   */
  async loadModule(source: string | Uint8Array): Promise<Module> {
    return loadModuleFile(this.engine, source, this.loadOptions())
  }

  /**
   * Compiles wasm bytes or WAT text synchronously (through the disk cache when it is on).
   * @throws {@linkcode CompileError} for an invalid module, {@linkcode InvalidArgumentError} when `source` is neither bytes nor a string
   */
  compile(source: Uint8Array | string): Module {
    checkSource(source, 'rt.compile(source)')
    if (this.cache && this.options.cacheCompiledModules) {
      const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source
      return this.cache.loadSync(this.engine, bytes, null).module
    }
    return Module.compile(this.engine, source, { cache: this.options.cacheCompiledModules })
  }

  /**
   * Checks a module without running it: wasm and WAT are validated, a
   * `.cwasm` is verified (header, engine, signature) without being loaded.
   * @throws {@linkcode CompileError}, {@linkcode ArtifactError}, {@linkcode InvalidArgumentError}
   * @example
   * ```ts
   * await rt.validate('plugin.wasm') // throws when it is not valid
   * ```
   */
  async validate(source: string | Uint8Array): Promise<void> {
    const { bytes, file } = await readSource(source)
    if (isArtifact(bytes)) {
      const [local, trusted] = verifierArgs(this.#key, this.#trusted)
      native(() => binding.BindingModule.verifyArtifact(this.engine.binding, bytes, local, trusted))
      return
    }
    native(() => Module.validate(this.engine, bytes), { file })
  }

  /**
   * Compiles ahead of time into a signed `.cwasm` artifact for this runtime's engine: with the local
   * key, or with `options.signKey` (Ed25519) for runtimes that trust its public key.
   * @throws {@linkcode CompileError}, {@linkcode InvalidArgumentError} for a bad key.
   */
  precompile(source: Uint8Array | string, options: PrecompileOptions = {}): Uint8Array {
    return precompile(this.engine, source, this.#key, options)
  }

  /** The bytes of the key that signs this runtime's artifacts. */
  get artifactKey(): Uint8Array {
    return artifactKey(this.#key)
  }

  /**
   * A new store with this runtime's limits (overridable); made for `module`
   * when given, so it runs the best code that module has now (see the
   * {@link Store} constructor).
   * @param limits Limits over the runtime's. @default the runtime's
   * @param maxExecutionTime The store's time limit in ms. @default the runtime's `maxExecutionTime`
   * @param module The module the store is made for. @default none
   * @throws {@linkcode InvalidArgumentError} for invalid limits.
   */
  createStore(limits: StoreLimits = {}, maxExecutionTime: number | null = this.options.maxExecutionTime, module?: Module): Store {
    const store = new Store(this.engine, { maxMemory: this.options.maxMemory, ...limits }, module)
    if (maxExecutionTime !== null && this.engine.options.epochInterruption !== false) {
      store.setTimeout(maxExecutionTime)
    }
    return store
  }

  /**
   * Instantiates a module in a new store with this runtime's limits.
   * @throws {@linkcode LinkError}, {@linkcode TrapError}, {@linkcode InvalidArgumentError} when `module` is not a {@link Module} or `imports` is malformed
   */
  instantiate(module: Module, imports: Imports = {}): Instance {
    checkInstance(module, Module, 'rt.instantiate(module)', 'a compiled Module (see rt.loadModule)')
    return this.createStore({}, this.options.maxExecutionTime, module).instantiate(module, imports)
  }

  /**
   * Calls an export in a fresh instance, within this runtime's limits, and
   * returns its result (`undefined` for none, an array for several). A
   * {@link Plugin} (or a module importing WASI) runs in its WASI world, with
   * `_initialize` called first when exported; for a plugin, `name` defaults
   * to its manifest's `module.entry`. The call goes through
   * {@link Runtime.executor} (see {@link Executor.run} for where it runs and
   * what `signal` does), and its store is freed when it ends, so a `funcref`
   * result cannot be called afterwards.
   * @throws {@linkcode TrapError}, {@linkcode TimeoutError}, {@linkcode MemoryLimitError},
   * {@linkcode HostFunctionError}, {@linkcode LinkError}, {@linkcode InvalidArgumentError},
   * {@linkcode CapabilityError}, {@linkcode ExitError} (the guest called `proc_exit`),
   * {@linkcode CancelledError} (its `signal` aborted), {@linkcode ClosedError} after {@link Runtime.close}
   * @example
   * ```ts
   * await rt.call(mod, 'process', [42]) // 84
   * ```
   */
  async call(module: Target, name?: string, args: unknown[] = [], options: CallOptions = {}): Promise<unknown> {
    return this.executor.run(module, name, args, options)
  }

  /**
   * {@link Runtime.call}, also returning what the call cost: wall time, fuel
   * consumed (when fuel is on) and peak linear memory.
   * @throws as {@link Runtime.call}
   */
  async callWithStats(module: Target, name?: string, args: unknown[] = [], options: CallOptions = {}): Promise<CallResult> {
    return this.executor.runWithStats(module, name, args, options)
  }

  /**
   * Calls `name` with bytes in and bytes out by the `allocate` convention
   * (README, "Bytes in and out"), through {@link Runtime.executor}.
   * @throws {@linkcode AbiError} when the guest breaks the convention; otherwise as {@link Runtime.call}
   * @example
   * ```ts
   * const out = await rt.callBytes(mod, 'upper', new TextEncoder().encode('hi'))
   * ```
   */
  callBytes(module: Target, name: string, input: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    return this.executor.callBytes(module, name, input, options)
  }

  /**
   * {@link Runtime.callBytes} with a UTF-8 string in and out.
   * @throws as {@link Runtime.callBytes}
   * @example
   * ```ts
   * await rt.callString(mod, 'upper', 'hello') // 'HELLO'
   * ```
   */
  callString(module: Target, name: string, input: string, options: CallOptions = {}): Promise<string> {
    return this.executor.callString(module, name, input, options)
  }

  /**
   * {@link Runtime.callBytes} with JSON in and out.
   * @throws as {@link Runtime.callBytes}, and {@linkcode AbiError} when the output is not JSON
   * @example
   * ```ts
   * await rt.callJson(mod, 'stats', { values: [1, 2, 3] })
   * ```
   */
  callJson(module: Target, name: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    return this.executor.callJson(module, name, input, options)
  }

  /**
   * The runtime's own executor, made on first use, with a thread per core
   * and an unbounded queue: {@link Runtime.call}, {@link Runtime.callWithStats}
   * and {@link Runtime.run} go through it. After {@link Runtime.close} it is
   * closed: its calls reject with {@link ClosedError}.
   * @example
   * ```ts
   * for await (const r of rt.executor.map(mod, 'fib', [20, 25, 30])) console.log(r.index, r.value)
   * ```
   */
  get executor(): Executor {
    if (!this.#executor) this.#executor = this.createExecutor()
    return this.#executor
  }

  /**
   * A new executor for this runtime's calls (closed with the runtime).
   * @throws {@linkcode InvalidArgumentError} for a bad option, {@linkcode ClosedError} after {@link Runtime.close}.
   * @example
   * ```ts
   * const ex = rt.createExecutor({ threads: 1, maxQueue: 100 })
   * ```
   */
  createExecutor(options: Omit<ExecutorOptions, 'runtime'> = {}): Executor {
    if (this.#closed) throw new ClosedError('the runtime is closed')
    const ex = new Executor({ ...options, runtime: this })
    this.#executors.add(ex)
    return ex
  }

  /**
   * Closes every executor of this runtime (see {@link Executor.close}: graceful by
   * default, `force` cancels, `timeout` forces after a while); later calls reject
   * with {@link ClosedError}.
   * @throws {@linkcode InvalidArgumentError} for malformed options.
   * @example
   * ```ts
   * await rt.close({ timeout: 5_000 })
   * ```
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.#closed = true
    if (!this.#executor) this.#executor = new Executor({ runtime: this })
    this.#executors.add(this.#executor)
    await Promise.all([...this.#executors].map((e) => e.close(options)))
  }

  /**
   * {@link Runtime.call} on the calling thread, for tiny calls: no thread hop,
   * but the event loop waits for the guest. Plugins and WASI modules need
   * {@link Runtime.call}. Its store is freed when the call ends.
   * @throws as {@link Runtime.call}
   */
  callSync(module: Module | Watched<Module>, name: string, args: unknown[] = [], options: CallOptions = {}): unknown {
    return callOnceSync(this, module instanceof Watched ? module.current : module, name, args, options).value
  }

  /**
   * Runs a WASI command (`_start`) in a fresh store and resolves to its exit
   * code, captured output and stats. An exit code is a result, not an error:
   * `proc_exit(1)` resolves with `exitCode: 1`. A plain module gets only what
   * `options` grant (nothing by default: `argv[0]`, empty stdin, captured
   * stdout/stderr); a {@link Plugin} gets its sandbox, and `options` may fill
   * in what the sandbox leaves to the host (args, env values, stdin, where
   * output goes) but never widen it.
   * @throws {@linkcode CapabilityError} (refused at load, or options wider than the sandbox),
   * {@linkcode TrapError}, {@linkcode TimeoutError}, {@linkcode CancelledError},
   * {@linkcode FuelExhaustedError}, {@linkcode MemoryLimitError}, {@linkcode LinkError},
   * {@linkcode InvalidArgumentError}; each carries the guest's captured `output` so far.
   * @example
   * ```ts
   * const { exitCode, stdout } = await rt.run(mod, { args: ['--help'], preopens: [{ host: './data', guest: '/data' }] })
   * ```
   */
  async run(target: Target, options: RunOptions = {}): Promise<RunResult> {
    return this.executor.runCommand(target, options)
  }

  /**
   * Loads a module file and keeps it up to date: when the file changes
   * (debounced), the new version is compiled in the background and swapped
   * in at once; calls already running finish on the old one. A file that
   * does not compile leaves the old version serving and emits `'failed'`.
   * Pass the result to {@link Runtime.call} / {@link Runtime.run}.
   * @throws {@linkcode CompileError}, {@linkcode ArtifactError}, {@linkcode InvalidArgumentError} for the first load.
   * @example
   * ```ts
   * const mod = await rt.watch('build/filter.wasm')
   * setInterval(async () => console.log(await rt.call(mod, 'version')), 1000)
   * ```
   */
  async watch(source: string, options: WatchOptions = {}): Promise<Watched<Module>> {
    if (typeof source !== 'string') throw new InvalidArgumentError('rt.watch takes a module file path', 'source')
    const load = async (): Promise<Loaded<Module>> => {
      const m = await loadModuleFile(this.engine, source, this.loadOptions())
      return { value: m, hash: m.hash, files: [source] }
    }
    return new Watched(await load(), load, options)
  }

  /**
   * {@link Runtime.loadPlugin}, kept up to date with its manifest and its
   * module: a change to either reloads the plugin (manifest checked against
   * `policy` again), as {@link Runtime.watch} does for a module.
   * @throws as {@link Runtime.loadPlugin} for the first load.
   * @example
   * ```ts
   * const plugin = await rt.watchPlugin('plugins/resize', { policy })
   * await rt.run(plugin, { args: ['in.png'] })
   * ```
   */
  async watchPlugin(source: string, options: LoadPluginOptions & WatchOptions = {}): Promise<Watched<Plugin>> {
    checkName(source, 'rt.watchPlugin(source)')
    checkOptionsObject(options, 'rt.watchPlugin(options)')
    const { debounceMs, ...load } = options
    const once = async (): Promise<Loaded<Plugin>> => {
      const p = await this.loadPlugin(source, load)
      const files = [p.manifest.file ?? source, p.module.file ?? source]
      const manifest = p.manifest.file ? await readFile(p.manifest.file) : Buffer.alloc(0)
      const hash = createHash('sha256').update(manifest).update(p.module.hash).digest('hex')
      return { value: p, hash, files }
    }
    return new Watched(await once(), once, debounceMs === undefined ? {} : { debounceMs })
  }

  /**
   * Loads a plugin: a manifest (a TOML or JSON file, or a directory holding
   * `manifest.toml`, `cwasm.toml` or `manifest.json`) and the module it
   * names, bound to the sandbox the manifest asks for met with `policy`.
   * Stack and fuel limits of the manifest are engine settings: the module
   * is compiled for an engine with them.
   * @throws {@linkcode ManifestError} with line, column and a code frame; {@linkcode CapabilityError}
   * when the manifest asks for more than the policy allows (both keys named);
   * {@linkcode CompileError}, {@linkcode ArtifactError}, {@linkcode InvalidArgumentError}
   * @example
   * ```ts
   * const plugin = await rt.loadPlugin('plugins/thumbnail', { policy: { filesystem: { read: ['plugins/thumbnail/data'] } } })
   * ```
   */
  async loadPlugin(source: string, options: LoadPluginOptions = {}): Promise<Plugin> {
    const { manifest, sandbox, file } = await readPlugin(source, options)
    const { stack, fuel } = sandbox.limits
    const engine =
      stack === undefined && fuel === undefined
        ? this.engine
        : Engine.shared({ ...this.options.engine, ...(stack !== undefined ? { maxWasmStack: stack } : {}), ...(fuel !== undefined ? { fuel: true } : {}) })
    const module = await loadModuleFile(engine, file, this.loadOptions())
    return new Plugin(manifest, module, sandbox)
  }
}

/** What calls and runs take: a module, a plugin, or a watched one of either (its current version). */
export type Target = Module | Plugin | Watched<Module> | Watched<Plugin>


/**
 * Creates a runtime on the backend `options.backend` (or the
 * `CWASM_BACKEND` environment variable) selects: Wasmtime in the native
 * addon, or the host's own `WebAssembly` where the addon is missing or when
 * asked for (see {@link Runtime.capabilities} for what each guarantees).
 * @throws {@linkcode InvalidArgumentError} naming the offending option; {@linkcode UnsupportedError} for
 * `backend: 'native'` where the addon did not load (naming the platform package it needs), or an option
 * the WebAssembly backend cannot honour (`fuel`, `maxMemory`, `maxExecutionTime`, …).
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ maxMemory: 100_000_000, maxExecutionTime: 5_000, cacheCompiledModules: true })
 * ```
 */
export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  validateRuntimeOptions(options)
  const { backend, reason } = selectBackend(options.backend)
  if (backend === 'webassembly') {
    // Loaded on demand: the fallback's class extends Runtime.
    const { createWebAssemblyRuntime } = await import('../fallback/runtime.js')
    return createWebAssemblyRuntime(options, reason)
  }
  return new Runtime(options)
}

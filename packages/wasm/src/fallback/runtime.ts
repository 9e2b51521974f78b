// The WebAssembly backend: the Runtime's surface on the host's own
// `WebAssembly`, for platforms without a prebuilt addon (or when forced with
// `backend: 'webassembly'` / CWASM_BACKEND). Everything it cannot guarantee
// (fuel, stopping a running call, memory caps, the WASI sandbox, artifacts,
// calls off the main thread) is refused with UnsupportedError, never
// skipped: see RuntimeCapabilities.
import { decodeOutput, encodeInput } from '../executor/codec.js'
import { Runtime, type RuntimeOptions, type Target } from '../runtime/runtime.js'
import type { Module } from '../loader/module.js'
import type { Imports, Instance } from '../loader/instance.js'
import type { Store, StoreLimits } from '../runtime/store.js'
import type { PrecompileOptions } from '../runtime/aot.js'
import { isArtifact } from '../runtime/aot.js'
import type { CallOptions, CallResult } from '../executor/call.js'
import type { RunOptions, RunResult } from '../executor/run.js'
import type { CloseOptions, Executor, ExecutorOptions } from '../executor/executor.js'
import type { LoadPluginOptions, Plugin } from '../sandbox/plugin.js'
import { Watched, type Loaded, type WatchOptions } from '../loader/watch.js'
import { readSource } from '../loader/load.js'
import { checkMadeHere, checkOptionsObject, checkSource } from '../options/arguments.js'
import { validateCallOptions, validateCloseOptions } from '../options/validate.js'
import { AbiError, CancelledError, ClosedError, InvalidArgumentError, UnsupportedError, type UnsupportedFeature } from '../errors.js'
import { webassemblyCapabilities } from './capabilities.js'
import { WebAssemblyModule } from './module.js'
import { WA } from './host.js'
import { loadWabt } from './wat.js'
import { instantiate, invoke, memoryPeak, type Live } from './call.js'

const WASI_PREFIX = 'wasi'

function refuse(feature: UnsupportedFeature, what: string): never {
  throw new UnsupportedError(`${what} on the webassembly backend (the host's own WebAssembly): see rt.capabilities`, feature, 'webassembly')
}

// Runtime options the host's WebAssembly cannot honour, with what each needs.
const REFUSED_OPTIONS: [keyof RuntimeOptions, UnsupportedFeature, string][] = [
  ['maxMemory', 'memoryLimit', 'maxMemory (a cap on linear memory) cannot be enforced'],
  ['maxExecutionTime', 'timeout', 'maxExecutionTime (a deadline) cannot stop a running call'],
  ['fuel', 'fuel', 'fuel cannot be metered'],
  ['engine', 'engine', 'engine options (Wasmtime settings) do not apply'],
  ['artifactKey', 'aot', 'artifactKey (signed .cwasm artifacts) does not apply'],
  ['trustedKeys', 'aot', 'trustedKeys (signed .cwasm artifacts) does not apply'],
  ['maxCacheSize', 'aot', 'maxCacheSize (the disk cache) does not apply'],
]

/**
 * A {@link Runtime} on the host's own `WebAssembly` (made by
 * {@link createRuntime} with `backend: 'webassembly'`, or under `'auto'`
 * where the addon did not load). Modules load from `.wasm` bytes or WAT
 * (through wabt), and {@link Runtime.call}, `callSync`, `callWithStats`,
 * `callBytes`, `callString`, `callJson`, `validate`, `compile`, `watch` and
 * `close` behave as on the native backend, with the same value rules and
 * error classes. A call runs to its end on the main thread. What needs
 * Wasmtime throws {@link UnsupportedError}: see {@link RuntimeCapabilities}.
 *
 * @example
 * ```ts
 * const rt = await createRuntime({ backend: 'webassembly' })
 * rt.capabilities.fuel // false
 * await rt.call(await rt.loadModule('compute.wat'), 'process', [42]) // 84
 * ```
 */
export class WebAssemblyRuntime extends Runtime {
  #modules = new Map<string, WebAssemblyModule>()
  #closed = false

  /** @internal */
  constructor(options: RuntimeOptions, reason: string | null) {
    checkMadeHere(reason === null || typeof reason === 'string', 'WebAssemblyRuntime', 'runtimes come from createRuntime(options)')
    super(options, webassemblyCapabilities(reason))
    // No limit is in force here: say so instead of showing the native defaults.
    Object.defineProperty(this, 'options', {
      value: Object.freeze({
        ...this.options,
        maxMemory: Number.POSITIVE_INFINITY,
        maxExecutionTime: Number.POSITIVE_INFINITY,
        parallelExecution: false,
        maxCacheSize: 0,
        fuel: null,
        engine: {},
      }),
    })
  }

  #open(): void {
    if (this.#closed) throw new ClosedError('the runtime is closed')
  }

  #module(target: unknown, path: string): WebAssemblyModule {
    const t = target instanceof Watched ? (target.current as unknown) : target
    if (t instanceof WebAssemblyModule) return t
    if (t !== null && typeof t === 'object' && 'manifest' in t && 'sandbox' in t) refuse('wasi', 'plugins (a WASI sandbox with capabilities) are not available')
    throw new InvalidArgumentError(`${path} must be a module this runtime loaded (rt.loadModule), or a Watched one`, path)
  }

  #checkCall(module: WebAssemblyModule, args: unknown, options: CallOptions): void {
    this.#open()
    checkOptionsObject(options, 'options')
    validateCallOptions(options)
    if (options.timeout !== undefined && options.timeout !== null) refuse('timeout', 'a per-call timeout cannot stop a running call')
    if (options.fuel !== undefined && options.fuel !== null) refuse('fuel', 'a per-call fuel budget cannot be metered')
    if (options.maxMemory !== undefined) refuse('memoryLimit', 'a per-call maxMemory cannot be enforced')
    if (!Array.isArray(args)) throw new InvalidArgumentError('call arguments must be an array', 'args')
    if (options.signal?.aborted) throw new CancelledError('the call was cancelled before it started', { cause: options.signal.reason })
    if (module.imports.some((i) => i.module.startsWith(WASI_PREFIX))) {
      refuse('wasi', `the module imports WASI (${module.imports.find((i) => i.module.startsWith(WASI_PREFIX))!.module}); node:wasi is no sandbox, so WASI is not offered`)
    }
  }

  #live(module: WebAssemblyModule, options: CallOptions): Live {
    return instantiate(module, options.imports ?? {})
  }

  async #load(bytes: Uint8Array, file: string | null): Promise<WebAssemblyModule> {
    if (isArtifact(bytes)) refuse('aot', '.cwasm artifacts (Wasmtime machine code) cannot be loaded')
    if (!this.options.cacheCompiledModules) return WebAssemblyModule.fromSource(bytes, file)
    const m = await WebAssemblyModule.fromSource(bytes, file)
    const hit = this.#modules.get(m.hash)
    if (hit && hit.file === file) return hit
    this.#modules.set(m.hash, m)
    return m
  }

  /**
   * Loads a module from a path or bytes: `.wasm` or `.wat` (by content).
   * @throws {@linkcode CompileError}, {@linkcode InvalidArgumentError}, {@linkcode UnsupportedError} for a `.cwasm` artifact,
   * {@linkcode ClosedError} after {@link WebAssemblyRuntime.close}
   */
  override async loadModule(source: string | Uint8Array): Promise<Module> {
    this.#open()
    const { bytes, file } = await readSource(source)
    return this.#load(bytes, file)
  }

  /**
   * Compiles wasm bytes or WAT text on the calling thread.
   * @throws {@linkcode CompileError}, {@linkcode InvalidArgumentError}
   */
  override compile(source: Uint8Array | string): Module {
    checkSource(source, 'rt.compile(source)')
    return WebAssemblyModule.fromSourceSync(source, null)
  }

  /**
   * Checks a module without running it.
   * @throws {@linkcode CompileError}, {@linkcode InvalidArgumentError}, {@linkcode UnsupportedError} for a `.cwasm` artifact
   * @example
   * ```ts
   * await rt.validate('plugin.wat')
   * ```
   */
  override async validate(source: string | Uint8Array): Promise<void> {
    const { bytes, file } = await readSource(source)
    if (isArtifact(bytes)) refuse('aot', '.cwasm artifacts cannot be verified')
    await WebAssemblyModule.fromSource(bytes, file)
  }

  /**
   * Not available here: there is no Wasmtime to compile ahead of time.
   * @throws {@linkcode UnsupportedError}
   */
  override precompile(_source: Uint8Array | string, _options: PrecompileOptions = {}): Uint8Array {
    refuse('aot', 'precompiling to .cwasm is not available')
  }

  /**
   * Not available here (no artifacts).
   * @throws {@linkcode UnsupportedError}
   */
  override get artifactKey(): Uint8Array {
    return refuse('aot', 'artifact keys do not apply')
  }

  /**
   * Not available here: stores are Wasmtime's.
   * @throws {@linkcode UnsupportedError}
   */
  override createStore(_limits: StoreLimits = {}, _maxExecutionTime: number | null = null, _module?: Module): Store {
    refuse('engine', 'stores (Wasmtime) are not available; call exports with rt.call')
  }

  /**
   * Not available here: instances are a store's.
   * @throws {@linkcode UnsupportedError}
   */
  override instantiate(_module: Module, _imports: Imports = {}): Instance {
    refuse('engine', 'rt.instantiate (a Wasmtime store and instance) is not available; call exports with rt.call')
  }

  /**
   * Calls an export in a fresh instance and resolves to its result, as on the native backend.
   * The call runs on the main thread to its end: `signal` is honoured before it starts only.
   * @throws {@linkcode TrapError}, {@linkcode HostFunctionError}, {@linkcode LinkError}, {@linkcode InvalidArgumentError},
   * {@linkcode CancelledError}, {@linkcode ClosedError}, {@linkcode WasmException}, {@linkcode UnsupportedError} for
   * `timeout`, `fuel`, `maxMemory`, a plugin or WASI, a `v128` or GC value, or an async host function
   * @example
   * ```ts
   * await rt.call(mod, 'process', [42]) // 84
   * ```
   */
  override async call(module: Target, name?: string, args: unknown[] = [], options: CallOptions = {}): Promise<unknown> {
    return this.callSync(module as Module, name as string, args, options)
  }

  /**
   * {@link Runtime.call} with what it cost: wall time, `fuelConsumed: null`,
   * and the size of the instance's exported memories when it ended (memory
   * only grows, so that is their peak; unexported memories are not counted).
   * @throws as {@link WebAssemblyRuntime.call}
   */
  override async callWithStats(module: Target, name?: string, args: unknown[] = [], options: CallOptions = {}): Promise<CallResult> {
    const m = this.#module(module, 'rt.callWithStats(module)')
    this.#checkCall(m, args, options)
    const start = performance.now()
    const live = this.#live(m, options)
    const value = invoke(live, nameOf(name), args)
    return { value, stats: { wallMs: performance.now() - start, fuelConsumed: null, peakMemory: memoryPeak(live) } }
  }

  /**
   * {@link Runtime.call} on the calling thread (every call of this backend is).
   * @throws as {@link WebAssemblyRuntime.call}
   */
  override callSync(module: Module | Watched<Module>, name: string, args: unknown[] = [], options: CallOptions = {}): unknown {
    const m = this.#module(module, 'rt.call(module)')
    this.#checkCall(m, args, options)
    return invoke(this.#live(m, options), nameOf(name), args)
  }

  /**
   * Bytes in and out by the `allocate` convention (README, "Bytes in and out").
   * @throws {@linkcode AbiError} when the guest breaks the convention; otherwise as {@link WebAssemblyRuntime.call}
   * @example
   * ```ts
   * const out = await rt.callBytes(mod, 'upper', new TextEncoder().encode('hi'))
   * ```
   */
  override async callBytes(module: Target, name: string, input: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const m = this.#module(module, 'rt.callBytes(module)')
    this.#checkCall(m, [], options)
    if (!(input instanceof Uint8Array)) throw new InvalidArgumentError('a bytes call takes a Uint8Array', 'input')
    return bytesCall(this.#live(m, options), nameOf(name), input)
  }

  /**
   * {@link WebAssemblyRuntime.callBytes} with a UTF-8 string in and out.
   * @throws as {@link WebAssemblyRuntime.callBytes}, and {@linkcode AbiError} when the output is not UTF-8
   * @example
   * ```ts
   * await rt.callString(mod, 'upper', 'hello') // 'HELLO'
   * ```
   */
  override async callString(module: Target, name: string, input: string, options: CallOptions = {}): Promise<string> {
    // The executor's codec: the same checks and errors as the native backend.
    return decodeOutput('string', await this.callBytes(module, name, encodeInput('string', input), options)) as string
  }

  /**
   * {@link WebAssemblyRuntime.callBytes} with JSON in and out.
   * @throws as {@link WebAssemblyRuntime.callString}, and {@linkcode AbiError} when the output is not JSON
   * @example
   * ```ts
   * await rt.callJson(mod, 'stats', { values: [1, 2, 3] })
   * ```
   */
  override async callJson(module: Target, name: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    return decodeOutput('json', await this.callBytes(module, name, encodeInput('json', input), options))
  }

  /**
   * Not available here: there are no threads to run calls on.
   * @throws {@linkcode UnsupportedError}
   */
  override get executor(): Executor {
    return refuse('offThread', 'the executor (calls off the main thread) is not available')
  }

  /**
   * Not available here: there are no threads to run calls on.
   * @throws {@linkcode UnsupportedError}
   * @example
   * ```ts
   * rt.createExecutor() // throws UnsupportedError on this backend
   * ```
   */
  override createExecutor(_options: Omit<ExecutorOptions, 'runtime'> = {}): Executor {
    refuse('offThread', 'executors (calls off the main thread) are not available')
  }

  /**
   * Closes the runtime: later loads and calls reject with {@link ClosedError}.
   * Nothing runs in the background here, so it resolves at once.
   * @throws {@linkcode InvalidArgumentError} for malformed options.
   * @example
   * ```ts
   * await rt.close()
   * ```
   */
  override async close(options: CloseOptions = {}): Promise<void> {
    validateCloseOptions(options)
    this.#closed = true
    this.#modules.clear()
  }

  /**
   * Not available here: node:wasi is no sandbox.
   * @throws {@linkcode UnsupportedError}
   */
  override async run(_target: Target, _options: RunOptions = {}): Promise<RunResult> {
    refuse('wasi', 'WASI commands (rt.run) need the sandbox, and node:wasi is none')
  }

  /**
   * Loads a module file and keeps it up to date, as on the native backend.
   * @throws {@linkcode CompileError}, {@linkcode InvalidArgumentError} for the first load, {@linkcode UnsupportedError}
   * for a `.cwasm` artifact, {@linkcode ClosedError} after {@link WebAssemblyRuntime.close}
   * @example
   * ```ts
   * const mod = await rt.watch('build/filter.wat')
   * ```
   */
  override async watch(source: string, options: WatchOptions = {}): Promise<Watched<Module>> {
    if (typeof source !== 'string') throw new InvalidArgumentError('rt.watch takes a module file path', 'source')
    this.#open()
    const load = async (): Promise<Loaded<Module>> => {
      const { bytes, file } = await readSource(source)
      const m = await this.#load(bytes, file)
      return { value: m, hash: m.hash, files: [source] }
    }
    return new Watched(await load(), load, options)
  }

  /**
   * Not available here: plugins run in the WASI sandbox.
   * @throws {@linkcode UnsupportedError}
   */
  override async watchPlugin(_source: string, _options: LoadPluginOptions & WatchOptions = {}): Promise<Watched<Plugin>> {
    refuse('wasi', 'plugins (manifests with capabilities) need the WASI sandbox')
  }

  /**
   * Not available here: plugins run in the WASI sandbox.
   * @throws {@linkcode UnsupportedError}
   */
  override async loadPlugin(_source: string, _options: LoadPluginOptions = {}): Promise<Plugin> {
    refuse('wasi', 'plugins (manifests with capabilities) need the WASI sandbox')
  }

  /** How this runtime loads modules: not through Wasmtime. @internal */
  override loadOptions(): never {
    refuse('engine', 'Wasmtime load options do not apply')
  }
}

function nameOf(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new InvalidArgumentError('the export name must be a non-empty string', 'name')
  return name
}

// The allocate convention, as the native backend implements it.
function bytesCall(live: Live, name: string, input: Uint8Array): Uint8Array {
  const memory = live.instance.exports['memory']
  if (!(memory instanceof WA.Memory)) throw new AbiError('a bytes call needs the guest to export its memory as `memory`')
  const sig = (export_: string, params: string[], results: string[]): void => {
    const t = live.module.exports.find((e) => e.name === export_)?.type
    if (!t || t.kind !== 'func') throw new AbiError(`a bytes call needs the guest to export ${export_}`)
    if (t.params!.join() !== params.join() || t.results!.join() !== results.join()) {
      throw new AbiError(`${export_} must have type func (${params.join(' ')}) -> (${results.join(' ')}), but has ${t.text}`)
    }
  }
  sig('allocate', ['i32'], ['i32'])
  sig(name, ['i32', 'i32'], ['i64'])
  const hasFree = live.module.exports.some((e) => e.name === 'deallocate')
  if (hasFree) sig('deallocate', ['i32', 'i32'], [])
  const inPtr = (invoke(live, 'allocate', [input.length]) as number) >>> 0
  if (inPtr + input.length > memory.buffer.byteLength) throw new AbiError(`allocate(${input.length}) returned ${inPtr}, outside the memory`)
  new Uint8Array(memory.buffer, inPtr, input.length).set(input)
  const packed = BigInt.asUintN(64, invoke(live, name, [inPtr, input.length]) as bigint)
  const outPtr = Number(packed >> 32n)
  const outLen = Number(packed & 0xffff_ffffn)
  if (outPtr + outLen > memory.buffer.byteLength) throw new AbiError(`${name} returned ${outLen} bytes at ${outPtr}, outside the memory`)
  const out = new Uint8Array(memory.buffer, outPtr, outLen).slice()
  if (hasFree) {
    invoke(live, 'deallocate', [inPtr, input.length])
    if (outPtr !== inPtr || outLen !== input.length) invoke(live, 'deallocate', [outPtr, outLen])
  }
  return out
}

/**
 * Creates the WebAssembly backend's runtime (wabt loaded for WAT), refusing
 * every option it cannot honour.
 * @throws {@linkcode UnsupportedError} naming the first such option
 * @internal
 */
export async function createWebAssemblyRuntime(options: RuntimeOptions, reason: string | null): Promise<Runtime> {
  for (const [key, feature, why] of REFUSED_OPTIONS) {
    if (options[key] !== undefined) refuse(feature, why)
  }
  if (options.parallelExecution === true) refuse('offThread', 'parallelExecution (calls off the main thread) is not available')
  if (typeof options.cacheDir === 'string') refuse('aot', 'cacheDir (the disk cache of compiled code) does not apply')
  await loadWabt()
  return new WebAssemblyRuntime(options, reason)
}

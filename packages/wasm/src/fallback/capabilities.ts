import { nativeLoadError, nativeUnavailableMessage } from '../runtime/binding.js'
import { InvalidArgumentError, UnsupportedError } from '../errors.js'

/** A stand-in for what the WebAssembly backend does not have: reading any property throws {@link UnsupportedError}. @internal */
export function unsupportedObject<T>(what: string): T {
  return new Proxy({} as object, {
    get: (_, key) => {
      if (key === 'then' || typeof key === 'symbol') return undefined
      throw new UnsupportedError(`${what} needs the native backend (Wasmtime); this runtime runs on the host's WebAssembly`, 'engine', 'webassembly')
    },
  }) as T
}

/** Which engine runs a runtime's guests: Wasmtime in the addon, or the host's own `WebAssembly`. */
export type Backend = 'native' | 'webassembly'

/**
 * What a runtime's backend can guarantee. Each `false` is a promise kept by
 * refusal: asking for that thing (an option, a per-call limit, a method that
 * needs it) throws {@link UnsupportedError}, it is never silently skipped.
 *
 * @example
 * ```ts
 * const rt = await createRuntime()
 * if (!rt.capabilities.preemptiveTimeout) console.warn(`no deadlines here: ${rt.capabilities.reason}`)
 * ```
 */
export interface RuntimeCapabilities {
  /** The backend in use. */
  readonly backend: Backend
  /** Fuel: a deterministic instruction budget per call (`fuel`, `FuelExhaustedError`). */
  readonly fuel: boolean
  /** A running call can be stopped: deadlines (`maxExecutionTime`, `timeout`, `TimeoutError`) and cancelling a call while it runs. */
  readonly preemptiveTimeout: boolean
  /** Linear memory is capped (`maxMemory`, `MemoryLimitError`). */
  readonly memoryLimit: boolean
  /** WASI with a capability sandbox: `rt.run`, plugins and their manifests, WASI imports. */
  readonly wasiSandbox: boolean
  /** Signed `.cwasm` artifacts and the on-disk module cache. */
  readonly aotCache: boolean
  /** Calls run off the main thread (the executor, `parallelExecution`, `map`). */
  readonly offThreadCalls: boolean
  /** The lower-level Wasmtime API: `Engine`, `Store`, `rt.instantiate`, `rt.createStore`. */
  readonly engineApi: boolean
  /** `v128` and GC references as arguments and results (the host's `WebAssembly` passes neither). */
  readonly allValueTypes: boolean
  /** Modules from WAT text (`.wat` files, strings). */
  readonly wat: boolean
  /** JS host functions as imports (`imports` of a call). */
  readonly hostFunctions: boolean
  /** Bytes in and out by the `allocate` convention (`callBytes`, `callString`, `callJson`). */
  readonly bytesCalls: boolean
  /** Why this backend was chosen when it was not asked for: the addon's load error under `backend: 'auto'`; `null` otherwise. */
  readonly reason: string | null
}

/** Everything: Wasmtime in the addon. @internal */
export const NATIVE_CAPABILITIES: RuntimeCapabilities = Object.freeze({
  backend: 'native',
  fuel: true,
  preemptiveTimeout: true,
  memoryLimit: true,
  wasiSandbox: true,
  aotCache: true,
  offThreadCalls: true,
  engineApi: true,
  allValueTypes: true,
  wat: true,
  hostFunctions: true,
  bytesCalls: true,
  reason: null,
})

/** What the host's own `WebAssembly` gives. @internal */
export function webassemblyCapabilities(reason: string | null): RuntimeCapabilities {
  return Object.freeze({
    backend: 'webassembly',
    fuel: false,
    preemptiveTimeout: false,
    memoryLimit: false,
    wasiSandbox: false,
    aotCache: false,
    offThreadCalls: false,
    engineApi: false,
    allValueTypes: false,
    wat: true,
    hostFunctions: true,
    bytesCalls: true,
    reason,
  })
}

/** The environment variable that overrides the `backend` option. */
export const BACKEND_ENV = 'CWASM_BACKEND'

const CHOICES = ['auto', 'native', 'webassembly'] as const

/**
 * The backend a runtime gets: `CWASM_BACKEND` over the option, `auto`
 * resolved by whether the addon loaded.
 * @throws {@linkcode UnsupportedError} for `native` without the addon, {@linkcode InvalidArgumentError} for a bad `CWASM_BACKEND`
 * @internal
 */
export function selectBackend(option: 'auto' | 'native' | 'webassembly' | undefined): { backend: Backend; reason: string | null } {
  const env = process.env[BACKEND_ENV]
  let choice = option ?? 'auto'
  if (env !== undefined && env !== '') {
    if (!(CHOICES as readonly string[]).includes(env)) {
      throw new InvalidArgumentError(`${BACKEND_ENV}=${env} is not a backend: use one of ${CHOICES.join(', ')}`, BACKEND_ENV)
    }
    choice = env as (typeof CHOICES)[number]
  }
  if (choice === 'webassembly') return { backend: 'webassembly', reason: null }
  if (nativeLoadError === null) return { backend: 'native', reason: null }
  if (choice === 'native') throw new UnsupportedError(nativeUnavailableMessage(), 'native', 'native', { cause: nativeLoadError })
  return { backend: 'webassembly', reason: nativeUnavailableMessage() }
}

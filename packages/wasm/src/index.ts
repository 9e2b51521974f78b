/**
 * Cybernetic WASM: run WebAssembly from Node.js with hard limits.
 *
 * @example
 * ```ts
 * import { createRuntime } from '@cybernetic/wasm'
 * const rt = await createRuntime()
 * const mod = await rt.loadModule('compute.wasm')
 * console.log(await rt.call(mod, 'process', [42]))
 * ```
 * @module
 */
export { createRuntime, Runtime, DEFAULTS, type RuntimeOptions } from './runtime/runtime.js'
export { Engine, type EngineOptions, type PoolingOptions } from './runtime/engine.js'
export { Store, type StoreLimits, type HostFunction, type CallStats } from './runtime/store.js'
export { Func, Memory, Table, Global, Tag, type Extern, type ExternType, type FuncType } from './runtime/externs.js'
export { SLOT, type ValueType, type WasmValue } from './runtime/values.js'
export { precompile, loadArtifact, isArtifact, artifactKey, cacheDir } from './runtime/aot.js'
export { Module, type ImportType, type ExportType, type CompileOptions } from './loader/module.js'
export { Instance, type Imports, type ImportValue } from './loader/instance.js'
export { loadModuleFile, type LoadOptions } from './loader/load.js'
export type { CallOptions, CallResult } from './executor/call.js'
export { registryStats, trapCodes, wasmtimeVersion } from './runtime/info.js'
export * from './errors.js'

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
export { createRuntime, Runtime, DEFAULTS, type RuntimeOptions, type Target } from './runtime/runtime.js'
export { BACKEND_ENV, type Backend, type RuntimeCapabilities } from './fallback/capabilities.js'
export { WebAssemblyRuntime } from './fallback/runtime.js'
export { WebAssemblyModule } from './fallback/module.js'
export { Engine, type EngineOptions, type PoolingOptions } from './runtime/engine.js'
export { Store, type StoreLimits, type HostFunction, type CallStats } from './runtime/store.js'
export { Func, Memory, Table, Global, Tag, type Extern, type ExternType, type FuncType } from './runtime/externs.js'
export { SLOT, type ValueType, type RefTypeName, type WasmValue, type GcKind } from './runtime/values.js'
export { GcRef } from './runtime/gcref.js'
export {
  precompile,
  loadArtifact,
  isArtifact,
  artifactKey,
  cacheDir,
  publicKeyBytes,
  generateSigningKeys,
  readArtifactHeader,
  type Ed25519Key,
  type SigningKeys,
  type PrecompileOptions,
  type LoadArtifactOptions,
  type ArtifactHeader,
} from './runtime/aot.js'
export {
  ModuleCache,
  defaultModuleCacheDir,
  DEFAULT_MAX_CACHE_SIZE,
  type ModuleCacheStats,
  type CacheRejection,
  type CacheOutcome,
} from './runtime/cache.js'
export { inspectModule, moduleText, type ModuleInspection, type CustomSection } from './loader/inspect.js'
export { Module, type ImportType, type ExportType, type CompileOptions } from './loader/module.js'
export { Instance, type Imports, type ImportValue } from './loader/instance.js'
export { loadModuleFile, type LoadOptions } from './loader/load.js'
export { Linker, type LinkerOptions } from './loader/linker.js'
export { Watched, type WatchOptions, type WatchedVersion, type ReloadFailure } from './loader/watch.js'
export type { CallOptions, CallResult } from './executor/call.js'
export {
  Executor,
  createExecutor,
  type ExecutorOptions,
  type ExecOptions,
  type ExecutorStats,
  type StreamResult,
  type CloseOptions,
} from './executor/executor.js'
export { mapCalls, type MapOptions, type MapResult, type MapProgress } from './executor/map.js'
export { encodeInput, decodeOutput, type Codec } from './executor/codec.js'
export { ByteStream, DEFAULT_HIGH_WATER_MARK } from './executor/stream.js'
export type { HostContext } from './executor/worker.js'
export { poolStats, type PoolStats } from './executor/pool.js'
export type { RunOptions, RunResult } from './executor/run.js'
export { registryStats, trapCodes, wasmtimeVersion, type RegistryStats } from './runtime/info.js'
export { locationAt, offsetAt, codeFrame, type TextLocation } from './text/location.js'
export { keyPath, locateKeys, type Span, type KeyPosition, type KeyPositions } from './sandbox/locate.js'
export {
  parseManifest,
  readManifest,
  type Manifest,
  type ManifestModule,
  type ManifestCapabilities,
  type ManifestLimits,
  type Mount,
  type EnvGrant,
  type StdioGrant,
  type ParseManifestOptions,
  type ReadManifestOptions,
} from './sandbox/manifest.js'
export { intersect, validatePolicy, readPolicy, type SandboxPolicy, type FilesystemPolicy, type EffectiveSandbox, type Preopen } from './sandbox/policy.js'
export { Plugin, MANIFEST_NAMES, type LoadPluginOptions } from './sandbox/plugin.js'
export { AuditLog, type AuditRecord, type AuditLogOptions } from './sandbox/audit.js'
export { wasiFunctions, GRANT_KEYS, WASI_MODULE, type WasiCapability, type WasiFunctionInfo, type Grants } from './sandbox/capabilities.js'
export { DEFAULT_MAX_OUTPUT, type WasiOptions, type PreopenOption, type OutputOption, type StdinOption } from './sandbox/wasi.js'
export * from './errors.js'

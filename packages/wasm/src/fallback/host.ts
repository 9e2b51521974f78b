// The host's own WebAssembly, typed here rather than through the DOM lib:
// Node 20's @types/node declares no `WebAssembly`, and the package's
// declarations must compile for a consumer whose tsconfig has `lib:
// ["ES2022"]` and `types: ["node"]` only. What the fallback uses and no more.

/** A module compiled by the host (a `WebAssembly.Module`). @internal */
export interface HostModule {
  readonly [Symbol.toStringTag]: string
}

/** An instance made by the host (a `WebAssembly.Instance`). @internal */
export interface HostInstance {
  readonly exports: Record<string, unknown>
}

/** A memory of the host (a `WebAssembly.Memory`). @internal */
export interface HostMemory {
  readonly buffer: ArrayBuffer
}

type Ctor<T> = abstract new (...args: never[]) => T

/** What the fallback reads from `globalThis.WebAssembly`. @internal */
export interface HostWebAssembly {
  compile(bytes: Uint8Array): Promise<HostModule>
  Module: new (bytes: Uint8Array) => HostModule
  Instance: new (module: HostModule, imports: Record<string, Record<string, unknown>>) => HostInstance
  Memory: Ctor<HostMemory>
  Table: Ctor<object>
  Global: Ctor<object>
  LinkError: Ctor<Error>
  RuntimeError: Ctor<Error>
  /** Only where the host implements exception handling. */
  Tag?: Ctor<object>
  /** Only where the host implements exception handling. */
  Exception?: Ctor<object>
}

/** The host's `WebAssembly` (Node always has one, except under `--jitless`). @internal */
export const WA = (globalThis as unknown as { WebAssembly: HostWebAssembly }).WebAssembly

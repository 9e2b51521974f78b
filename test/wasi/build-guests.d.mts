// Types for build-guests.mjs (so TypeScript tests can import it).
export declare const GUESTS_DIR: string
export declare const CACHE_DIR: string
export declare const CC: string
export declare const SYSROOT: string
export declare const FLAGS: readonly string[]
export declare const PACKAGES: readonly string[]
export declare function guestNames(): string[]
/** Build (or take from the cache) every guest, or only `names`: guest name -> absolute .wasm path. */
export declare function buildGuests(opts?: { names?: string[]; force?: boolean; noInstall?: boolean; quiet?: boolean }): Promise<Record<string, string>>
/** The WASI functions a module imports, sorted (non-WASI imports as `module.name`). */
export declare function wasiImports(wasmPath: string): string[]

// The native addon, loaded once per thread (the image itself is shared by
// every worker_thread of the process). Where it does not load (no prebuilt
// binary for this platform), importing this package still works: `binding`
// is then a stand-in whose every use throws UnsupportedError, and
// createRuntime picks the WebAssembly fallback (src/fallback/) under
// `backend: 'auto'`. The native path is unchanged: `binding` is the addon
// object itself.
import { createRequire } from 'node:module'
import type * as Native from '@cybernetic/wasm-native'
import { UnsupportedError } from '../errors.js'

const require = createRequire(import.meta.url)

/** Why the addon did not load, or `null` when it did. @internal */
export let nativeLoadError: Error | null = null

function load(): typeof Native {
  try {
    return require('@cybernetic/wasm-native') as typeof Native
  } catch (e) {
    nativeLoadError = e instanceof Error ? e : new Error(String(e))
    return absent()
  }
}

/** The platform package the native loader looks for on this platform (package name, platform, arch and libc). @internal */
export function platformPackage(): string {
  const { platform, arch } = process
  let abi = ''
  if (platform === 'linux') {
    const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined
    abi = report?.header?.glibcVersionRuntime ? '-gnu' : '-musl'
  } else if (platform === 'win32') abi = '-msvc'
  return `@cybernetic/wasm-native-${platform}-${arch}${abi}`
}

/** What went wrong loading the addon, in one sentence naming the package it needs. @internal */
export function nativeUnavailableMessage(): string {
  const chain: string[] = []
  for (let e: unknown = nativeLoadError; e instanceof Error && chain.length < 4; e = e.cause) {
    const first = e.message.split('\n')[0]!
    if (!chain.includes(first)) chain.push(first)
  }
  return `the native addon did not load: this platform needs ${platformPackage()} (an optional dependency of @cybernetic/wasm-native), and loading it failed: ${chain.join('; ') || 'unknown error'}`
}

// Reading any property throws (`then` and symbols excepted, so the object
// can be awaited and inspected); the few uses at import time (externs.ts,
// host.ts) check `nativeLoadError` first.
function absent(): typeof Native {
  return new Proxy({} as typeof Native, {
    get: (_, key) => {
      if (key === 'then' || typeof key === 'symbol') return undefined
      throw new UnsupportedError(nativeUnavailableMessage(), 'native', 'native', { cause: nativeLoadError })
    },
  })
}

/** The napi-rs addon. Internal: use the classes of this package instead. */
export const binding: typeof Native = load()

export type {
  BindingEngine,
  BindingEngineOptions,
  BindingExtern,
  BindingExternType,
  BindingModule,
  BindingDiskCache,
  BindingStore,
  BindingWasiOptions,
  BindingAudit,
  BindingAuditRecord,
} from '@cybernetic/wasm-native'

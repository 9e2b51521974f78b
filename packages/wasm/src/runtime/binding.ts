// The native addon, loaded once per thread (the image itself is shared by
// every worker_thread of the process).
import { createRequire } from 'node:module'
import type * as Native from '@cybernetic/wasm-native'

const require = createRequire(import.meta.url)

/** The napi-rs addon. Internal: use the classes of this package instead. */
export const binding: typeof Native = require('@cybernetic/wasm-native') as typeof Native

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

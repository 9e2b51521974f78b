// Host calls from the addon all arrive at one dispatcher per JS thread, by
// host-function id. The addon holds no reference to user functions: a store
// keeps its host functions alive, and this table only holds them weakly, so
// a store, its instances and its host functions are collected together.
import { binding, nativeLoadError } from './binding.js'
import { InternalError } from '../errors.js'

/** `(argSlots, callId)` → result slots, an error id, or 0 (answer comes later). */
export type HostWrapper = (argSlots: Uint8Array, callId: number) => Uint8Array | number

const table = new Map<number, WeakRef<HostWrapper>>()
const cleanup = new FinalizationRegistry<number>((id) => table.delete(id))
let nextId = 1

/** Registers a wrapper; the caller must keep it alive as long as the host function exists. */
export function registerHostFunction(wrapper: HostWrapper): number {
  const id = nextId++
  table.set(id, new WeakRef(wrapper))
  cleanup.register(wrapper, id)
  return id
}

function dispatch(hostId: number, argSlots: Uint8Array, callId: number): Uint8Array | number {
  const wrapper = table.get(hostId)?.deref()
  if (!wrapper) throw new InternalError(`host function ${hostId} was called after its store was collected`)
  return wrapper(argSlots, callId)
}

// Without the addon (the WebAssembly fallback) no guest calls back through here.
if (nativeLoadError === null) binding.setHostDispatcher(dispatch)

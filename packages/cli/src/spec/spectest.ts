// The `spectest` host module every spec script may import from, as the
// reference interpreter defines it (test/core/README of the spec repo).
import type { Func, Global, Memory, Store, Table, ValueType } from '@cybernetic/wasm'

const PRINTS: Record<string, ValueType[]> = {
  print: [],
  print_i32: ['i32'],
  print_i64: ['i64'],
  print_f32: ['f32'],
  print_f64: ['f64'],
  print_i32_f32: ['i32', 'f32'],
  print_f64_f64: ['f64', 'f64'],
}

/** Makes the `spectest` module's items in `store`. */
export function spectest(store: Store): Record<string, Func | Global | Memory | Table> {
  const items: Record<string, Func | Global | Memory | Table> = {}
  for (const [name, params] of Object.entries(PRINTS)) {
    // The reference interpreter prints; a runner only needs them to be callable.
    items[name] = store.func({ params, results: [] }, () => {})
  }
  items['global_i32'] = store.global({ value: 'i32', mutable: false }, 666)
  items['global_i64'] = store.global({ value: 'i64', mutable: false }, 666n)
  items['global_f32'] = store.global({ value: 'f32', mutable: false }, 666.6)
  items['global_f64'] = store.global({ value: 'f64', mutable: false }, 666.6)
  items['table'] = store.table({ element: 'funcref', minimum: 10, maximum: 20 })
  items['table64'] = store.table({ element: 'funcref', minimum: 10, maximum: 20, table64: true })
  items['memory'] = store.memory({ minimum: 1, maximum: 2 })
  // The threads proposal's spectest adds a shared memory; only an engine
  // with threads can make one (and only its scripts import it).
  if (store.engine.options.threads === true) items['shared_memory'] = store.memory({ minimum: 1, maximum: 2, shared: true })
  return items
}

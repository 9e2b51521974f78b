// What a module is made of, read without compiling it.
import { binding } from '../runtime/binding.js'
import { native } from '../errors.js'

/** A custom section of a module. */
export interface CustomSection {
  /** Its name (`name`, `producers`, `.debug_info`, …). */
  name: string
  /** Its size in bytes. */
  size: number
}

/** What {@link inspectModule} finds. */
export interface ModuleInspection {
  /** Size of the binary in bytes. */
  size: number
  /** Custom sections, in order. */
  customSections: CustomSection[]
  /** Features beyond WebAssembly 1.0 it needs, by proposal name (`simd`, `bulk-memory`, `gc`, …). */
  features: string[]
}

/**
 * Custom sections and features of a module (wasm or WAT), without compiling it.
 * @throws {@linkcode CompileError} when it is not a valid module.
 * @example
 * ```ts
 * inspectModule(readFileSync('m.wasm')).features // ['bulk-memory', 'simd']
 * ```
 */
export function inspectModule(bytes: Uint8Array): ModuleInspection {
  return native(() => binding.inspectModule(bytes))
}

/**
 * The text form (WAT) of a module.
 * @throws {@linkcode CompileError} when it is not a module.
 * @example
 * ```ts
 * console.log(moduleText(readFileSync('m.wasm')))
 * ```
 */
export function moduleText(bytes: Uint8Array): string {
  return native(() => binding.wasmToWat(bytes))
}

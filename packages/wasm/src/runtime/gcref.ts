// JS handles for a guest's GC objects (WebAssembly 3.0 structs and arrays)
// and exception objects. The store roots each object under an id while a
// handle is reachable from JS; the handle's collection (or release()) lets
// go of it, so objects that crossed a million times do not pile up.
import type { Store } from './store.js'
import type { GcKind } from './values.js'
import { checkMadeHere, isObject } from '../options/arguments.js'

export type { GcKind } from './values.js'

/**
 * A reference to a guest's struct, array (`anyref`, `eqref`, `structref`,
 * `arrayref` and their concrete forms) or exception object (`exnref`),
 * held by JS. Opaque: its fields are not readable from JS (export a getter
 * from the guest); pass it back to a function of the same store, which
 * checks it against the declared parameter type. `i31ref` values are plain
 * numbers, not handles, and `null` stands for a null reference.
 *
 * The store keeps the object alive while the handle is reachable, and lets
 * go of it when the handle is garbage-collected, or at once on
 * {@link GcRef.release}. A handle that crossed twice is two handles of the
 * same object.
 *
 * @example
 * ```ts
 * const point = instance.func('make_point').call(3, 4) as GcRef // (ref $point)
 * point.kind // 'struct'
 * instance.func('point_x').call(point) // 3
 * ```
 */
export class GcRef {
  /** What kind of object this is. */
  readonly kind: GcKind
  /** The store the object lives in; only its functions accept the handle. */
  readonly store: Store
  /** @internal The store's root id. */
  readonly id: number
  #released = false

  /** @internal Handles come from the values of calls, globals, tables and exceptions. */
  constructor(store: Store, kind: GcKind, id: number) {
    checkMadeHere(isObject(store) && typeof kind === 'string' && Number.isInteger(id), 'GcRef', 'GC references come from the results of calls, globals, tables and exception payloads')
    this.store = store
    this.kind = kind
    this.id = id
  }

  /** Whether {@link GcRef.release} was called; a released handle cannot go back into the guest. */
  get released(): boolean {
    return this.#released
  }

  /**
   * Lets go of the object now instead of when the handle is collected (the
   * guest's own references keep it alive). Calling it again does nothing.
   * @throws never
   * @example
   * ```ts
   * ref.release()
   * instance.func('use').call(ref) // InvalidArgumentError: the handle was released
   * ```
   */
  release(): void {
    if (this.#released) return
    this.#released = true
    this.store.releaseGcRef(this)
  }

  /**
   * A short description, for logs: `GcRef(struct)`.
   * @throws never
   */
  toString(): string {
    return `GcRef(${this.kind})`
  }

  /**
   * What `console.log` and `util.inspect` show: the kind, not the store's internals.
   * @throws never
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.#released ? `GcRef(${this.kind}, released)` : `GcRef(${this.kind})`
  }
}

import { Engine } from '../runtime/engine.js'
import { Store } from '../runtime/store.js'
import { checkInstance, checkString, checkOptionsObject } from '../options/arguments.js'
import type { Module } from './module.js'
import { Instance, type ImportValue, type Imports } from './instance.js'
import { InvalidArgumentError } from '../errors.js'

/** Options of {@link Linker}. */
export interface LinkerOptions {
  /**
   * Let a later definition of the same module/name replace an earlier one; otherwise it is an
   * {@link InvalidArgumentError}.
   * @default false
   */
  allowShadowing?: boolean
}

/**
 * Imports by module and field name, defined once and used for many
 * instantiations: host functions (sync, or `async` for guests called with
 * `callAsync`/`rt.call`), memories, tables, globals and tags of a store, and
 * whole instances whose exports another module imports by name. WASI
 * (`wasi_snapshot_preview1`) needs no definition: it answers from the
 * store's sandbox.
 *
 * @example
 * ```ts
 * const store = new Store(engine)
 * const linker = new Linker(engine)
 *   .define('env', 'log', (x: number) => console.log(x))
 *   .define('env', 'memory', store.memory({ minimum: 1 }))
 * const lib = linker.instantiate(store, libModule)
 * linker.instance('lib', lib)                       // lib's exports as the import module "lib"
 * const app = linker.instantiate(store, appModule)  // LinkError lists every missing or mismatched import
 * ```
 */
export class Linker {
  /** The engine modules must be compiled for. */
  readonly engine: Engine
  readonly #shadowing: boolean
  readonly #items = new Map<string, Map<string, ImportValue>>()
  readonly #instances = new Map<string, Instance>()

  /**
   * @param engine - the engine modules are compiled for. @default Engine.shared()
   * @param options - see {@link LinkerOptions}
   * @throws {@linkcode InvalidArgumentError} when `engine` is not an {@link Engine} or an option is malformed
   */
  constructor(engine: Engine = Engine.shared(), options: LinkerOptions = {}) {
    checkInstance(engine, Engine, 'new Linker(engine)')
    checkOptionsObject(options, 'new Linker(options)')
    if (options.allowShadowing !== undefined && typeof options.allowShadowing !== 'boolean') {
      throw new InvalidArgumentError('new Linker(options).allowShadowing must be true or false', 'new Linker(options).allowShadowing')
    }
    this.engine = engine
    this.#shadowing = options.allowShadowing ?? false
  }

  /**
   * Defines one import: a JS function (its signature is the importing module's), or a
   * {@link Func}, {@link Memory}, {@link Table}, {@link Global} or {@link Tag} of the store it will be
   * used with.
   * @throws {@linkcode InvalidArgumentError} for a name defined before (unless `allowShadowing`) or a value of another kind.
   */
  define(module: string, name: string, item: ImportValue): this {
    if (typeof module !== 'string' || typeof name !== 'string') throw new InvalidArgumentError('a definition needs a module name and a field name', 'module')
    if (item === undefined || item === null || (typeof item !== 'function' && typeof item !== 'object')) {
      throw new InvalidArgumentError(`the definition of ${module}::${name} must be a function or an extern of a store`, `${module}.${name}`)
    }
    const names = this.#items.get(module) ?? new Map<string, ImportValue>()
    if (names.has(name) && !this.#shadowing) {
      throw new InvalidArgumentError(`${module}::${name} is already defined; pass allowShadowing to replace definitions`, `${module}.${name}`)
    }
    names.set(name, item)
    this.#items.set(module, names)
    return this
  }

  /**
   * Defines every export of an instance under the import module `name`.
   * @throws {@linkcode InvalidArgumentError} when `name` names an instance already (unless `allowShadowing`).
   */
  instance(name: string, instance: Instance): this {
    checkString(name, 'linker.instance(name)')
    if (!(instance instanceof Instance)) throw new InvalidArgumentError('linker.instance takes an Instance', 'instance')
    if (this.#instances.has(name) && !this.#shadowing) {
      throw new InvalidArgumentError(`the import module ${name} is already an instance; pass allowShadowing to replace it`, name)
    }
    this.#instances.set(name, instance)
    return this
  }

  /**
   * Instantiates `module` in `store` with these definitions, then defines its exports under `name`.
   * @throws {@linkcode LinkError}, {@linkcode TrapError} as {@link Linker.instantiate}.
   */
  module(store: Store, name: string, module: Module): Instance {
    checkString(name, 'linker.module(name)')
    const instance = this.instantiate(store, module)
    this.instance(name, instance)
    return instance
  }

  /**
   * The definitions as an import object for {@link Store.instantiate} (explicit definitions win over an instance's exports).
   * @throws never
   */
  imports(): Imports {
    const out: Imports = {}
    for (const [name, instance] of this.#instances) out[name] = instance
    for (const [module, names] of this.#items) {
      const base = this.#instances.get(module)
      out[module] = { ...(base ? base.exports : {}), ...Object.fromEntries(names) }
    }
    return out
  }

  /**
   * Instantiates `module` in `store` with these definitions.
   * @throws {@linkcode LinkError} listing every missing or mismatched import with the expected and the given type;
   * {@linkcode TrapError} when its start function traps; {@linkcode InvalidArgumentError} for an item of another store.
   */
  instantiate(store: Store, module: Module): Instance {
    checkInstance(store, Store, 'linker.instantiate(store)')
    return store.instantiate(module, this.imports())
  }
}

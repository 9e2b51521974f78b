// Runs the commands of one spec script against the runtime. All instances of
// a script live in one store, so registered instances link by sharing their
// memories, tables, globals and functions, as the spec's `register` means.
import { readFileSync } from 'node:fs'
import {
  CompileError,
  Func,
  Global,
  Instance,
  LinkError,
  Module,
  SLOT,
  Store,
  WasmError,
  WasmException,
  type Engine,
  type Imports,
} from '@cybernetic/wasm'
import { modulePath, type Action, type Command, type Const, type Script } from './script.js'
import { argumentFits, resultMatches, showConst, showResult, writeConst } from './values.js'
import { isExpectedTrap } from './traps.js'
import { spectest } from './spectest.js'

/** The results of an action, as slots. */
interface Results {
  view: DataView
  count: number
  /** The result types the function or global declares. */
  types: string[]
}

/** A failure of the runner's own preconditions (no such module or export). */
class ScriptError extends Error {}

/** Describes an error in one line: `code: first line of the message`. */
export function describeError(e: unknown): string {
  if (e instanceof WasmError) return `${e.code}: ${firstLine(e.message)}`
  if (e instanceof Error) return firstLine(e.message)
  return String(e)
}

function firstLine(s: string): string {
  const i = s.indexOf('\n')
  return i < 0 ? s : s.slice(0, i)
}

/** Executes one script's commands, in order, keeping its modules' state. */
export class Interpreter {
  readonly #engine: Engine
  readonly #script: Script
  readonly #store: Store
  readonly #imports: Imports
  readonly #named = new Map<string, Instance>()
  /** Modules compiled by `module_definition`, by name. */
  readonly #definitions = new Map<string, Module>()
  #current: Instance | undefined
  /** Why there is no current module (the last module command failed). */
  #noCurrent = 'no module has been defined yet'

  constructor(engine: Engine, script: Script) {
    this.#engine = engine
    this.#script = script
    this.#store = new Store(engine)
    this.#imports = { spectest: spectest(this.#store) }
  }

  /** Runs one command: `null` when it passed, otherwise why it failed. */
  run(cmd: Command): string | null {
    try {
      return this.#run(cmd)
    } catch (e) {
      return e instanceof ScriptError ? e.message : `unexpected ${describeError(e)}`
    }
  }

  #run(cmd: Command): string | null {
    switch (cmd.type) {
      case 'module':
        return this.#makeCurrent(cmd.line, 'module', 'did not load', cmd.name, () => this.#compile(cmd.filename))
      case 'module_definition': {
        // Compiled only; it does not become the current module.
        let module: Module
        try {
          module = this.#compile(cmd.filename)
        } catch (e) {
          return `the module definition did not compile: ${describeError(e)}`
        }
        if (cmd.name !== undefined) this.#definitions.set(cmd.name, module)
        return null
      }
      case 'module_instance':
        return this.#makeCurrent(cmd.line, 'instance', 'did not start', cmd.instance, () => {
          const module = cmd.module === undefined ? undefined : this.#definitions.get(cmd.module)
          if (!module) throw new ScriptError(`no module definition named ${cmd.module ?? '(none)'}`)
          return module
        })
      case 'register':
        this.#imports[cmd.as] = this.#instance(cmd.name)
        return null
      case 'action':
        this.#act(cmd.action)
        return null
      case 'assert_return':
        return this.#assertReturn(cmd.action, cmd.expected, cmd.either)
      case 'assert_trap':
      case 'assert_exhaustion':
        // Newer converters write a trapping instantiation as assert_trap on a module.
        if ('filename' in cmd && typeof cmd.filename === 'string') return this.#assertUninstantiable(cmd.filename, cmd.text)
        return this.#assertTrap(cmd.action, cmd.type === 'assert_exhaustion' ? 'call stack exhausted' : cmd.text)
      case 'assert_malformed':
      case 'assert_invalid':
      case 'assert_malformed_custom':
      case 'assert_invalid_custom':
        return this.#assertRejected(cmd.filename, cmd.text)
      case 'assert_unlinkable':
        return this.#assertUnlinkable(cmd.filename, cmd.text)
      case 'assert_uninstantiable':
        return this.#assertUninstantiable(cmd.filename, cmd.text)
      case 'assert_exception':
        return this.#assertException(cmd.action)
      default:
        return `unknown command type '${(cmd as { type: string }).type}'`
    }
  }

  /**
   * Instantiates the module `module()` gives and makes it the current one
   * (and `name`'s); when that fails there is no current module, and the
   * commands that need one say which `what` at `line` failed.
   */
  #makeCurrent(line: number, what: string, failed: string, name: string | undefined, module: () => Module): string | null {
    this.#current = undefined
    this.#noCurrent = `the ${what} at line ${line} failed`
    let instance: Instance
    try {
      instance = this.#store.instantiate(module(), this.#imports)
    } catch (e) {
      if (e instanceof ScriptError) throw e
      return `the ${what} ${failed}: ${describeError(e)}`
    }
    this.#current = instance
    if (name !== undefined) this.#named.set(name, instance)
    return null
  }

  /** Reads and compiles a module file named by a command. */
  #compile(filename: string): Module {
    const path = modulePath(this.#script, filename)
    // The file's extension says what it is: a malformed .wasm without the
    // magic number (binary.wast has 19) must fail as a binary, not as WAT.
    const format = path.endsWith('.wat') ? 'text' : 'binary'
    return Module.compile(this.#engine, readFileSync(path), { file: path, format })
  }

  #instance(name: string | undefined): Instance {
    if (name === undefined) {
      if (!this.#current) throw new ScriptError(`no current module: ${this.#noCurrent}`)
      return this.#current
    }
    const instance = this.#named.get(name)
    if (!instance) throw new ScriptError(`no module named ${name}`)
    return instance
  }

  /** Performs an action; throws what the runtime throws. */
  #act(action: Action): Results {
    const instance = this.#instance(action.module)
    const item = instance.exports[action.field]
    if (action.type === 'get') {
      if (!(item instanceof Global)) throw new ScriptError(`there is no exported global '${action.field}'`)
      const slot = item.getSlot()
      return { view: new DataView(slot.buffer, slot.byteOffset, slot.byteLength), count: 1, types: [item.valueType] }
    }
    if (!(item instanceof Func)) throw new ScriptError(`there is no exported function '${action.field}'`)
    const { params, results } = item.type
    const args = action.args ?? []
    if (args.length !== params.length) {
      throw new ScriptError(`'${action.field}' takes ${params.length} argument(s), the script passes ${args.length}`)
    }
    args.forEach((a, i) => {
      if (!argumentFits(a.type, params[i]!)) throw new ScriptError(`argument ${i} of '${action.field}' is ${params[i]}, the script passes ${a.type}`)
    })
    const slots = new Uint8Array(Math.max(params.length, results.length, 1) * SLOT)
    const view = new DataView(slots.buffer)
    args.forEach((a, i) => writeConst(view, i, a))
    const count = item.callSlots(slots)
    return { view, count, types: results }
  }

  #describeAction(action: Action): string {
    const target = action.module ? `${action.module}.` : ''
    if (action.type === 'get') return `get ${target}${action.field}`
    return `${target}${action.field}(${(action.args ?? []).map(showConst).join(', ')})`
  }

  /** Renders the results, each in the shape of the expected value of its type (v128 lanes). */
  #showResults(r: Results, like: Const[]): string {
    if (r.count === 0) return 'no results'
    const out: string[] = []
    for (let i = 0; i < r.count; i++) out.push(showResult(r.view, i, r.types[i] ?? 'i32', like[i]))
    return out.join(', ')
  }

  #assertReturn(action: Action, expected: Const[] | undefined, either: Const[] | undefined): string | null {
    let r: Results
    try {
      r = this.#act(action)
    } catch (e) {
      if (e instanceof ScriptError) throw e
      const wanted = either ? 'a result' : (expected ?? []).map(showConst).join(', ') || 'no results'
      return `${this.#describeAction(action)}: expected ${wanted}, got ${describeError(e)}`
    }
    if (either) {
      // Relaxed SIMD: any one of the alternatives is right.
      if (r.count === 1 && either.some((c) => resultMatches(r.view, 0, c, r.types[0] ?? ''))) return null
      return `${this.#describeAction(action)}: expected one of ${either.map(showConst).join(' | ')}, got ${this.#showResults(r, either)}`
    }
    const want = expected ?? []
    if (r.count === want.length && want.every((c, i) => resultMatches(r.view, i, c, r.types[i] ?? ''))) return null
    const wanted = want.length === 0 ? 'no results' : want.map(showConst).join(', ')
    return `${this.#describeAction(action)}: expected ${wanted}, got ${this.#showResults(r, want)}`
  }

  #assertTrap(action: Action, text: string): string | null {
    let r: Results
    try {
      r = this.#act(action)
    } catch (e) {
      if (e instanceof ScriptError) throw e
      if (isExpectedTrap(e, text)) return null
      return `${this.#describeAction(action)}: expected trap "${text}", got ${describeError(e)}`
    }
    return `${this.#describeAction(action)}: expected trap "${text}", got ${this.#showResults(r, [])}`
  }

  /** The action must end in a wasm exception escaping to the host (any tag, any payload). */
  #assertException(action: Action): string | null {
    let r: Results
    try {
      r = this.#act(action)
    } catch (e) {
      if (e instanceof ScriptError) throw e
      if (e instanceof WasmException) return null
      return `${this.#describeAction(action)}: expected an uncaught exception, got ${describeError(e)}`
    }
    return `${this.#describeAction(action)}: expected an uncaught exception, got ${this.#showResults(r, [])}`
  }

  #assertRejected(filename: string, text: string): string | null {
    try {
      this.#compile(filename)
    } catch (e) {
      if (e instanceof CompileError) return null
      return `${filename}: expected a compile error ("${text}"), got ${describeError(e)}`
    }
    return `${filename}: compiled, but should have been rejected ("${text}")`
  }

  /** Compiles a module that must be valid, for the assertions about linking and instantiating. */
  #compileValid(filename: string): Module {
    try {
      return this.#compile(filename)
    } catch (e) {
      throw new ScriptError(`${filename}: the module should compile, got ${describeError(e)}`)
    }
  }

  #assertUnlinkable(filename: string, text: string): string | null {
    const module = this.#compileValid(filename)
    try {
      this.#store.instantiate(module, this.#imports)
    } catch (e) {
      if (!(e instanceof LinkError)) return `${filename}: expected a link error ("${text}"), got ${describeError(e)}`
      // `unknown import` is an import nothing provides; `incompatible import type` one of the wrong type.
      const problem = text.startsWith('unknown import') ? 'missing' : text.startsWith('incompatible import type') ? 'incompatible' : null
      if (problem === null || e.imports.some((i) => i.problem === problem)) return null
      return `${filename}: expected a link error ("${text}"), got one for other reasons: ${describeError(e)}`
    }
    return `${filename}: instantiated, but should have failed to link ("${text}")`
  }

  #assertUninstantiable(filename: string, text: string): string | null {
    const module = this.#compileValid(filename)
    try {
      this.#store.instantiate(module, this.#imports)
    } catch (e) {
      if (isExpectedTrap(e, text)) return null
      return `${filename}: expected instantiation to trap ("${text}"), got ${describeError(e)}`
    }
    return `${filename}: instantiated, but should have trapped ("${text}")`
  }
}

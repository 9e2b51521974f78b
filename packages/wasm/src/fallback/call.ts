// One call on the host's WebAssembly: imports checked and wrapped, values
// converted by the same rules as the native backend (runtime/values.ts),
// and what V8 throws turned into this library's error classes.
import type { Imports } from '../loader/instance.js'
import { describe, typeName, type ValueType } from '../runtime/values.js'
import type { FuncType } from '../runtime/externs.js'
import {
  HostFunctionError,
  InternalError,
  InvalidArgumentError,
  LinkError,
  TrapError,
  UnsupportedError,
  WasmError,
  WasmException,
  type LinkIssue,
  type TrapCode,
  type WasmFrame,
} from '../errors.js'
import type { WebAssemblyModule } from './module.js'
import { WA, type HostInstance } from './host.js'

/** An instance of the host's WebAssembly with the module it came from. @internal */
export interface Live {
  module: WebAssemblyModule
  instance: HostInstance
}

// The value types the host's JS API passes the way this library does.
const PASSABLE = new Set<string>(['i32', 'i64', 'f32', 'f64', 'externref', 'nullexternref'])

function checkPassable(types: readonly ValueType[], what: string): void {
  for (const t of types) {
    if (!PASSABLE.has(t)) {
      throw new UnsupportedError(`${what} has a ${t} value, which the host's WebAssembly cannot pass to or from JS as this library does`, 'value', 'webassembly')
    }
  }
}

/** A JS value to what the host's WebAssembly takes for `type`, by the native backend's rules. */
function toWasm(type: string, value: unknown, what: string): unknown {
  switch (type) {
    case 'i32':
      if (typeof value === 'number') return value | 0
      if (typeof value === 'boolean') return value ? 1 : 0
      break
    case 'i64':
      if (typeof value === 'bigint') return BigInt.asIntN(64, value)
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
      break
    case 'f32':
    case 'f64':
      if (typeof value === 'number') return value
      break
    default:
      return value // externref: any JS value, identity kept
  }
  throw new InvalidArgumentError(`${what} must be ${describe(type)}, got ${typeName(value)}`)
}

function results(types: readonly string[], value: unknown, what: string): unknown {
  if (types.length === 0) return undefined
  if (types.length === 1) return toWasm(types[0]!, value, what)
  if (!Array.isArray(value) || value.length !== types.length) {
    throw new InvalidArgumentError(`${what} must be an array of ${types.length} values (${types.join(', ')}), got ${typeName(value)}`)
  }
  return types.map((t, i) => toWasm(t, value[i], `${what}[${i}]`))
}

function hostFunction(mod: string, name: string, type: FuncType, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  checkPassable([...type.params, ...type.results], `the import ${mod}::${name}`)
  return (...args: unknown[]) => {
    let out: unknown
    try {
      out = fn(...args)
    } catch (e) {
      if (e instanceof WasmException) {
        throw new UnsupportedError(`the host function ${mod}::${name} threw a WasmException, which the webassembly backend cannot raise in the guest`, 'value', 'webassembly', { cause: e })
      }
      throw new HostFunctionError(`host function ${mod}::${name} threw: ${e instanceof Error ? e.message : String(e)}`, [], { cause: e })
    }
    if (out !== null && (typeof out === 'object' || typeof out === 'function') && typeof (out as { then?: unknown }).then === 'function') {
      throw new UnsupportedError(
        `the host function ${mod}::${name} returned a Promise: on the webassembly backend the guest runs on the main thread and cannot wait for one`,
        'async_host',
        'webassembly',
      )
    }
    try {
      return results(type.results, out, `the result of host function ${mod}::${name}`)
    } catch (e) {
      throw new HostFunctionError(`host function ${mod}::${name} returned a bad value: ${(e as Error).message}`, [], { cause: e })
    }
  }
}

const isHostObject = (v: unknown): boolean =>
  v instanceof WA.Memory || v instanceof WA.Table || v instanceof WA.Global || (WA.Tag !== undefined && v instanceof WA.Tag)

/**
 * A fresh instance of `module` with `imports`: every missing import listed in
 * one {@link LinkError}, as the native backend does.
 * @throws {@linkcode LinkError}, {@linkcode InvalidArgumentError}, {@linkcode TrapError} (from the start function), {@linkcode UnsupportedError}
 * @internal
 */
export function instantiate(module: WebAssemblyModule, imports: Imports): Live {
  const object: Record<string, Record<string, unknown>> = {}
  const missing: LinkIssue[] = []
  for (const imp of module.imports) {
    const ns = imports[imp.module] as Record<string, unknown> | undefined
    if (ns !== undefined && (ns === null || typeof ns !== 'object' || 'store' in ns)) {
      throw new InvalidArgumentError(`imports.${imp.module} must be an object of host functions on the webassembly backend`, `imports.${imp.module}`)
    }
    const value = ns?.[imp.name]
    if (value === undefined) {
      missing.push({ module: imp.module, name: imp.name, problem: 'missing', expected: imp.type.text, actual: null })
      continue
    }
    let item: unknown
    if (typeof value === 'function') {
      if (imp.type.kind !== 'func') {
        throw new InvalidArgumentError(`import ${imp.module}::${imp.name} must be a ${imp.type.kind} but was given a JS function`, `imports.${imp.module}.${imp.name}`)
      }
      item = hostFunction(imp.module, imp.name, { params: imp.type.params ?? [], results: imp.type.results ?? [] }, value as (...a: unknown[]) => unknown)
    } else if (isHostObject(value)) {
      item = value
    } else {
      throw new InvalidArgumentError(
        `import ${imp.module}::${imp.name} must be a function or a WebAssembly.Memory, Table, Global or Tag on the webassembly backend`,
        `imports.${imp.module}.${imp.name}`,
      )
    }
    ;(object[imp.module] ??= {})[imp.name] = item
  }
  if (missing.length > 0) {
    throw new LinkError(`${missing.length} import(s) not provided: ${missing.map((m) => `${m.module}::${m.name} (${m.expected})`).join(', ')}`, missing)
  }
  try {
    return { module, instance: new WA.Instance(module.compiled, object) }
  } catch (e) {
    if (e instanceof WA.LinkError) throw new LinkError(e.message.replace(/^WebAssembly\.Instance\(\): /, ''), [], { cause: e })
    throw toError(e)
  }
}

/**
 * Calls export `name` of a live instance with `args`: results as on the
 * native backend (`undefined`, one value, or an array).
 * @throws {@linkcode TrapError}, {@linkcode HostFunctionError}, {@linkcode InvalidArgumentError}, {@linkcode UnsupportedError}, {@linkcode WasmException}
 * @internal
 */
export function invoke(live: Live, name: string, args: unknown[]): unknown {
  const type = live.module.exports.find((e) => e.name === name)?.type
  const fn = live.instance.exports[name]
  if (!type || typeof fn !== 'function') {
    throw new InvalidArgumentError(
      type ? `the export '${name}' is not a function` : `the module has no export named '${name}'; it exports: ${live.module.exports.map((e) => e.name).join(', ') || 'nothing'}`,
    )
  }
  const params = type.params ?? []
  const res = type.results ?? []
  checkPassable([...params, ...res], `the export '${name}'`)
  if (args.length !== params.length) throw new InvalidArgumentError(`the function takes ${params.length} argument(s) but was given ${args.length}`)
  const wasmArgs = params.map((t, i) => toWasm(t, args[i], `argument ${i}`))
  try {
    return (fn as (...a: unknown[]) => unknown)(...wasmArgs)
  } catch (e) {
    throw toError(e)
  }
}

/** The size of the instance's exported memories now, in bytes (they only grow). @internal */
export function memoryPeak(live: Live): number {
  let peak = 0
  for (const v of Object.values(live.instance.exports)) if (v instanceof WA.Memory) peak = Math.max(peak, v.buffer.byteLength)
  return peak
}

// V8's trap messages, mapped to Wasmtime's codes. V8 says "null function or
// function signature mismatch" for both a null entry and a wrong type; it
// is reported as indirect_call_type_mismatch.
const TRAPS: [RegExp, TrapCode][] = [
  [/unreachable/, 'unreachable'],
  [/memory access out of bounds|data segment|offset is out of bounds/, 'memory_out_of_bounds'],
  [/divide by zero|remainder by zero/, 'integer_divide_by_zero'],
  [/divide result unrepresentable/, 'integer_overflow'],
  [/float unrepresentable/, 'bad_conversion_to_integer'],
  [/table index is out of bounds|element segment|table (access )?out of bounds/, 'table_out_of_bounds'],
  [/null function or function signature mismatch|signature mismatch/, 'indirect_call_type_mismatch'],
  [/unaligned/, 'heap_misaligned'],
  [/array element access out of bounds/, 'array_out_of_bounds'],
  [/illegal cast/, 'cast_failure'],
  [/null/, 'null_reference'],
  [/too large/, 'allocation_too_large'],
  [/non-shared/, 'atomic_wait_non_shared_memory'],
]

function frames(stack: string | undefined): WasmFrame[] {
  const out: WasmFrame[] = []
  for (const line of (stack ?? '').split('\n')) {
    const m = /at (?:(\S+) \()?wasm:\/\/wasm\/[^:]*:wasm-function\[(\d+)\]:0x([0-9a-f]+)/.exec(line)
    if (m) out.push({ funcIndex: Number(m[2]), funcName: m[1] ?? null, moduleName: null, moduleOffset: parseInt(m[3]!, 16) })
  }
  return out
}

function toError(e: unknown): Error {
  if (e instanceof WasmError) return e
  if (e instanceof WA.RuntimeError) {
    const code = TRAPS.find(([re]) => re.test(e.message))?.[1] ?? 'unreachable'
    return new TrapError(code, `wasm trap: ${e.message}`, frames(e.stack), { cause: e })
  }
  if (e instanceof RangeError && /call stack/.test(e.message)) {
    return new TrapError('stack_overflow', 'wasm trap: call stack exhausted', frames(e.stack), { cause: e })
  }
  if (WA.Exception !== undefined && e instanceof WA.Exception) {
    return new WasmException(null, [], { message: 'the guest threw a wasm exception that nothing caught (its payload cannot be read on the webassembly backend)' })
  }
  return new InternalError(`the host's WebAssembly threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
}

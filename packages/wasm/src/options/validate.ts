// Options are validated once, here, against schemas checked against the
// public option types at compile time. Every problem names the dotted option
// path and says what would be accepted.
import { InvalidArgumentError } from '../errors.js'
import { show } from './arguments.js'
import { ENGINE_SCHEMA, POOLING_SCHEMA, RUNTIME_SCHEMA, STORE_SCHEMA, type EngineOptions, type RuntimeOptions, type StoreLimits } from './options.generated.js'
import type { SandboxPolicy } from '../sandbox/policy.js'
import type { PreopenOption } from '../sandbox/wasi.js'
import type { RunOptions } from '../executor/run.js'
import type { CloseOptions, ExecOptions, ExecutorOptions } from '../executor/executor.js'
import type { MapOptions } from '../executor/map.js'
import type { CallOptions } from '../executor/call.js'

/** How one option is checked. @internal */
export type Rule =
  | { kind: 'boolean' }
  | { kind: 'number'; min?: number; max?: number; integer?: boolean; hint?: string }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string'; nonEmpty?: boolean }
  | { kind: 'bytesOrString' }
  | { kind: 'object'; schema: Record<string, Rule> }
  | { kind: 'booleanOrObject'; schema: Record<string, Rule> }
  | { kind: 'falseOrObject'; schema: Record<string, Rule> }
  | { kind: 'stringList' }
  | { kind: 'booleanOrStringList' }
  | { kind: 'booleanOrEnum'; values: readonly string[] }
  | { kind: 'nullable'; rule: Rule }
  | { kind: 'list'; item: Rule }
  | { kind: 'record'; value: Rule }
  | { kind: 'custom'; expected: string; test: (v: unknown) => boolean }

/** A schema must name every option of `T`, and nothing else. */
type Schema<T> = { [K in keyof Required<T>]: Rule }

const bool: Rule = { kind: 'boolean' }
const count = (min: number, max: number, hint?: string): Rule => ({ kind: 'number', min, max, integer: true, ...(hint ? { hint } : {}) })

// The engine's, the store's and the runtime's schemas are generated from options/definitions.mjs.
const engineSchema = ENGINE_SCHEMA
const poolingSchema = POOLING_SCHEMA

const storeSchema = STORE_SCHEMA

const runtimeSchema = RUNTIME_SCHEMA

const stdio: Rule = { kind: 'booleanOrEnum', values: ['inherit'] }
const dirs: Rule = { kind: 'stringList' }

const policyLimitsSchema = {
  memory: count(0, Number.MAX_SAFE_INTEGER, 'bytes of linear memory'),
  stack: count(0, Number.MAX_SAFE_INTEGER, 'bytes of wasm stack'),
  fuel: count(0, Number.MAX_SAFE_INTEGER, 'instructions per call'),
  timeMs: count(0, 2 ** 31, 'milliseconds per call'),
  instances: count(0, 1_000_000, 'live instances at once'),
  output: count(0, Number.MAX_SAFE_INTEGER, 'captured bytes per stream'),
  hostCallBytes: count(0, Number.MAX_SAFE_INTEGER, 'bytes one WASI call may move'),
} satisfies Schema<NonNullable<SandboxPolicy['limits']>>

const policySchema = {
  root: { kind: 'string', nonEmpty: true },
  filesystem: { kind: 'falseOrObject', schema: { read: dirs, write: dirs } satisfies Schema<Exclude<SandboxPolicy['filesystem'], false | undefined>> },
  env: { kind: 'booleanOrStringList' },
  args: bool,
  stdin: stdio,
  stdout: stdio,
  stderr: stdio,
  clocks: bool,
  random: bool,
  imports: { kind: 'stringList' },
  threading: bool,
  limits: { kind: 'object', schema: policyLimitsSchema },
  mode: { kind: 'enum', values: ['strict', 'permissive'] },
} satisfies Schema<SandboxPolicy>

const str: Rule = { kind: 'string' }
const isOutput = (v: unknown): boolean => typeof v === 'function' || v === 'capture' || v === 'inherit' || v === 'discard' || v === 'deny'
const isStdin = (v: unknown): boolean =>
  v === null ||
  v === 'inherit' ||
  v === 'deny' ||
  typeof v === 'string' ||
  v instanceof Uint8Array ||
  (typeof v === 'object' && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function')
const output: Rule = { kind: 'custom', expected: "'capture', 'inherit', 'discard', 'deny' or a function taking each chunk", test: isOutput }

const preopenSchema = {
  host: { kind: 'string', nonEmpty: true },
  guest: { kind: 'string', nonEmpty: true },
  readOnly: bool,
} satisfies Schema<PreopenOption>

const runSchema = {
  args: { kind: 'list', item: str },
  argv0: str,
  env: { kind: 'record', value: str },
  preopens: { kind: 'list', item: { kind: 'object', schema: preopenSchema } },
  stdin: { kind: 'custom', expected: 'bytes, a string, an async iterable of chunks, "inherit", "deny" or null', test: isStdin },
  stdout: output,
  stderr: output,
  maxOutput: count(0, Number.MAX_SAFE_INTEGER, 'bytes kept per captured stream'),
  clocks: bool,
  random: bool,
  hostCallBytes: count(0, Number.MAX_SAFE_INTEGER, 'bytes one WASI call may move'),
  mode: { kind: 'enum', values: ['strict', 'permissive'] },
  invoke: { kind: 'string', nonEmpty: true },
  invokeArgs: { kind: 'custom', expected: 'an array', test: Array.isArray },
  imports: { kind: 'custom', expected: 'an object of import modules', test: (v) => typeof v === 'object' && v !== null },
  preload: { kind: 'custom', expected: 'an object of modules by import name', test: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) },
  timeout: { kind: 'nullable', rule: count(1, 2 ** 31, 'milliseconds') },
  fuel: { kind: 'nullable', rule: count(1, Number.MAX_SAFE_INTEGER, 'instructions') },
  maxMemory: count(0, 2 ** 53, 'bytes, e.g. 100_000_000'),
  signal: { kind: 'custom', expected: 'an AbortSignal', test: (v) => v instanceof AbortSignal },
} satisfies Schema<RunOptions>

const executorSchema = {
  runtime: { kind: 'custom', expected: 'a Runtime (from createRuntime)', test: (v) => typeof v === 'object' && v !== null && typeof (v as { createStore?: unknown }).createStore === 'function' },
  threads: count(1, 1024, 'calls at once, e.g. 2'),
  maxQueue: { kind: 'custom', expected: 'a whole number from 0, or Infinity', test: (v) => v === Infinity || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) },
  idleTimeout: count(0, 2 ** 31, 'milliseconds an idle worker lives'),
} satisfies Schema<ExecutorOptions>

const callSchema = {
  imports: runSchema.imports,
  timeout: runSchema.timeout,
  maxMemory: runSchema.maxMemory,
  fuel: runSchema.fuel,
  signal: runSchema.signal,
} satisfies Schema<CallOptions>

const execSchema = {
  signal: callSchema.signal,
  timeout: callSchema.timeout,
  fuel: callSchema.fuel,
  maxMemory: callSchema.maxMemory,
  imports: callSchema.imports,
  host: { kind: 'custom', expected: 'a file path or a file: URL', test: (v) => (typeof v === 'string' && v !== '') || (v instanceof URL && v.protocol === 'file:') },
  placement: { kind: 'enum', values: ['pool', 'worker'] },
} satisfies Schema<ExecOptions>

const mapSchema = {
  ...execSchema,
  concurrency: count(1, 1_000_000, 'items at once, e.g. 4'),
  ordered: bool,
  stopOnError: bool,
  onProgress: { kind: 'custom', expected: 'a function', test: (v) => typeof v === 'function' },
  codec: { kind: 'enum', values: ['values', 'bytes', 'string', 'json'] },
} satisfies Schema<MapOptions>

const closeSchema = {
  force: bool,
  timeout: count(0, 2 ** 31, 'milliseconds before a graceful close is forced'),
} satisfies Schema<CloseOptions>

/**
 * Checks `value` against `rule`, throwing an {@linkcode InvalidArgumentError}
 * that names the dotted `path`. `undefined` always passes (options are optional).
 */
function check(value: unknown, rule: Rule, path: string): void {
  if (value === undefined) return
  const fail = (expected: string): never => {
    throw new InvalidArgumentError(`option ${path} must be ${expected}, got ${show(value)}`, path)
  }
  switch (rule.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false')
      return
    case 'string':
      if (typeof value !== 'string') fail('a string')
      if (rule.nonEmpty && value === '') fail('a non-empty string')
      return
    case 'stringList':
      checkStringList(value, path, fail)
      return
    case 'booleanOrStringList':
      if (typeof value === 'boolean') return
      checkStringList(value, path, () => fail('true, false or a list of non-empty strings'))
      return
    case 'booleanOrEnum':
      if (typeof value !== 'boolean' && (typeof value !== 'string' || !rule.values.includes(value))) {
        fail(`true, false or ${rule.values.map((v) => `'${v}'`).join(', ')}`)
      }
      return
    case 'bytesOrString':
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) fail('a string or a Uint8Array')
      if ((value as { length: number }).length === 0) fail('non-empty')
      return
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) fail(`one of ${rule.values.map((v) => `'${v}'`).join(', ')}`)
      return
    case 'number': {
      const want = `${rule.integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max}${rule.hint ? ` (${rule.hint})` : ''}`
      if (typeof value !== 'number' || Number.isNaN(value)) fail(want)
      const n = value as number
      if (rule.integer && !Number.isInteger(n)) fail(want)
      if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) fail(want)
      return
    }
    case 'nullable':
      if (value !== null) check(value, rule.rule, path)
      return
    case 'list':
      if (!Array.isArray(value)) fail('an array')
      ;(value as unknown[]).forEach((item, i) => {
        if (item === undefined) throw new InvalidArgumentError(`option ${path}[${i}] must not be undefined`, `${path}[${i}]`)
        check(item, rule.item, `${path}[${i}]`)
      })
      return
    case 'record':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('an object')
      for (const [k, v] of Object.entries(value as object)) check(v, rule.value, `${path}.${k}`)
      return
    case 'custom':
      if (!rule.test(value)) fail(rule.expected)
      return
    case 'booleanOrObject':
      if (typeof value === 'boolean') return
      checkObject(value, rule.schema, path)
      return
    case 'falseOrObject':
      if (value === false) return
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('false or an object')
      checkObject(value, rule.schema, path)
      return
    case 'object':
      checkObject(value, rule.schema, path)
      return
  }
}

function checkStringList(value: unknown, path: string, fail: (expected: string) => never): void {
  if (!Array.isArray(value)) fail('a list of non-empty strings')
  ;(value as unknown[]).forEach((item, i) => {
    if (typeof item !== 'string' || item === '') {
      throw new InvalidArgumentError(`option ${path}[${i}] must be a non-empty string, got ${show(item)}`, `${path}[${i}]`)
    }
  })
}

/**
 * Checks an options object against `schema`: unknown keys are refused with
 * the list of known ones, and each known key is checked with {@link check}.
 */
function checkObject(value: unknown, schema: Record<string, Rule>, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${path ? `option ${path}` : 'options'} must be an object, got ${show(value)}`, path || null)
  }
  for (const [k, v] of Object.entries(value)) {
    const p = path ? `${path}.${k}` : k
    const rule = schema[k]
    if (!rule) {
      const known = Object.keys(schema).join(', ')
      throw new InvalidArgumentError(`unknown option ${p}; known options here are: ${known}`, p)
    }
    check(v, rule, p)
  }
}


/** @throws {@linkcode InvalidArgumentError} naming the offending option. */
export function validateEngineOptions(o: unknown): asserts o is EngineOptions {
  checkObject(o, engineSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending option. */
export function validateStoreLimits(o: unknown): asserts o is StoreLimits {
  checkObject(o, storeSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending option. */
export function validateRuntimeOptions(o: unknown): asserts o is RuntimeOptions {
  checkObject(o, runtimeSchema, '')
}

/**
 * @throws {@linkcode InvalidArgumentError} naming the offending key as `policy.<path>`.
 * @internal
 */
export function validateSandboxPolicy(o: unknown): asserts o is SandboxPolicy {
  checkObject(o, policySchema, 'policy')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending run option. @internal */
export function validateRunOptions(o: unknown): asserts o is RunOptions {
  checkObject(o, runSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending executor option. @internal */
export function validateExecutorOptions(o: unknown): asserts o is ExecutorOptions {
  checkObject(o, executorSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending call option. @internal */
export function validateExecOptions(o: unknown): asserts o is ExecOptions {
  checkObject(o, execSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending map option. @internal */
export function validateMapOptions(o: unknown): asserts o is MapOptions {
  checkObject(o, mapSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending close option. @internal */
export function validateCloseOptions(o: unknown): asserts o is CloseOptions {
  checkObject(o, closeSchema, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending call option. @internal */
export function validateCallOptions(o: unknown): asserts o is CallOptions {
  checkObject(o, callSchema, '')
}

/** The option names each schema knows, for tests that pin one test per option. */
export const OPTION_NAMES = {
  engine: Object.keys(engineSchema),
  pooling: Object.keys(poolingSchema),
  store: Object.keys(storeSchema),
  runtime: Object.keys(runtimeSchema),
  policy: Object.keys(policySchema),
  policyLimits: Object.keys(policyLimitsSchema),
  run: Object.keys(runSchema),
  executor: Object.keys(executorSchema),
  exec: Object.keys(execSchema),
  map: Object.keys(mapSchema),
  close: Object.keys(closeSchema),
  call: Object.keys(callSchema),
} as const

// Options are validated once, here, against the schemas generated from
// options/definitions.mjs with the public option types. Every problem names the dotted option
// path and says what would be accepted.
import { InvalidArgumentError } from '../errors.js'
import { show } from './arguments.js'
import {
  CALL_SCHEMA,
  CLOSE_SCHEMA,
  ENGINE_SCHEMA,
  EXEC_SCHEMA,
  EXECUTOR_SCHEMA,
  LIMITS_SCHEMA,
  MAP_SCHEMA,
  POLICY_SCHEMA,
  POOLING_SCHEMA,
  RUN_SCHEMA,
  RUNTIME_SCHEMA,
  STORE_SCHEMA,
  type CallOptions,
  type CloseOptions,
  type EngineOptions,
  type ExecOptions,
  type ExecutorOptions,
  type MapOptions,
  type RunOptions,
  type RuntimeOptions,
  type SandboxPolicy,
  type StoreLimits,
} from './options.generated.js'

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
  checkObject(o, ENGINE_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending option. */
export function validateStoreLimits(o: unknown): asserts o is StoreLimits {
  checkObject(o, STORE_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending option. */
export function validateRuntimeOptions(o: unknown): asserts o is RuntimeOptions {
  checkObject(o, RUNTIME_SCHEMA, '')
}

/**
 * @throws {@linkcode InvalidArgumentError} naming the offending key as `policy.<path>`.
 * @internal
 */
export function validateSandboxPolicy(o: unknown): asserts o is SandboxPolicy {
  checkObject(o, POLICY_SCHEMA, 'policy')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending run option. @internal */
export function validateRunOptions(o: unknown): asserts o is RunOptions {
  checkObject(o, RUN_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending executor option. @internal */
export function validateExecutorOptions(o: unknown): asserts o is ExecutorOptions {
  checkObject(o, EXECUTOR_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending call option. @internal */
export function validateExecOptions(o: unknown): asserts o is ExecOptions {
  checkObject(o, EXEC_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending map option. @internal */
export function validateMapOptions(o: unknown): asserts o is MapOptions {
  checkObject(o, MAP_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending close option. @internal */
export function validateCloseOptions(o: unknown): asserts o is CloseOptions {
  checkObject(o, CLOSE_SCHEMA, '')
}

/** @throws {@linkcode InvalidArgumentError} naming the offending call option. @internal */
export function validateCallOptions(o: unknown): asserts o is CallOptions {
  checkObject(o, CALL_SCHEMA, '')
}

/** The option names each schema knows, for tests that pin one test per option. */
export const OPTION_NAMES = {
  engine: Object.keys(ENGINE_SCHEMA),
  pooling: Object.keys(POOLING_SCHEMA),
  store: Object.keys(STORE_SCHEMA),
  runtime: Object.keys(RUNTIME_SCHEMA),
  policy: Object.keys(POLICY_SCHEMA),
  policyLimits: Object.keys(LIMITS_SCHEMA),
  run: Object.keys(RUN_SCHEMA),
  executor: Object.keys(EXECUTOR_SCHEMA),
  exec: Object.keys(EXEC_SCHEMA),
  map: Object.keys(MAP_SCHEMA),
  close: Object.keys(CLOSE_SCHEMA),
  call: Object.keys(CALL_SCHEMA),
} as const

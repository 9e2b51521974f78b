// Options are validated once, here, against schemas checked against the
// public option types at compile time. Every problem names the dotted option
// path and says what would be accepted.
import { InvalidArgumentError } from '../errors.js'
import type { EngineOptions, PoolingOptions } from '../runtime/engine.js'
import type { StoreLimits } from '../runtime/store.js'
import type { RuntimeOptions } from '../runtime/runtime.js'

type Rule =
  | { kind: 'boolean' }
  | { kind: 'number'; min?: number; max?: number; integer?: boolean; hint?: string }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'string' }
  | { kind: 'bytesOrString' }
  | { kind: 'object'; schema: Record<string, Rule> }
  | { kind: 'booleanOrObject'; schema: Record<string, Rule> }

/** A schema must name every option of `T`, and nothing else. */
type Schema<T> = { [K in keyof Required<T>]: Rule }

const bool: Rule = { kind: 'boolean' }
const count = (min: number, max: number, hint?: string): Rule => ({ kind: 'number', min, max, integer: true, ...(hint ? { hint } : {}) })

const poolingSchema = {
  totalInstances: count(1, 100_000),
  totalMemories: count(1, 100_000),
  totalTables: count(1, 100_000),
  maxMemorySize: count(65_536, 2 ** 48, 'bytes, a multiple of 64 KiB is best'),
} satisfies Schema<PoolingOptions>

const engineSchema = {
  optLevel: { kind: 'enum', values: ['none', 'speed', 'speed_and_size'] },
  simd: bool,
  relaxedSimd: bool,
  fuel: bool,
  epochInterruption: bool,
  epochChecks: bool,
  maxWasmStack: count(16 * 1024, 64 * 1024 * 1024, 'bytes between 16 KiB and 64 MiB'),
  multiMemory: bool,
  memory64: bool,
  tailCall: bool,
  threads: bool,
  extendedConst: bool,
  gc: bool,
  pooling: { kind: 'booleanOrObject', schema: poolingSchema },
  parallelCompilation: bool,
} satisfies Schema<EngineOptions>

const storeSchema = {
  maxMemory: count(0, 2 ** 53, 'bytes, e.g. 100_000_000'),
  maxTableElements: count(0, 2 ** 32),
  maxInstances: count(1, 1_000_000),
  trapOnGrowFailure: bool,
} satisfies Schema<StoreLimits>

const runtimeSchema = {
  maxMemory: count(65_536, 2 ** 53, 'bytes per instance, e.g. 100_000_000'),
  maxExecutionTime: count(1, 2 ** 31, 'milliseconds per call, e.g. 5_000'),
  fuel: count(1, Number.MAX_SAFE_INTEGER, 'instructions per call'),
  cacheCompiledModules: bool,
  parallelExecution: bool,
  engine: { kind: 'object', schema: engineSchema },
  artifactKey: { kind: 'bytesOrString' },
} satisfies Schema<RuntimeOptions>

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
    case 'booleanOrObject':
      if (typeof value === 'boolean') return
      checkObject(value, rule.schema, path)
      return
    case 'object':
      checkObject(value, rule.schema, path)
      return
  }
}

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

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `${v}n`
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'object') return 'an object'
  return String(v)
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

/** The option names each schema knows, for tests that pin one test per option. */
export const OPTION_NAMES = {
  engine: Object.keys(engineSchema),
  pooling: Object.keys(poolingSchema),
  store: Object.keys(storeSchema),
  runtime: Object.keys(runtimeSchema),
} as const

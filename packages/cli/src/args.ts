// A small, strict argument parser: unknown flags are errors, never ignored.

/** A CLI command: takes its arguments, resolves to an exit code. */
export type Command = (argv: string[]) => Promise<number>

/** Wrong command-line usage (exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Flags a command accepts: name → takes a value? may it be given several times? */
export type FlagSpec = Record<string, { value: boolean; alias?: string; repeat?: boolean }>

/** Parsed command line: a repeatable flag's values in order, every other flag's last value. */
export interface Parsed {
  flags: Record<string, string | true>
  repeated: Record<string, string[]>
  positionals: string[]
}

/**
 * Parses `argv` against `spec`. Flags stop at the first positional when
 * `stopAtPositional` is set (so guest arguments like `-1` pass through).
 */
export function parseArgs(argv: string[], spec: FlagSpec, stopAtPositional = false): Parsed {
  const flags: Record<string, string | true> = {}
  const repeated: Record<string, string[]> = {}
  const positionals: string[] = []
  const aliases = new Map(Object.entries(spec).flatMap(([k, v]) => (v.alias ? [[v.alias, k] as const] : [])))
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (stopAtPositional && positionals.length > 0) {
      positionals.push(a)
      continue
    }
    if (a === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      let [name, inline] = a.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined]
      name = aliases.get(name) ?? name
      const f = spec[name]
      if (!f) throw new UsageError(`unknown option '${a}'; options are: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`)
      if (f.value) {
        const v = inline ?? argv[++i]
        if (v === undefined) throw new UsageError(`option --${name} needs a value`)
        if (f.repeat) (repeated[name] ??= []).push(v)
        else flags[name] = v
      } else {
        flags[name] = true
      }
    } else {
      positionals.push(a)
    }
  }
  return { flags, repeated, positionals }
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/** Parses `100MB`, `64KiB`, `1000000` into bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined
  if (!m || unit === undefined) throw new UsageError(`--${flag} must be a size like 100MB, 64KiB or 1000000, got '${text}'`)
  return safe(Math.round(Number(m[1]) * unit), flag, text)
}

/** A parsed number past 2^53 - 1 would be silently rounded: refuse it. */
function safe(n: number, flag: string, text: string): number {
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${flag} is too large: '${text}' (at most ${Number.MAX_SAFE_INTEGER})`)
  return n
}

/** Parses `5s`, `250ms`, `5000` (ms) into milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(text.trim())
  if (!m) throw new UsageError(`--${flag} must be a duration like 5s, 250ms or 5000, got '${text}'`)
  const n = Number(m[1])
  const unit = (m[2] ?? 'ms').toLowerCase()
  return safe(Math.round(unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n), flag, text)
}

/** Parses a non-negative integer flag. */
export function parseCount(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number, got '${text}'`)
  return safe(Number(text), flag, text)
}

/** The WebAssembly features `-W NAME[=y|n]` turns on or off, by their engine option. */
const FEATURES = {
  simd: 'simd',
  'relaxed-simd': 'relaxedSimd',
  'tail-call': 'tailCall',
  gc: 'gc',
  memory64: 'memory64',
  'multi-memory': 'multiMemory',
  'extended-const': 'extendedConst',
  threads: 'threads',
  'wide-arithmetic': 'wideArithmetic',
  'custom-page-sizes': 'customPageSizes',
} as const

/** Help lines for `-W`. */
export const FEATURES_HELP = `  -W NAME[=y|n]          turn a WebAssembly feature on (or off): ${Object.keys(FEATURES).join(', ')}
                         (threads, wide-arithmetic and custom-page-sizes are off by default)`

/**
 * The engine options that `-W` settings give.
 * @throws {@linkcode UsageError} for an unknown feature or value.
 */
export function parseFeatures(settings: string[] = []): Partial<Record<(typeof FEATURES)[keyof typeof FEATURES], boolean>> {
  const out: Partial<Record<(typeof FEATURES)[keyof typeof FEATURES], boolean>> = {}
  for (const s of settings) {
    const [name, value = 'y'] = s.split(/=(.*)/s, 2) as [string, string | undefined]
    const option = FEATURES[name as keyof typeof FEATURES]
    if (!option) throw new UsageError(`unknown -W feature '${name}'; features are: ${Object.keys(FEATURES).join(', ')}`)
    if (!['y', 'n', 'yes', 'no', 'true', 'false'].includes(value)) throw new UsageError(`-W ${name} takes y or n, got '${value}'`)
    out[option] = ['y', 'yes', 'true'].includes(value)
  }
  return out
}

/** The `-C NAME=VALUE` code-generation settings `cwasm run`, `compile` and `spec` take, as wasmtime's CLI does. */
export const CODEGEN_HELP = `  -C compiler=NAME       auto (the default: Winch code first for a large module with no cached
                         code, Cranelift code compiled in the background), cranelift or winch`

const COMPILERS = ['auto', 'cranelift', 'winch'] as const

/**
 * The engine options that `-C` settings give.
 * @throws {@linkcode UsageError} for an unknown setting or value.
 */
export function parseCodegen(settings: string[] = []): { compiler?: (typeof COMPILERS)[number] } {
  const out: { compiler?: (typeof COMPILERS)[number] } = {}
  for (const s of settings) {
    const [name, value] = s.split(/=(.*)/s, 2) as [string, string | undefined]
    if (name !== 'compiler') throw new UsageError(`unknown -C setting '${name}'; settings are: compiler`)
    if (!COMPILERS.includes(value as (typeof COMPILERS)[number])) {
      throw new UsageError(`-C compiler must be one of ${COMPILERS.join(', ')}, got '${value ?? ''}'`)
    }
    out.compiler = value as (typeof COMPILERS)[number]
  }
  return out
}

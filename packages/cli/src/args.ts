// Command lines: Node's own parser (util.parseArgs) splits them into
// tokens; the option definitions here decide what each token means, and the
// same definitions write each command's --help, so the help cannot list a
// flag the parser refuses or leave out one it takes.
import { parseArgs as tokenize } from 'node:util'
import { EXIT } from './exit.js'

/** A CLI command: takes its arguments, resolves to an exit code. */
export type Command = (argv: string[]) => Promise<number>

/** Wrong command-line usage (exit code 2; 126 for `cwasm run`). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** One option of a command. */
export interface OptionDef {
  /** Takes a value: the value's name in the help (`N`, `FILE`), or `true` (`VALUE`). Default: a switch. */
  value?: boolean | string
  /** Its one-letter form, `-o` for `--output`. Default: none. */
  alias?: string
  /** May be given several times; every value is kept, in order. Default: the last one wins. */
  repeat?: boolean
  /** What it does, for the help (lines after the first are indented under it). */
  help?: string
}

/** The options a command accepts, by long name. */
export type FlagSpec = Record<string, OptionDef>

/** Parsed command line: a repeatable flag's values in order, every other flag's last value. */
export interface Parsed {
  flags: Record<string, string | true>
  repeated: Record<string, string[]>
  positionals: string[]
}

/**
 * Parses `argv` against `spec`: an unknown option, a missing value or a
 * value given to a switch is a {@link UsageError}, never ignored. A word
 * like `-5` is a positional (a number, not an option). With
 * `stopAtPositional`, everything from the first positional on is
 * positional, flags included (a guest's own arguments).
 * @throws {@linkcode UsageError} for an unknown option or a missing value.
 */
export function parseArgs(argv: string[], spec: FlagSpec, stopAtPositional = false): Parsed {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, d]) => [name, { type: d.value ? ('string' as const) : ('boolean' as const), ...(d.alias ? { short: d.alias } : {}) }]),
  )
  // Not strict: the tokens below are checked here, with messages that name our options.
  const { tokens } = tokenize({ args: argv, options, strict: false, allowPositionals: true, tokens: true })
  const flags: Record<string, string | true> = {}
  const repeated: Record<string, string[]> = {}
  const positionals: string[] = []
  let numberAt = -1
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      positionals.push(...argv.slice(t.index + 1))
      break
    }
    if (t.index === numberAt) continue
    const word = argv[t.index]!
    if (t.kind === 'positional' || /^-\d/.test(word)) {
      if (stopAtPositional) {
        positionals.push(...argv.slice(t.index))
        break
      }
      // `-12` comes as the tokens -1 and -2 of one word: keep the word once.
      numberAt = t.index
      positionals.push(word)
      continue
    }
    const def = spec[t.name]
    if (!def) throw new UsageError(`unknown option '${t.rawName}'${t.rawName === word ? '' : ` (in '${word}')`}; options are: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`)
    if (def.value) {
      if (t.value === undefined) throw new UsageError(`option --${t.name} needs a value`)
      if (def.repeat) (repeated[t.name] ??= []).push(t.value)
      else flags[t.name] = t.value
    } else {
      if (t.value !== undefined) throw new UsageError(`option --${t.name} takes no value, got '${t.value}'`)
      flags[t.name] = true
    }
  }
  return { flags, repeated, positionals }
}

/** What a command's help says besides its options; `defineCommand` takes it. */
export interface CommandDef {
  /** The subcommand, as typed: `run`. */
  name: string
  /** Usage lines, each without the leading `cwasm NAME `. */
  usage: string[]
  /** One line for `cwasm --help`. */
  summary: string
  /** What it does, printed after the usage lines. */
  description: string
  /** The options it takes (`--help` is added). */
  options: FlagSpec
  /** Text printed after the options. Default: none. */
  more?: string
  /** Each exit status and what it means. */
  exits: [string, string][]
  /** Everything from the first positional on is positional (`cwasm run MODULE ARGS…`). Default: false. */
  stopAtPositional?: boolean
}

/** A command made by {@link defineCommand}: callable, and carrying its definition. */
export type DefinedCommand = Command & { def: CommandDef }

const HELP_OPTION: OptionDef = { alias: 'h', help: 'print this help and exit' }

/** Column where option descriptions start. */
const DESC_COLUMN = 25

/** The help text of a command, from its definition. */
export function renderHelp(def: CommandDef): string {
  const out: string[] = []
  def.usage.forEach((u, i) => out.push(`${i === 0 ? 'usage: ' : '       '}cwasm ${def.name} ${u}`))
  out.push('', def.description.trimEnd(), '', 'options:')
  for (const [name, o] of Object.entries({ ...def.options, help: HELP_OPTION })) {
    const value = typeof o.value === 'string' ? ` ${o.value}` : o.value ? ' VALUE' : ''
    // A one-letter name (-C, -W) is its own short form, as in wasmtime's CLI.
    const flag = `${o.alias ? `-${o.alias}, ` : ''}--${name}${value}${o.repeat ? '…' : ''}`
    const [first = '', ...rest] = (o.help ?? '').split('\n')
    // At least two spaces between an option and its text, or the text starts on the next line.
    out.push(flag.length + 4 <= DESC_COLUMN ? `  ${flag.padEnd(DESC_COLUMN - 2)}${first}` : `  ${flag}\n${' '.repeat(DESC_COLUMN)}${first}`)
    for (const line of rest) out.push(`${' '.repeat(DESC_COLUMN)}${line}`)
  }
  if (Object.values(def.options).some((o) => o.repeat)) out.push('', 'An option marked … may be given more than once; each value counts.')
  if (def.more) out.push('', def.more.trimEnd())
  out.push('', 'exit status:')
  for (const [code, meaning] of def.exits) out.push(`  ${code.padEnd(8)}${meaning}`)
  return `${out.join('\n')}\n`
}

/**
 * A command from its definition and its body: parses the arguments with
 * the definition's options (so `--help` and the parser agree), prints the
 * help for `--help`/`-h`, else runs `body`.
 */
export function defineCommand(def: CommandDef, body: (parsed: Parsed) => Promise<number>): DefinedCommand {
  const spec: FlagSpec = { ...def.options, help: HELP_OPTION }
  const cmd = async (argv: string[]): Promise<number> => {
    const parsed = parseArgs(argv, spec, def.stopAtPositional)
    if (parsed.flags['help']) {
      process.stdout.write(renderHelp(def))
      return EXIT.ok
    }
    return body(parsed)
  }
  return Object.assign(cmd, { def })
}

/** A flag's string value, or undefined when it was not given. */
export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const v = parsed.flags[name]
  return typeof v === 'string' ? v : undefined
}

/** The `--json` option, for every command that prints data. */
export const JSON_OPTION: OptionDef = { help: 'print the result as JSON on stdout (nothing else goes to stdout)' }

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

/** `-W NAME[=y|n]`, as wasmtime's CLI takes it. */
export const FEATURES_OPTION: OptionDef = {
  value: 'NAME[=y|n]',
  alias: 'W',
  repeat: true,
  help: `turn a WebAssembly feature on (or off):\n${Object.keys(FEATURES).join(', ').replace(/(.{1,60})(, |$)/g, '$1,\n').replace(/,\n$/, '')}\n(threads, wide-arithmetic and custom-page-sizes are off by default)`,
}

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

/** The `-C NAME=VALUE` code-generation settings `cwasm run`, `compile`, `spec` and `cache add` take, as wasmtime's CLI does. */
export const CODEGEN_OPTION: OptionDef = {
  value: 'compiler=NAME',
  alias: 'C',
  repeat: true,
  help: 'auto (the default: Winch code first for a large module with no cached\ncode, Cranelift code compiled in the background), cranelift or winch',
}

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

// `cwasm map`: one export called once per input line, through the
// executor's map (up to --concurrency calls at once on the native pool),
// each result printed on its own line in input order.
import { readFile } from 'node:fs/promises'
import { createRuntime, InvalidArgumentError, WasmError, type Module, type RuntimeOptions } from '@cybernetic/wasm'
import {
  CODEGEN_OPTION,
  defineCommand,
  FEATURES_OPTION,
  JSON_OPTION,
  parseCodegen,
  parseCount,
  parseDuration,
  parseFeatures,
  parseSize,
  stringFlag,
  UsageError,
  type CommandDef,
} from '../args.js'
import { EXIT } from '../exit.js'
import { Progress } from '../progress.js'
import { styleFor } from '../term.js'

const DEF: CommandDef = {
  name: 'map',
  usage: ['MODULE EXPORT [--input FILE|-] [--concurrency N] [--json] [LIMITS]'],
  summary: 'call an export once per input line, in parallel, printing each result in input order',
  description: `Calls EXPORT of MODULE (.wasm, .wat or .cwasm) once for each line of the
input (FILE, or stdin when --input is - or not given). Each line is a JSON
array of the export's arguments, e.g. [7] or [1, "9007199254740993"]: an
i64 or v128 is a JSON integer or a decimal or 0x string; an f32 or f64 a
number or "nan", "inf", "-inf". Blank lines are skipped (line numbers count
them). The whole input is read first, so the progress bar knows the total.

Up to --concurrency calls run at once, each in its own store with the
limits below. Each input line gets one output line, in input order: the
results separated by spaces (an i64 in decimal, a v128 as 0x hex; an empty
line for an export without results), or, for a line that failed,
error[CODE]: line N: MESSAGE with CODE the typed error's code (a trap's
code, timeout, fuel_exhausted, memory_limit, invalid_argument for a line
that is not an array of arguments the export takes). The other lines still
run. With --json each output line is a JSON object instead:
{"line":N,"ok":true,"results":[…]} or {"line":N,"ok":false,"error":{"code","message"}}
(i64 and v128 results as strings, non-finite floats as "nan", "inf", "-inf").

On a terminal (stderr) a progress bar is drawn under the output; off one,
only the result lines are printed. When a line failed, a count of the
failures follows on stderr.`,
  options: {
    input: { value: 'FILE', alias: 'i', help: 'the lines of arguments: a file, or - for stdin (default: stdin)' },
    concurrency: { value: 'N', alias: 'j', help: "calls at once (default: the executor's threads, the machine's cores, at least 2)" },
    json: { ...JSON_OPTION, help: 'print one JSON object per input line (nothing else goes to stdout)' },
    fuel: { value: 'N', help: 'instruction budget of each call (turns on fuel metering; default: unmetered)' },
    timeout: { value: 'T', help: 'wall-clock limit of each call: 5s, 250ms, 5000 (default: 5s)' },
    'max-memory': { value: 'SIZE', help: "largest linear memory of each call: 100MB, 64KiB, bytes (default: 100MB)" },
    'max-stack': { value: 'BYTES', help: 'wasm stack limit (default 512KiB)' },
    codegen: CODEGEN_OPTION,
    wasm: FEATURES_OPTION,
  },
  exits: [
    [String(EXIT.ok), 'every line ran and returned'],
    [String(EXIT.failed), 'a line failed (its error is on its output line); or no module, export or input'],
    [String(EXIT.usage), 'bad usage (unknown option, missing argument)'],
    [String(EXIT.internal), 'internal error in cwasm (a bug: please report it)'],
  ],
}

/** One input line: its number (1-based), and its arguments or why it has none. */
interface Item {
  line: number
  args: unknown[] | null
  error: InvalidArgumentError | null
}

/** `cwasm map`. */
export const mapCommand = defineCommand(DEF, async (parsed) => {
  const { flags, repeated, positionals } = parsed
  const [file, name] = positionals
  if (!file || !name || positionals.length > 2) throw new UsageError('cwasm map takes MODULE and EXPORT; see cwasm map --help')
  const json = flags['json'] === true
  const concurrencyFlag = stringFlag(parsed, 'concurrency')
  const concurrency = concurrencyFlag === undefined ? undefined : parseCount(concurrencyFlag, 'concurrency')
  if (concurrency === 0) throw new UsageError('--concurrency must be at least 1')
  const options: RuntimeOptions = { engine: { ...parseFeatures(repeated['wasm']), ...parseCodegen(repeated['codegen']) } }
  if (typeof flags['fuel'] === 'string') options.fuel = parseCount(flags['fuel'], 'fuel')
  if (typeof flags['timeout'] === 'string') {
    const timeout = parseDuration(flags['timeout'], 'timeout')
    if (timeout === 0) throw new UsageError('--timeout must be more than 0')
    options.maxExecutionTime = timeout
  }
  if (typeof flags['max-memory'] === 'string') options.maxMemory = parseSize(flags['max-memory'], 'max-memory')
  if (typeof flags['max-stack'] === 'string') options.engine!.maxWasmStack = parseSize(flags['max-stack'], 'max-stack')
  const input = stringFlag(parsed, 'input') ?? '-'

  const rt = await createRuntime(options)
  try {
    const mod = await rt.loadModule(file)
    const fn = mod.exports.find((e) => e.name === name && e.type.kind === 'func')
    if (!fn) throw new InvalidArgumentError(`the module has no exported function '${name}'; it exports: ${funcNames(mod)}`, 'EXPORT')
    const params = fn.type.params ?? []
    const results = fn.type.results ?? []
    const items = parseInput(await readInput(input), params)

    // A malformed line is never called: its error is its outcome, printed in its place.
    const valid = items.filter((it) => it.args !== null)
    const malformed = items.length - valid.length
    const bar = new Progress({ total: items.length, label: 'map' })
    const style = styleFor(process.stdout)
    let failed = 0
    let internal = false
    const printFailure = (line: number, e: unknown) => {
      failed++
      if (!(e instanceof WasmError)) internal = true
      const code = e instanceof WasmError ? e.code : 'internal'
      const message = e instanceof Error ? e.message : String(e)
      // One line per input line: a trap's backtrace stays in --json's message.
      const first = message.split('\n', 1)[0]
      bar.log(json ? JSON.stringify({ line, ok: false, error: { code, message } }) : `${style.red(`error[${code}]`)}: line ${line}: ${first}`)
    }
    const batch = rt.executor.map(
      mod,
      name,
      valid.map((it) => it.args!),
      {
        ordered: true,
        ...(concurrency !== undefined ? { concurrency } : {}),
        onProgress: (p) => bar.update(malformed + p.done, p.failed + malformed ? `${p.failed + malformed} failed` : ''),
      },
    )
    bar.update(malformed, malformed ? `${malformed} failed` : '')
    let next = 0 // the next item to print
    const flushMalformed = () => {
      while (next < items.length && items[next]!.args === null) {
        printFailure(items[next]!.line, items[next]!.error)
        next++
      }
    }
    for await (const r of batch) {
      flushMalformed()
      const item = items[next++]!
      if (r.ok) {
        const values = results.length === 1 ? [r.value] : ((r.value as unknown[] | undefined) ?? [])
        bar.log(json ? JSON.stringify({ line: item.line, ok: true, results: values.map(jsonValue) }) : values.map(plainValue).join(' '))
      } else printFailure(item.line, r.error)
    }
    flushMalformed()
    bar.done()
    if (failed) process.stderr.write(`map: ${failed} of ${items.length} line(s) failed\n`)
    return internal ? EXIT.internal : failed ? EXIT.failed : EXIT.ok
  } finally {
    await rt.close()
  }
})

/** The input's lines as items: each non-blank line's arguments, converted for `params`, or why it has none. */
function parseInput(text: string, params: string[]): Item[] {
  const items: Item[] = []
  text.split('\n').forEach((raw, i) => {
    const line = i + 1
    const src = raw.replace(/\r$/, '')
    if (src.trim() === '') return
    try {
      let parsed: unknown
      try {
        parsed = JSON.parse(src)
      } catch (e) {
        throw new InvalidArgumentError(`not JSON (${(e as Error).message}); each line is a JSON array of arguments, e.g. [1, 2]`, `input:${line}`)
      }
      if (!Array.isArray(parsed)) throw new InvalidArgumentError(`a JSON array of arguments was expected, got ${typeName(parsed)}`, `input:${line}`)
      if (parsed.length !== params.length) {
        throw new InvalidArgumentError(`the export takes ${params.length} argument(s) (${params.join(', ') || 'none'}), the line has ${parsed.length}`, `input:${line}`)
      }
      items.push({ line, args: parsed.map((v, k) => toValue(v, params[k]!, k, line)), error: null })
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e
      items.push({ line, args: null, error: e })
    }
  })
  return items
}

async function readInput(input: string): Promise<string> {
  try {
    if (input === '-') {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    }
    return await readFile(input, 'utf8')
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the input ${input === '-' ? 'from stdin' : input}: ${(e as Error).message}`, 'input')
  }
}

const I64_MIN = -(1n << 63n)
const U64_END = 1n << 64n
const U128_END = 1n << 128n

/** A JSON argument as the value the export's parameter type takes. */
function toValue(v: unknown, type: string, k: number, line: number): unknown {
  const bad = (what: string) => new InvalidArgumentError(`argument ${k + 1} (${JSON.stringify(v)}) is not ${what}`, `input:${line}`)
  switch (type) {
    case 'i32':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) throw bad('an i32 (a whole number from -2^31 to 2^32 - 1)')
      return v
    case 'i64': {
      const n = integerOf(v)
      if (n === null || n < I64_MIN || n >= U64_END) throw bad('an i64 (a whole number, or a decimal or 0x string, from -2^63 to 2^64 - 1)')
      return n
    }
    case 'v128': {
      const n = integerOf(v)
      if (n === null || n < 0n || n >= U128_END) throw bad('a v128 (a whole number or 0x string from 0 to 2^128 - 1)')
      return n
    }
    case 'f32':
    case 'f64': {
      if (typeof v === 'number') return v
      const special = typeof v === 'string' ? FLOATS[v.toLowerCase()] : undefined
      if (special === undefined) throw bad(`an ${type} (a number, or "nan", "inf", "-inf")`)
      return special
    }
    default:
      // Reference types: null, or a host value the guest holds as a reference.
      return v
  }
}

const FLOATS: Record<string, number> = { nan: NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity }

function integerOf(v: unknown): bigint | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : null
  if (typeof v !== 'string' || !/^-?(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return null
  const s = v.trim()
  return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s)
}

function typeName(v: unknown): string {
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

function funcNames(mod: Module): string {
  return mod.exports.filter((e) => e.type.kind === 'func').map((f) => f.name).join(', ') || 'none'
}

/** A result on a plain line, as `cwasm run` prints one. */
function plainValue(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).reverse().toString('hex')}`
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf'
  if (v === null || v === undefined) return 'null'
  return String(v)
}

/** A result in --json: numbers as numbers, what JSON cannot hold as a string. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : plainValue(v)
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  return plainValue(v)
}

import { createRuntime, InvalidArgumentError, type RuntimeOptions } from '@cybernetic/wasm'
import { parseArgs, parseCount, parseDuration, parseSize, UsageError, type Command } from '../args.js'

const HELP = `usage: cwasm run [OPTIONS] MODULE [ARGS…]

Calls a function of MODULE (.wasm, .wat or .cwasm) with ARGS and prints each
result on a line of its own.

options:
  --invoke FN          the function to call (default: the module's only export, or _start/main)
  --fuel N             instruction budget (turns on fuel metering; default: unmetered)
  --timeout T          wall-clock limit: 5s, 250ms, 5000 (default 5s)
  --max-memory SIZE    largest linear memory: 100MB, 64KiB, bytes (default 100MB)
  --max-stack BYTES    wasm stack limit (default 512KiB)`

/** `cwasm run`. */
export const runCommand: Command = async (argv) => {
  const { flags, positionals } = parseArgs(
    argv,
    {
      invoke: { value: true },
      fuel: { value: true },
      timeout: { value: true },
      'max-memory': { value: true },
      'max-stack': { value: true },
      help: { value: false, alias: 'h' },
    },
    true,
  )
  if (flags['help']) {
    process.stdout.write(`${HELP}\n`)
    return 0
  }
  const [file, ...rawArgs] = positionals
  if (!file) throw new UsageError('cwasm run needs a MODULE; see cwasm run --help')
  const options: RuntimeOptions = { engine: {} }
  if (typeof flags['fuel'] === 'string') options.fuel = parseCount(flags['fuel'], 'fuel')
  if (typeof flags['timeout'] === 'string') options.maxExecutionTime = parseDuration(flags['timeout'], 'timeout')
  if (typeof flags['max-memory'] === 'string') options.maxMemory = parseSize(flags['max-memory'], 'max-memory')
  if (typeof flags['max-stack'] === 'string') options.engine!.maxWasmStack = parseSize(flags['max-stack'], 'max-stack')
  const rt = await createRuntime(options)
  const mod = await rt.loadModule(file)
  const funcs = mod.exports.filter((e) => e.type.kind === 'func')
  let name = typeof flags['invoke'] === 'string' ? flags['invoke'] : undefined
  if (name === undefined) {
    const preferred = funcs.find((f) => f.name === '_start' || f.name === 'main')
    if (preferred) name = preferred.name
    else if (funcs.length === 1) name = funcs[0]!.name
    else throw new UsageError(`the module exports ${funcs.length} functions (${funcs.map((f) => f.name).join(', ')}); choose one with --invoke`)
  }
  const fn = funcs.find((f) => f.name === name)
  if (!fn) {
    throw new InvalidArgumentError(`the module has no exported function '${name}'; it exports: ${funcs.map((f) => f.name).join(', ') || 'none'}`)
  }
  const params = fn.type.params ?? []
  if (rawArgs.length !== params.length) {
    throw new UsageError(`${name} takes ${params.length} argument(s) (${params.join(', ')}) but ${rawArgs.length} were given`)
  }
  const args = rawArgs.map((text, i) => parseValue(text, params[i]!, i))
  const result = await rt.call(mod, name, args)
  const values = fn.type.results!.length === 1 ? [result] : ((result as unknown[] | undefined) ?? [])
  for (const v of values) process.stdout.write(`${formatValue(v)}\n`)
  return 0
}

function parseValue(text: string, type: string, i: number): unknown {
  const bad = () => new UsageError(`argument ${i + 1} ('${text}') is not a valid ${type}`)
  switch (type) {
    case 'i32': {
      if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) throw bad()
      return Number(BigInt.asIntN(32, BigInt(text.replace(/^-(0x.*)$/i, '-$1'))))
    }
    case 'i64':
    case 'v128':
      try {
        return BigInt(text)
      } catch {
        throw bad()
      }
    case 'f32':
    case 'f64': {
      const n = Number(text)
      if (Number.isNaN(n) && !/^[+-]?nan$/i.test(text)) throw bad()
      return n
    }
    default:
      throw new UsageError(`argument ${i + 1} has type ${type}, which cannot be given on the command line`)
  }
}

function formatValue(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).reverse().toString('hex')}`
  if (v === null) return 'null'
  return String(v)
}

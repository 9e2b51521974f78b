import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createRuntime,
  InvalidArgumentError,
  Plugin,
  readPolicy,
  WasmError,
  type AuditRecord,
  type Module,
  type RunOptions,
  type Runtime,
  type RuntimeOptions,
  type SandboxPolicy,
} from '@cybernetic/wasm'
import {
  CODEGEN_OPTION,
  defineCommand,
  FEATURES_OPTION,
  parseCodegen,
  parseCount,
  parseDuration,
  parseFeatures,
  parseSize,
  UsageError,
  type CommandDef,
  type DefinedCommand,
  type Parsed,
} from '../args.js'
import { EXIT } from '../exit.js'
import { report } from '../report.js'

const DEF: CommandDef = {
  name: 'run',
  usage: ['[OPTIONS] MODULE [ARGS…]', '[OPTIONS] --manifest FILE [ARGS…]'],
  summary: 'run a WASI command or call an export; --manifest runs a plugin in its sandbox',
  description: `Runs MODULE (.wasm, .wat or .cwasm). A WASI command (one that exports
_start) runs as the wasmtime CLI runs it: ARGS are its arguments, it gets
clocks, random and this process's stdin, stdout and stderr, and no files or
environment unless a flag grants them; cwasm exits with its exit code.
Otherwise (or with --invoke) one export is called with ARGS as its
parameters and each result is printed on a line of its own.
Everything after MODULE belongs to the guest, flags included.`,
  stopAtPositional: true,
  options: {
    dir: { value: 'HOST[::GUEST]', repeat: true, help: 'preopen HOST read-write as GUEST (default: the same name)' },
    'ro-dir': { value: 'HOST[::GUEST]', repeat: true, help: 'preopen HOST read-only (creating, writing, renaming, removing refused)' },
    env: { value: 'NAME[=VALUE]', repeat: true, help: "set NAME in the guest's environment (without a value: this process's)" },
    preload: {
      value: 'NAME=MODULE',
      repeat: true,
      help: 'instantiate MODULE first (same store, WASI context and limits) and give\nits exports to the main module as the import module NAME',
    },
    'trusted-key': { value: 'FILE', repeat: true, help: 'load .cwasm artifacts only when signed by this Ed25519 public key\n(from `cwasm keygen`)' },
    manifest: {
      value: 'FILE',
      help: 'run the plugin this manifest (TOML or JSON) describes; its module is\nmodule.file (or the only module beside it), and ARGS follow at once:\ncwasm run --manifest plugin.toml [ARGS…]',
    },
    policy: { value: 'FILE', help: 'the host policy a manifest is met with (default: allow what the\nmanifest asks, its paths confined to its directory)' },
    strict: { help: 'refuse at load a module importing WASI functions nobody granted\n(default without --manifest: they answer ERRNO_NOTCAPABLE)' },
    audit: { help: 'print what the sandbox refused to stderr when the guest ends' },
    invoke: { value: 'FN', help: 'call the export FN instead of running _start' },
    json: { help: "print an export call's results as a JSON array (i64 as a decimal string,\nv128 as 0x hex); a WASI command's output is its own, so not with one" },
    fuel: { value: 'N', help: 'instruction budget (turns on fuel metering; default: unmetered)' },
    timeout: { value: 'T', help: 'wall-clock limit: 5s, 250ms, 5000 (default: none for a command, 5s for --invoke)' },
    'max-memory': { value: 'SIZE', help: 'largest linear memory: 100MB, 64KiB, bytes (default: 4GiB)' },
    'max-stack': { value: 'BYTES', help: 'wasm stack limit (default 512KiB)' },
    codegen: CODEGEN_OPTION,
    wasm: FEATURES_OPTION,
  },
  more: `A large module with no cached code starts at once on Winch code. If the run
ends before its Cranelift code is ready, cwasm leaves \`cwasm cache add\`
compiling it at low priority into the disk cache, so the next run starts
from optimized code (CWASM_BACKGROUND_COMPILE=0 turns this off; \`cwasm
compile\` precompiles instead).`,
  exits: [
    ['0-125', "the guest's exit code (a command), 0 after an export call"],
    [String(EXIT.notStarted), 'the module could not start: bad flags, compile, link, manifest or sandbox refusal'],
    [String(EXIT.stopped), 'the guest was stopped: trap, timeout, fuel, memory limit (as wasmtime exits after a trap)'],
    [String(EXIT.internal), 'internal error in cwasm (a bug: please report it)'],
  ],
}


const STARTED_CODES = new Set(['compile_error', 'link_error', 'manifest_error', 'capability_denied', 'artifact_rejected', 'invalid_argument'])

/** `cwasm run`. */
export const runCommand: DefinedCommand = Object.assign(
  async (argv: string[]): Promise<number> => {
    let started = false
    try {
      return await inner(argv, () => (started = true))
    } catch (e) {
      report(e)
      if (e instanceof UsageError) return EXIT.notStarted
      if (e instanceof WasmError && (!started || STARTED_CODES.has(e.code))) return EXIT.notStarted
      return e instanceof WasmError ? EXIT.stopped : EXIT.internal
    }
  },
  { def: DEF },
)

/** Parsing and `--help` as every command has them; the exit statuses above are run's own. */
const inner = (argv: string[], onStart: () => void) => defineCommand(DEF, (parsed) => run(parsed, onStart))(argv)

async function run({ flags, repeated, positionals }: Parsed, onStart: () => void): Promise<number> {
  const json = flags['json'] === true
  const manifestFile = typeof flags['manifest'] === 'string' ? flags['manifest'] : undefined
  if (flags['policy'] && !manifestFile) throw new UsageError('--policy needs --manifest: a policy is what a plugin manifest is met with')
  // With a manifest, the module comes from it and every positional is the guest's.
  const file = manifestFile ? undefined : positionals[0]
  const guestArgs = manifestFile ? positionals : positionals.slice(1)
  if (!file && !manifestFile) throw new UsageError('cwasm run needs a MODULE; see cwasm run --help')

  const options: RuntimeOptions = { engine: { ...parseFeatures(repeated['wasm']), ...parseCodegen(repeated['codegen']) }, maxMemory: 4 * 1024 ** 3 }
  if (typeof flags['fuel'] === 'string') options.fuel = parseCount(flags['fuel'], 'fuel')
  const timeout = typeof flags['timeout'] === 'string' ? parseDuration(flags['timeout'], 'timeout') : undefined
  if (timeout === 0) throw new UsageError('--timeout must be more than 0')
  if (timeout !== undefined) options.maxExecutionTime = timeout
  if (typeof flags['max-memory'] === 'string') options.maxMemory = parseSize(flags['max-memory'], 'max-memory')
  if (typeof flags['max-stack'] === 'string') options.engine!.maxWasmStack = parseSize(flags['max-stack'], 'max-stack')
  const trusted = repeated['trusted-key']
  if (trusted) options.trustedKeys = await Promise.all(trusted.map((f) => readKey(f)))
  const rt = await createRuntime(options)
  const preload: Record<string, Module> = {}
  for (const spec of repeated['preload'] ?? []) {
    const eq = spec.indexOf('=')
    if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`--preload takes NAME=MODULE, got '${spec}'`)
    const name = spec.slice(0, eq)
    if (preload[name]) throw new UsageError(`--preload ${name} is given twice`)
    preload[name] = await rt.loadModule(spec.slice(eq + 1))
  }

  const env = envOf(repeated['env'] ?? [])
  const invoke = typeof flags['invoke'] === 'string' ? flags['invoke'] : undefined
  let target: Module | Plugin
  let wasi: RunOptions
  if (manifestFile) {
    if (json && invoke === undefined) throw new UsageError("--json prints an export's results; a plugin's output is its own (add --invoke FN)")
    if (repeated['dir'] || repeated['ro-dir']) {
      throw new UsageError("with --manifest, directories come from the manifest's capabilities.filesystem, not --dir/--ro-dir")
    }
    const policy: SandboxPolicy = typeof flags['policy'] === 'string' ? await readPolicy(flags['policy']) : openPolicy()
    target = await rt.loadPlugin(manifestFile, { policy })
    const { sandbox } = target
    // The CLI is the host: what the plugin writes to the host it prints,
    // and what it may read from the host is this process's stdin.
    wasi = {
      args: guestArgs,
      ...(Object.keys(env).length ? { env } : {}),
      stdin: sandbox.stdin === 'inherit' ? 'inherit' : sandbox.stdin ? hostStdin() : null,
      stdout: sandbox.stdout === false ? 'deny' : sandbox.stdout === 'inherit' ? 'inherit' : toStream(process.stdout),
      stderr: sandbox.stderr === false ? 'deny' : sandbox.stderr === 'inherit' ? 'inherit' : toStream(process.stderr),
    }
  } else {
    const mod = await rt.loadModule(file!)
    target = mod
    const preopens = [
      ...(repeated['dir'] ?? []).map((d) => mount(d, false)),
      ...(repeated['ro-dir'] ?? []).map((d) => mount(d, true)),
    ]
    const isCommand = mod.exports.some((e) => e.name === '_start' && e.type.kind === 'func')
    const usesWasi = [mod, ...Object.values(preload)].some((m) => m.imports.some((i) => i.module === 'wasi_snapshot_preview1'))
    if (!usesWasi && !Object.keys(preload).length && (invoke !== undefined || !isCommand)) {
      return invokeExport(rt, mod, invoke, guestArgs, timeout, json, onStart).finally(() => handOver(rt, mod, file))
    }
    // wasmtime run's grants: args, clocks, random, inherited stdio.
    wasi = {
      argv0: file!,
      clocks: true,
      random: true,
      stdin: 'inherit',
      stdout: 'inherit',
      stderr: 'inherit',
      preopens,
      mode: flags['strict'] ? 'strict' : 'permissive',
      ...(repeated['env'] ? { env } : {}),
    }
    if (invoke !== undefined) {
      // As with wasmtime's --invoke, ARGS are the export's parameters.
      const params = exportParams(mod, invoke)
      wasi.invokeArgs = parseArgsFor(invoke, params, guestArgs)
    } else {
      wasi.args = guestArgs
    }
    if (json && invoke === undefined) throw new UsageError("--json prints an export's results; a WASI command's output is its own (add --invoke FN)")
    if (!isCommand && invoke === undefined) {
      throw new UsageError(`the module exports no _start; choose a function with --invoke (it exports: ${funcNames(mod)})`)
    }
  }
  if (Object.keys(preload).length) wasi.preload = preload
  // A command has no time limit unless one is asked for, as with wasmtime.
  if (timeout === undefined && invoke === undefined) wasi.timeout = null
  if (invoke !== undefined) wasi.invoke = invoke
  onStart()
  try {
    const r = await rt.run(target, wasi).finally(releaseStdin).finally(() => handOver(rt, target, file))
    if (flags['audit']) printAudit(rt.audit.records(), rt.audit.dropped)
    if (invoke !== undefined && r.exitCode === 0) printValues(exportResults(target, invoke), r.value, json)
    return r.exitCode
  } catch (e) {
    if (flags['audit']) printAudit(rt.audit.records(), rt.audit.dropped)
    throw e
  }
}

/**
 * A large module that ran on Winch code (no cached code yet) and whose
 * Cranelift code is not ready when the run ends: a detached low-priority
 * `cwasm cache add` finishes it into the disk cache, so the next run of
 * the same bytes starts from optimized code. Off with CWASM_BACKGROUND_COMPILE=0.
 */
function handOver(rt: Runtime, target: Module | Plugin, file: string | undefined): void {
  const m = target instanceof Plugin ? target.module : target
  const source = target instanceof Plugin ? m.file : file
  if (m.tier !== 'winch' || m.engine.options.compiler === 'winch' || !rt.cache || !source || source.endsWith('.cwasm')) return
  if (process.env['CWASM_BACKGROUND_COMPILE'] === '0') return
  const cli = fileURLToPath(new URL('../../bin/cwasm.js', import.meta.url))
  const child = spawn(process.execPath, [cli, 'cache', 'add', '--dir', rt.cache.dir, '--engine', JSON.stringify(m.engine.options), source], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
  })
  child.on('error', () => {})
  child.unref()
}

async function readKey(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read the trusted key ${file}: ${(e as Error).message}`)
  }
}

/** Each chunk the guest writes, written to `out` before the guest goes on. */
function toStream(out: NodeJS.WriteStream): (chunk: Uint8Array) => Promise<void> {
  return (chunk) => new Promise((resolve) => out.write(chunk, () => resolve()))
}

let stdinUsed = false

/** This process's stdin, read only when the guest reads (and let go of after the run, see `releaseStdin`). */
function hostStdin(): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      stdinUsed = true
      for await (const chunk of process.stdin) yield chunk as Uint8Array
    },
  }
}

/** A guest that stopped reading early leaves stdin flowing, which would keep the process alive. */
function releaseStdin(): void {
  if (stdinUsed) process.stdin.destroy()
}

/**
 * The policy of the CLI when no --policy is given: the person at the
 * terminal is the host and allows what the manifest asks, except that its
 * paths stay inside the manifest's directory (the manifest reader's rule).
 */
function openPolicy(): SandboxPolicy {
  return {
    filesystem: { read: ['/'], write: ['/'] },
    env: true,
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: 'inherit',
    clocks: true,
    random: true,
    mode: 'strict',
  }
}

/** `HOST[::GUEST]`, wasmtime's form. */
function mount(spec: string, readOnly: boolean): { host: string; guest: string; readOnly: boolean } {
  const [host, guest] = spec.includes('::') ? (spec.split('::', 2) as [string, string]) : [spec, spec]
  if (!host || !guest) throw new UsageError(`--${readOnly ? 'ro-dir' : 'dir'} takes HOST[::GUEST], got '${spec}'`)
  return { host: isAbsolute(host) ? host : resolve(host), guest, readOnly }
}

/** `NAME=VALUE`, or `NAME` for this process's value. */
function envOf(specs: string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    const name = eq < 0 ? spec : spec.slice(0, eq)
    if (!name) throw new UsageError(`--env takes NAME[=VALUE], got '${spec}'`)
    const value = eq < 0 ? process.env[name] : spec.slice(eq + 1)
    if (value !== undefined) env[name] = value
  }
  return env
}

function printAudit(records: AuditRecord[], dropped: number): void {
  for (const r of records) {
    const where = [r.fd !== null ? `fd ${r.fd}` : '', r.path !== null ? JSON.stringify(r.path) : ''].filter(Boolean).join(' ')
    process.stderr.write(`audit: ${r.function}${where ? ` ${where}` : ''}: ${r.errnoName} (${r.capability}; ${r.reason})\n`)
  }
  process.stderr.write(`audit: ${records.length} refusal(s)${dropped ? `, ${dropped} more dropped` : ''}\n`)
}

function funcNames(mod: Module): string {
  return mod.exports.filter((e) => e.type.kind === 'func').map((f) => f.name).join(', ') || 'none'
}

function exportParams(mod: Module, name: string): string[] {
  const fn = mod.exports.find((e) => e.name === name && e.type.kind === 'func')
  if (!fn) throw new InvalidArgumentError(`the module has no exported function '${name}'; it exports: ${funcNames(mod)}`)
  return fn.type.params ?? []
}

function exportResults(target: Module | Plugin, name: string): string[] {
  const mod = 'sandbox' in target ? target.module : target
  return mod.exports.find((e) => e.name === name)?.type.results ?? []
}

function parseArgsFor(name: string, params: string[], rawArgs: string[]): unknown[] {
  if (rawArgs.length !== params.length) {
    throw new UsageError(`${name} takes ${params.length} argument(s) (${params.join(', ')}) but ${rawArgs.length} were given`)
  }
  return rawArgs.map((text, i) => parseValue(text, params[i]!, i))
}

function printValues(results: string[], result: unknown, json: boolean): void {
  const values = results.length === 1 ? [result] : ((result as unknown[] | undefined) ?? [])
  if (json) process.stdout.write(`${JSON.stringify(values.map((v) => (typeof v === 'number' || v === null ? v : formatValue(v))))}\n`)
  else for (const v of values) process.stdout.write(`${formatValue(v)}\n`)
}

/** Calls one export of a module that does not use WASI, printing its results. */
async function invokeExport(
  rt: Runtime,
  mod: Module,
  invoke: string | undefined,
  rawArgs: string[],
  timeout: number | undefined,
  json: boolean,
  onStart: () => void,
): Promise<number> {
  const funcs = mod.exports.filter((e) => e.type.kind === 'func')
  let name = invoke
  if (name === undefined) {
    const preferred = funcs.find((f) => f.name === 'main')
    if (preferred) name = preferred.name
    else if (funcs.length === 1) name = funcs[0]!.name
    else throw new UsageError(`the module exports ${funcs.length} functions (${funcs.map((f) => f.name).join(', ')}); choose one with --invoke`)
  }
  const args = parseArgsFor(name, exportParams(mod, name), rawArgs)
  onStart()
  const result = await rt.call(mod, name, args, timeout === undefined ? {} : { timeout })
  printValues(exportResults(mod, name), result, json)
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

import { createRuntime, defaultModuleCacheDir, type EngineOptions } from '@cybernetic/wasm'
import { CODEGEN_HELP, parseArgs, parseCodegen, UsageError, type Command } from '../args.js'

const HELP = `usage: cwasm cache stats [--dir DIR] [--json]
       cwasm cache clear [--dir DIR]
       cwasm cache add [--dir DIR] [-C compiler=NAME] [--engine JSON] MODULE…

The on-disk module cache (default: $CWASM_CACHE_DIR, else modules/ in the
user's cache directory). stats: entries, their size and the size bound;
clear: removes every entry; add: compiles each MODULE (.wasm or .wat) to
its optimized code and writes it into the cache, so that a later load of
the same bytes by the same engine starts from it (what \`cwasm run\` leaves
running at low priority when a large module's run ends before its
Cranelift code is ready). --engine gives the engine options as JSON (an
entry is only used by an engine of the same options).

\${CODEGEN_HELP}`

/** `cwasm cache`. */
export const cacheCommand: Command = async (argv) => {
  const { flags, repeated, positionals } = parseArgs(argv, {
    dir: { value: true },
    json: { value: false },
    engine: { value: true },
    C: { value: true, repeat: true },
    help: { value: false, alias: 'h' },
  })
  if (flags['help'] || positionals.length === 0) {
    process.stdout.write(`${HELP}\n`)
    return flags['help'] ? 0 : 2
  }
  const [sub, ...rest] = positionals
  const dir = typeof flags['dir'] === 'string' ? flags['dir'] : defaultModuleCacheDir()
  if (sub === 'add') return add(dir, rest, flags['engine'], repeated['C'])
  if (rest.length || (sub !== 'stats' && sub !== 'clear')) throw new UsageError(`cwasm cache takes stats, clear or add, got '${positionals.join(' ')}'`)
  const rt = await createRuntime({ cacheDir: dir })
  const cache = rt.cache!
  if (sub === 'clear') {
    const n = cache.clear()
    process.stdout.write(`removed ${n} entr${n === 1 ? 'y' : 'ies'} from ${dir}\n`)
    return 0
  }
  const s = cache.stats()
  if (flags['json']) {
    process.stdout.write(`${JSON.stringify({ dir: s.dir, entries: s.entries, bytes: s.bytes, maxBytes: s.maxBytes }, null, 2)}\n`)
    return 0
  }
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`
  process.stdout.write(`${s.dir}\n  entries  ${s.entries}\n  size     ${mb(s.bytes)} of ${mb(s.maxBytes)}\n`)
  return 0
}

async function add(dir: string, files: string[], engineJson: string | true | undefined, codegen: string[] | undefined): Promise<number> {
  if (files.length === 0) throw new UsageError('cwasm cache add needs at least one MODULE')
  let engine: EngineOptions = {}
  if (typeof engineJson === 'string') {
    try {
      engine = JSON.parse(engineJson) as EngineOptions
    } catch (e) {
      throw new UsageError(`--engine must be JSON engine options: ${(e as Error).message}`)
    }
    if (typeof engine !== 'object' || engine === null || Array.isArray(engine)) throw new UsageError('--engine must be a JSON object of engine options')
  }
  const options: EngineOptions = { ...engine, ...parseCodegen(codegen) }
  // Cranelift at once (no Winch code first): its entries serve 'auto' engines of the same options too.
  if (options.compiler !== 'winch') options.compiler = 'cranelift'
  const rt = await createRuntime({ cacheDir: dir, engine: options })
  for (const file of files) {
    const m = await rt.loadModule(file)
    process.stdout.write(`${file}: cached (${m.tier} code)\n`)
  }
  return 0
}

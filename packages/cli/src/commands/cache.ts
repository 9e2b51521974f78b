import { createRuntime, defaultModuleCacheDir, type EngineOptions } from '@cybernetic/wasm'
import { CODEGEN_OPTION, defineCommand, parseCodegen, stringFlag, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'

const DEF: CommandDef = {
  name: 'cache',
  usage: ['stats [--dir DIR] [--json]', 'clear [--dir DIR] [--json]', 'add [--dir DIR] [-C compiler=NAME] [--engine JSON] [--json] MODULE…'],
  summary: 'the on-disk module cache: stats, clear, or add modules compiled to optimized code',
  description: `The on-disk module cache (default: $CWASM_CACHE_DIR, else modules/ in the
user's cache directory). stats: entries, their size and the size bound;
clear: removes every entry; add: compiles each MODULE (.wasm or .wat) to
its optimized code and writes it into the cache, so that a later load of
the same bytes by the same engine starts from it (what \`cwasm run\` leaves
running at low priority when a large module's run ends before its
Cranelift code is ready).`,
  options: {
    dir: { value: 'DIR', help: 'the cache directory (default: $CWASM_CACHE_DIR, else the user cache)' },
    engine: { value: 'JSON', help: 'add: the engine options as JSON (an entry is only used by an\nengine of the same options)' },
    json: { help: 'print the result as JSON' },
    codegen: CODEGEN_OPTION,
  },
  exits: commonExits('a MODULE could not be read or compiled (add)'),
}

/** `cwasm cache`. */
export const cacheCommand = defineCommand(DEF, async ({ flags, repeated, positionals }) => {
  const [sub, ...rest] = positionals
  if (!sub) throw new UsageError('cwasm cache takes stats, clear or add; see cwasm cache --help')
  const dir = stringFlag({ flags, repeated, positionals }, 'dir') ?? defaultModuleCacheDir()
  const json = flags['json'] === true
  const print = (data: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : text)
  if (sub === 'add') return add(dir, rest, flags['engine'], repeated['codegen'], json)
  if (rest.length || (sub !== 'stats' && sub !== 'clear')) throw new UsageError(`cwasm cache takes stats, clear or add, got '${positionals.join(' ')}'`)
  const rt = await createRuntime({ cacheDir: dir })
  const cache = rt.cache!
  if (sub === 'clear') {
    const n = cache.clear()
    print({ dir, removed: n }, `removed ${n} entr${n === 1 ? 'y' : 'ies'} from ${dir}\n`)
    return EXIT.ok
  }
  const s = cache.stats()
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`
  print({ dir: s.dir, entries: s.entries, bytes: s.bytes, maxBytes: s.maxBytes }, `${s.dir}\n  entries  ${s.entries}\n  size     ${mb(s.bytes)} of ${mb(s.maxBytes)}\n`)
  return EXIT.ok
})

async function add(
  dir: string,
  files: string[],
  engineJson: string | true | undefined,
  codegen: string[] | undefined,
  json: boolean,
): Promise<number> {
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
  const added: { file: string; hash: string; tier: string }[] = []
  for (const file of files) {
    const m = await rt.loadModule(file)
    added.push({ file, hash: m.hash, tier: m.tier })
    if (!json) process.stdout.write(`${file}: cached (${m.tier} code)\n`)
  }
  if (json) process.stdout.write(`${JSON.stringify(added, null, 2)}\n`)
  return EXIT.ok
}

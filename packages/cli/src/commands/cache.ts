import { createRuntime, defaultModuleCacheDir } from '@cybernetic/wasm'
import { parseArgs, UsageError, type Command } from '../args.js'

const HELP = `usage: cwasm cache stats [--dir DIR] [--json]
       cwasm cache clear [--dir DIR]

The on-disk module cache (default: $CWASM_CACHE_DIR, else modules/ in the
user's cache directory). stats: entries, their size and the size bound;
clear: removes every entry.`

/** `cwasm cache`. */
export const cacheCommand: Command = async (argv) => {
  const { flags, positionals } = parseArgs(argv, { dir: { value: true }, json: { value: false }, help: { value: false, alias: 'h' } })
  if (flags['help'] || positionals.length === 0) {
    process.stdout.write(`${HELP}\n`)
    return flags['help'] ? 0 : 2
  }
  const [sub, ...rest] = positionals
  if (rest.length || (sub !== 'stats' && sub !== 'clear')) throw new UsageError(`cwasm cache takes stats or clear, got '${positionals.join(' ')}'`)
  const dir = typeof flags['dir'] === 'string' ? flags['dir'] : defaultModuleCacheDir()
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

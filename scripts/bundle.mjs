#!/usr/bin/env node
// Rolls @cybernetic/wasm's compiled modules (tsc's packages/wasm/dist, about
// fifty ES modules) into packages/wasm/dist/bundle/: `index.js`, the package
// entry, and `worker.js`, the executor's worker thread, sharing one chunk.
//
// Why: Node's ESM loader resolves, reads and links each module on its own;
// importing fifty of them cost about 30 ms of every process start (measured:
// `node -e "import('@cybernetic/wasm')"` 100 ms against 70 ms bundled, bare
// `node -e 0` 50 ms), the start-up every short CLI run and cold serverless
// call pays. `load.import.process_vs_bare_node` in `npm run bench` tracks it.
//
// Both entries share one chunk, so a host file that a worker thread imports
// and that imports '@cybernetic/wasm' itself gets the very classes the worker
// runs on (one `Store`, one set of error classes per thread). The worker's
// URL is computed next to the code that starts it (`new URL('./worker.js',
// import.meta.url)` in executor/workers.ts), so the chunk and `worker.js`
// sit in the same folder, as `workers.js` and `worker.js` do in dist/.
//
// Packages outside the runtime (the addon, piscina, smol-toml, wabt) stay
// imports: they are loaded lazily or are native. Run by scripts/bootstrap.mjs
// after tsc, every time (well under a second), into a scratch folder that
// is then renamed into place rather than written file by file.
import { existsSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { rolldown } from 'rolldown'

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
const dist = join(root, 'packages', 'wasm', 'dist')
const out = join(dist, 'bundle')
const scratch = join(dist, '.bundle-tmp')

const isLocal = (id) => id.startsWith('.') || id.startsWith('/')
const build = await rolldown({
  input: { index: join(dist, 'index.js'), worker: join(dist, 'executor', 'worker.js') },
  external: (id) => !isLocal(id),
  platform: 'node',
  logLevel: 'warn',
  onLog(level, log, handler) {
    // The fallback runtime is imported lazily by runtime.ts and eagerly by
    // index.ts (for its types' classes): one chunk either way, as intended.
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT') return
    handler(level, log)
  },
})
rmSync(scratch, { recursive: true, force: true })
await build.write({
  dir: scratch,
  format: 'esm',
  sourcemap: true,
  entryFileNames: '[name].js',
  chunkFileNames: 'runtime-[hash].js',
})
await build.close()
if (!existsSync(join(scratch, 'index.js')) || !existsSync(join(scratch, 'worker.js'))) {
  process.stderr.write('[bundle] rolldown wrote no index.js/worker.js\n')
  process.exit(1)
}
rmSync(out, { recursive: true, force: true })
renameSync(scratch, out)

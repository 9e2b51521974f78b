// A plugin system: two plugins, each a module plus a manifest saying what it
// may touch, run under host policies, both calling host functions.
//   wordcount (C): reads its data directory, asks the host for a setting and
//     reports its counts back; checked against the same count in JS.
//   snoop (WAT): first refused at load (it asks for a directory the host's
//     policy does not give), then run with its own directory only, where it
//     tries to read another plugin's file and to create one; both refusals
//     are shown from the audit log.
//
//   node examples/plugins/plugins.mjs
import { copyFileSync, readFileSync } from 'node:fs'
import { createRuntime, CapabilityError } from '@cybernetic/wasm'
import { buildC, here } from '../lib/build.mjs'
import { assert, check, summary } from '../lib/check.mjs'

const dir = (name) => here(import.meta.url, name)
// The plugin's module goes beside its manifest, as a plugin package ships it.
copyFileSync(buildC(dir('wordcount/wordcount.c'), { command: true }), dir('wordcount/wordcount.wasm'))

const rt = await createRuntime()
rt.audit.on('record', (r) => console.log(`  audit: ${r.module} ${r.function}(${r.path ?? ''}) -> ${r.errnoName}: ${r.reason}`))

// 1. wordcount, with the policy its manifest asks for.
console.log('wordcount:')
const wordcount = await rt.loadPlugin(dir('wordcount'), { policy: { filesystem: { read: [dir('wordcount/data')] }, imports: ['host'] } })
const MIN = 5
const reports = []
const run = await rt.run(wordcount, { imports: { host: { min_length: () => MIN, report: (words, lines) => void reports.push({ words, lines }) } } })
process.stdout.write(`  stdout: ${run.stdout}`)
const text = readFileSync(dir('wordcount/data/words.txt'), 'utf8')
const expected = { words: text.split(/[^A-Za-z]+/).filter((w) => w.length >= MIN).length, lines: text.split('\n').length - 1 }
check('wordcount exits 0', run.exitCode, 0)
check('wordcount reported through host.report what JS counts', reports, [expected])
check('wordcount was refused nothing', run.audit, [])

// 2. snoop under a policy that gives no files: refused at load, naming the manifest key.
console.log('snoop:')
const refused = await rt.loadPlugin(dir('snoop'), { policy: { imports: ['host'] } }).then(() => null, (e) => e)
assert('snoop is refused at load: it asks for a directory the policy does not give', refused instanceof CapabilityError && refused.manifestKey?.startsWith('capabilities.filesystem'), String(refused))
console.log(`  ${refused?.name}: ${refused?.message}`)

// 3. snoop with its own directory, read-only: its escape attempts are refused and audited.
const snoop = await rt.loadPlugin(dir('snoop'), { policy: { filesystem: { read: [dir('snoop/data')] }, imports: ['host'] } })
const attempts = []
const snooped = await rt.run(snoop, { imports: { host: { report: (attempt, errno) => void attempts.push([attempt, errno]) } } })
process.stdout.write(`  stdout: ${snooped.stdout}`)
check('snoop read its own notes', snooped.stdout.toString(), readFileSync(dir('snoop/data/notes.txt'), 'utf8'))
check('snoop: its own file opened (errno 0), the two others refused (non-zero)', attempts.map(([a, e]) => [a, e === 0]), [[1, true], [2, false], [3, false]])
check('the audit log holds the two refusals, with their paths', snooped.audit.map((r) => [r.module, r.function, r.path]), [
  ['snoop', 'path_open', '../../wordcount/data/words.txt'],
  ['snoop', 'path_open', 'stolen.txt'],
])
check('the runtime log has them too', rt.audit.size, 2)

await rt.close()
summary('plugins')

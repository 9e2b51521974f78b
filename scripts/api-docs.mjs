#!/usr/bin/env node
// API docs (issue 15, item 7): typedoc over the two packages with a JS API,
// @cybernetic/wasm (packages/wasm/src/index.ts) and @cybernetic/wasm-queue
// (packages/queue/src/index.ts), written as HTML to docs/api/ (gitignored).
//
// One TypeScript program holds both entries, with `@cybernetic/wasm` mapped
// to its sources: so a name the queue imports from it (Plugin, QueueError…)
// is the same declaration typedoc documents under @cybernetic/wasm, and a
// link from the queue's docs to it lands on that page rather than on a
// dist/*.d.ts copy typedoc does not document.
//
// The queue's docs name @cybernetic/wasm's classes as plain `{@link
// TrapError}` (the doc lint reads them so: a queue call throws the errors
// @cybernetic/wasm exports). typedoc resolves a name from the module it is
// written in, and the compiler makes no link node for `@throws {@linkcode X}`,
// so such a name is looked up here: a link in the queue's docs that the
// queue's module does not resolve, and @cybernetic/wasm's does, goes there.
//
// A warning is a failure: a link that does not resolve, a type the API
// refers to that no entry exports, a comment typedoc cannot read. The one
// exception is the source-link notice when the checkout has no `origin`
// remote (the pages then say "Defined in file:line" without a link), which
// says something about the clone, not the docs.
//
//   node scripts/api-docs.mjs            (npm run docs:api; npm test's `docs` stage)
//   node scripts/api-docs.mjs --out DIR  (somewhere else, e.g. a temporary directory)
// Prints each problem and `api-docs: N pages, W warning(s), E error(s)` (a
// compile error in the sources is an error); exits 1 on any of either.
import { Application, ConsoleLogger, Converter, LogLevel, Reflection, ReflectionKind } from 'typedoc'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const argv = process.argv.slice(2)
let out = join(root, 'docs', 'api')
if (argv[0] === '--out' && argv[1]) out = resolve(argv[1])
else if (argv.length) {
  console.error('usage: node scripts/api-docs.mjs [--out DIR]')
  process.exit(2)
}

const entries = ['packages/wasm/src/index.ts', 'packages/queue/src/index.ts'].map((p) => join(root, p))

// The program typedoc reads: the two packages' sources, with the compiler
// options of tsconfig.base.json that matter for reading them.
const dir = mkdtempSync(join(tmpdir(), 'cwasm-api-docs-'))
const tsconfig = join(dir, 'tsconfig.json')
writeFileSync(
  tsconfig,
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      // Node's globals only: without this the compiler adds the DOM's, whose
      // `Plugin` would take a `{@link Plugin}` meant for ours.
      lib: ['ES2022'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: { '@cybernetic/wasm': [join(root, 'packages', 'wasm', 'src', 'index.ts')] },
    },
    include: [join(root, 'packages', 'wasm', 'src'), join(root, 'packages', 'queue', 'src')],
  }),
)

/** Counts what typedoc warns about, printing it as the console logger would. */
class CountingLogger extends ConsoleLogger {
  failures = []
  errors = 0
  notes = []
  otherPass = false
  log(message, level) {
    if (level === LogLevel.Warn || level === LogLevel.Error) {
      if (this.failures.includes(message)) return
      if (this.otherPass && /marked as intentionally not exported/.test(message)) return
      // The clone has no `origin` remote: no source links, nothing wrong with the docs.
      if (level === LogLevel.Warn && /git remote "[^"]*" was not valid/.test(message)) {
        this.notes.push('source links off: this checkout has no `origin` remote')
        return
      }
      this.failures.push(message)
      if (level === LogLevel.Error) this.errors++
    }
    super.log(message, level)
  }
}

let failed = false
try {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries,
    entryPointStrategy: 'resolve',
    tsconfig,
    out,
    name: 'Cybernetic WASM',
    readme: 'none',
    excludeInternal: true,
    excludePrivate: true,
    excludeProtected: true,
    // Store implements it with members marked @internal: how a store encodes
    // references in value slots, not a type a caller uses (runtime/values.ts).
    intentionallyNotExported: ['src/runtime/values.ts:RefTable'],
    highlightLanguages: ['typescript', 'javascript', 'ts', 'js', 'json', 'bash', 'sh', 'shell', 'toml', 'c', 'text'],
    // Shiki has no WebAssembly text grammar under this name: shown as written.
    ignoredHighlightLanguages: ['wat'],
    validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: false, unusedMergeModuleWith: true },
    logLevel: 'Warn',
  })
  // The modules by their package names (typedoc would say "wasm/src" and "queue/src").
  const names = { 'wasm/src': '@cybernetic/wasm', 'queue/src': '@cybernetic/wasm-queue' }
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const m of context.project.getChildrenByKind(ReflectionKind.Module)) m.name = names[m.name] ?? m.name
  })
  // Before typedoc's own link resolution (priority 0): the queue's links to @cybernetic/wasm.
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => linkQueueToWasm(context.project), 100)
  const logger = new CountingLogger()
  logger.level = LogLevel.Warn
  app.logger = logger
  const project = await app.convert()
  if (!project) {
    failed = true
  } else {
    // typedoc checks "referenced but not exported" only for types of the
    // project's own package (here the private root, cybernetic-wasm): so once
    // as each package. The other checks repeat; the logger prints a warning once.
    // (intentionallyNotExported names @cybernetic/wasm's types: unused in the queue's pass.)
    const own = project.packageName
    for (const name of ['@cybernetic/wasm', '@cybernetic/wasm-queue']) {
      project.packageName = name
      logger.otherPass = name !== '@cybernetic/wasm'
      app.validate(project)
    }
    project.packageName = own
    if (logger.failures.length === 0) {
      rmSync(out, { recursive: true, force: true })
      await app.generateDocs(project, out)
    }
  }
  const pages = failed || logger.failures.length ? 0 : countPages(out)
  for (const n of logger.notes) console.log(`note: ${n}`)
  const warnings = logger.failures.length - logger.errors
  console.log(`api-docs: ${pages} pages, ${warnings} warning(s), ${logger.errors} error(s)${pages ? ` -> ${out.replace(`${root}/`, '')}/index.html` : ''}`)
  failed ||= logger.failures.length > 0 || pages === 0
} finally {
  rmSync(dir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)

/** Points each link in the queue's docs that its module cannot resolve at @cybernetic/wasm's declaration of that name. */
function linkQueueToWasm(project) {
  const modules = project.getChildrenByKind(ReflectionKind.Module)
  const wasm = modules.find((m) => m.name === '@cybernetic/wasm')
  const queue = modules.find((m) => m.name === '@cybernetic/wasm-queue')
  if (!wasm || !queue) return
  const inQueue = (r) => {
    for (let p = r; p; p = p.parent) if (p === queue) return true
    return false
  }
  const fix = (parts) => {
    for (const part of parts ?? []) {
      if (part.kind !== 'inline-tag' || !/^@link(code|plain)?$/.test(part.tag)) continue
      if (typeof part.target === 'string' || part.target instanceof Reflection) continue
      // The compiler found a declaration typedoc documents: typedoc links it.
      if (part.target && project.getReflectionsFromSymbolId(part.target).length) continue
      const name = /^\s*([\w.]+)/.exec(part.text)?.[1]
      if (!name || queue.getChildByName(name)) continue
      const target = wasm.getChildByName(name)
      if (target) part.target = target
    }
  }
  for (const r of Object.values(project.reflections)) {
    if (!inQueue(r) || !r.comment) continue
    fix(r.comment.summary)
    for (const tag of r.comment.blockTags) fix(tag.content)
  }
}

function countPages(folder) {
  let n = 0
  for (const e of readdirSync(folder, { withFileTypes: true })) {
    if (e.isDirectory()) n += countPages(join(folder, e.name))
    else if (e.name.endsWith('.html')) n++
  }
  return n
}

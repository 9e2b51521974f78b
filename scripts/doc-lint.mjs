#!/usr/bin/env node
// Doc lint for the public API (style habit 11). Reads the declarations
// through the TypeScript compiler, so it sees exactly what each package's
// entry exports: @cybernetic/wasm (packages/wasm/src/index.ts) and
// @cybernetic/wasm-queue (packages/queue/src/index.ts). The CLI exports no
// JS (its package.json exports only itself); its public surface is its
// commands, checked from their definitions (packages/cli/dist/commands).
//
// The rules, each a gap when broken:
//  1. Every exported name, and every public member of an exported class or
//     interface, has a TSDoc comment; exported functions and classes (other
//     than errors) have an `@example`.
//  2. @default: an optional property that a caller can pass (a property of
//     a parameter's type of any public function, method or constructor,
//     followed into nested option objects) says what leaving it out means.
//     Optional properties of what the API hands back (ExternType.params is
//     there for functions only) are absence, not a default, and are exempt.
//     So are an error class's constructor's: the library makes its errors.
//     The options' docs are generated from options/definitions.mjs by
//     scripts/gen-options.mjs, which writes their @default once.
//  3. @throws, for every public function, method and constructor:
//     a. it has at least one `@throws` tag: `@throws {@linkcode XError} when…`
//        naming an error class, `@throws as {@link Other.method}` (the same
//        errors as that one), or `@throws never`. A reader must not have to
//        guess whether a call can fail; "never" is a claim, checked by (c).
//     b. every class a tag names is an error class (its name ends in
//        `Error`, as every class in errors.ts does) that the package exports.
//     c. every typed error the function can be shown to throw is named,
//        directly or through `as {@link …}`: the classes of `throw new XError`
//        in its body, and, transitively, in the bodies of the functions and
//        methods of our own sources that it calls. Throws inside a `try`
//        that has a `catch` do not count (the catch decides), nor do those
//        in nested functions (callbacks run later; their errors arrive as
//        rejections or item errors, documented where they arrive).
//     Why this rule: (a) makes every signature state its failure mode; (c)
//     makes the statement true for everything the source can prove (argument
//     checks, refusals, limits), which is most of what a caller catches. What
//     it cannot see is errors converted from the addon's answers (a trap
//     becomes a TrapError in errors.ts): those the author documents, as (a)
//     forces them to think about.
//  4. CLI: every command has a summary, a description and its exit
//     statuses, and every option has help text.
//
//   node scripts/doc-lint.mjs                 (npm test runs it as the `docs` step)
//   node scripts/doc-lint.mjs --entry FILE…   (only those entries, no CLI check: the test's fixtures)
// Prints each gap and `doc-lint: N public names checked, M gap(s)`; exits 1 on any gap.
import ts from 'typescript'
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const argv = process.argv.slice(2)
const custom = argv[0] === '--entry'
const entries = custom ? argv.slice(1) : ['packages/wasm/src/index.ts', 'packages/queue/src/index.ts'].map((p) => join(root, p))
if (custom && entries.length === 0) {
  console.error('usage: node scripts/doc-lint.mjs [--entry FILE…]')
  process.exit(2)
}

const program = ts.createProgram(entries, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true })
const checker = program.getTypeChecker()
const gaps = []
let checked = 0

// Our sources: what the analysis follows into. Declarations elsewhere
// (node_modules, the addon's d.ts, a sibling package's dist) have no body to read.
const ours = (sf) => !sf.isDeclarationFile && !sf.fileName.includes('/node_modules/')
const where = (node) => {
  const sf = node.getSourceFile()
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart())
  return `${relative(root, sf.fileName)}:${line + 1}`
}
const docsOf = (decl) => ts.getJSDocCommentsAndTags(decl).filter((d) => ts.isJSDoc(d))
const hasDoc = (decl) => docsOf(decl).some((d) => (typeof d.comment === 'string' ? d.comment.trim() : d.comment?.length) || d.tags?.length)
const tagsOf = (decl, name) => docsOf(decl).flatMap((d) => d.tags ?? []).filter((t) => t.tagName.text === name)
const hasTag = (decl, name) => ts.getJSDocTags(decl).some((t) => t.tagName.text === name)
const isPublic = (m) => {
  const mods = ts.getCombinedModifierFlags(m)
  if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false
  if (m.name && ts.isPrivateIdentifier(m.name)) return false
  // @internal members are not part of the API.
  return !hasTag(m, 'internal')
}
const resolve = (sym) => (sym && sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym)

// ---- @throws: what a function can be shown to throw --------------------------

/** The error class names `throw new X(…)` in `body` and its callees in our sources throw. */
const thrownMemo = new Map()
function thrownBy(decl) {
  if (thrownMemo.has(decl)) return thrownMemo.get(decl)
  const found = new Set()
  thrownMemo.set(decl, found) // a recursive call sees what is known so far
  const body = decl.body
  if (!body || !ours(decl.getSourceFile())) return found
  const visit = (node) => {
    // A nested function runs later: its throws are not this call's.
    if (node !== body && ts.isFunctionLike(node)) return
    // A try with a catch decides what escapes; only its catch and finally count.
    if (ts.isTryStatement(node) && node.catchClause) {
      visit(node.catchClause.block)
      if (node.finallyBlock) visit(node.finallyBlock)
      return
    }
    if (ts.isThrowStatement(node) && node.expression && ts.isNewExpression(node.expression)) {
      const name = node.expression.expression.getText()
      if (/Error$/.test(name)) found.add(name.replace(/^.*\./, ''))
    }
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      for (const callee of calleesOf(node)) for (const n of thrownBy(callee)) found.add(n)
    }
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(body, visit)
  return found
}

/** The declarations with bodies that a call or `new` reaches, in our sources. */
function calleesOf(node) {
  const sym = resolve(checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression))
  if (!sym) return []
  const out = []
  for (const d of sym.declarations ?? []) {
    if (!ours(d.getSourceFile())) continue
    if (ts.isNewExpression(node) && ts.isClassDeclaration(d)) {
      // Constructing an error throws nothing; other classes run their constructor.
      if (/Error$/.test(d.name?.text ?? '')) continue
      const ctor = d.members.find(ts.isConstructorDeclaration)
      if (ctor) out.push(ctor)
    } else if (ts.isFunctionDeclaration(d) || ts.isMethodDeclaration(d) || ts.isConstructorDeclaration(d)) out.push(d)
    else if (ts.isVariableDeclaration(d) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) out.push(d.initializer)
  }
  return out
}

// The documented throws of each public callable, by its name as a link
// names it (`createRuntime`, `Executor.callBytes`), for `@throws as {@link …}`.
const documented = new Map()
const callables = [] // { decl, name, entryExports }

/**
 * The `@throws` tags of `decl`, each as written (continuation lines joined).
 * Read from the comment's text: the compiler splits `@throws {@linkcode X}`
 * into a `throws` tag and a `linkcode` tag.
 */
function throwsTags(decl) {
  const out = []
  for (const d of docsOf(decl)) {
    const lines = d.getText().replace(/^\/\*\*/, '').replace(/\*\/$/, '').split('\n').map((l) => l.replace(/^\s*\* ?/, ''))
    let current = null
    for (const line of lines) {
      const m = /^\s*@(\w+)\s*(.*)$/.exec(line)
      if (m) {
        current = m[1] === 'throws' ? { text: m[2] } : null
        if (current) out.push(current)
      } else if (current) current.text += ` ${line.trim()}`
    }
  }
  for (const t of out) t.text = t.text.trim()
  return out
}

/**
 * What one `@throws` says: `never`, or the names it links (`{@linkcode X}`,
 * `{@link X}`, a leading `{X}`), each an error class or, for `as {@link
 * Other.method}` and prose, a callable whose errors these are too.
 */
function parseThrows(text) {
  if (/^never\b/.test(text)) return { kind: 'never', names: [] }
  const names = [...text.matchAll(/\{\s*(?:@link(?:code|plain)?\s+)?([\w.]+)\s*\}|\{@link(?:code|plain)?\s+([\w.]+)/g)].map((m) => m[1] ?? m[2])
  return { kind: names.length ? 'names' : 'unknown', names }
}

function documentedSet(name, seen = new Set()) {
  if (seen.has(name)) return new Set()
  seen.add(name)
  const entry = documented.get(name)
  if (!entry) return new Set()
  const out = new Set(entry.classes)
  for (const other of entry.as) for (const c of documentedSet(other, seen)) out.add(c)
  return out
}

function registerCallable(decl, name, exportedNames, errorNames) {
  checked++
  const tags = throwsTags(decl)
  const entry = { classes: new Set(), as: [] }
  for (const { text } of tags) {
    const p = parseThrows(text)
    if (p.kind === 'unknown') gaps.push(`${where(decl)}  ${name}: @throws "${text.slice(0, 40)}" names no error class (write {@linkcode XError}, as {@link Other.method}, or never)`)
    for (const n of p.names) {
      if (errorNames.has(n)) entry.classes.add(n)
      else if (/Error$/.test(n)) gaps.push(`${where(decl)}  ${name}: @throws names ${n}, which is not an error class the packages export`)
      else entry.as.push(n)
    }
  }
  if (tags.length === 0) {
    const can = [...thrownBy(decl)]
    gaps.push(`${where(decl)}  ${name}: no @throws (${can.length ? `it can throw ${can.join(', ')}` : 'name the error classes, or write @throws never'})`)
  }
  documented.set(name, entry)
  callables.push({ decl, name, tags, exportedNames })
}

function checkThrows() {
  for (const { decl, name, tags } of callables) {
    if (tags.length === 0) continue
    const docs = documentedSet(name)
    const never = tags.some(({ text }) => parseThrows(text).kind === 'never')
    for (const cls of thrownBy(decl)) {
      if (docs.has(cls)) continue
      gaps.push(`${where(decl)}  ${name}: can throw ${cls} (from its body or a function it calls) but ${never ? 'says @throws never' : 'its @throws do not name it'}`)
    }
  }
}

// ---- @default: optional properties a caller passes -----------------------------

const inputSeen = new Set()
/** Walks a parameter's type: each optional property declared in our sources needs @default. */
function checkInputType(type, path, depth = 0) {
  if (depth > 6 || !type) return
  if (type.isUnion() || type.isIntersection()) {
    for (const t of type.types) checkInputType(t, path, depth)
    return
  }
  if (!(type.flags & ts.TypeFlags.Object)) return
  // Functions passed in (callbacks, host functions) take our values: outputs.
  if (type.getCallSignatures().length) return
  // An instance of a class (a Module, a Store) is made by the API, not filled in by the caller.
  if ((type.getSymbol()?.flags ?? 0) & ts.SymbolFlags.Class) return
  if (checker.isArrayType(type) || checker.isTupleType(type)) {
    for (const t of checker.getTypeArguments(type)) checkInputType(t, `${path}[]`, depth + 1)
    return
  }
  for (const prop of type.getProperties()) {
    const decl = prop.valueDeclaration ?? prop.declarations?.[0]
    if (!decl || !ours(decl.getSourceFile()) || !(ts.isPropertySignature(decl) || ts.isPropertyDeclaration(decl))) continue
    if (inputSeen.has(decl)) continue
    inputSeen.add(decl)
    if (hasTag(decl, 'internal')) continue
    const parent = decl.parent
    const owner = ts.isInterfaceDeclaration(parent) || ts.isClassDeclaration(parent) ? parent.name.text : path
    if (decl.questionToken) {
      checked++
      if (!hasTag(decl, 'default')) gaps.push(`${where(decl)}  ${owner}.${prop.getName()}: optional input without @default`)
    }
    checkInputType(checker.getTypeOfSymbolAtLocation(prop, decl), `${owner}.${prop.getName()}`, depth + 1)
  }
}

function checkParameters(decl, name) {
  for (const p of decl.parameters ?? []) checkInputType(checker.getTypeAtLocation(p), `${name}(${p.name.getText()})`)
}

/** Whether `decl` is a class of errors: it extends Error, however far up. */
function isErrorClass(decl) {
  if (!ts.isClassDeclaration(decl)) return /Error$/.test(decl.name?.getText?.() ?? '')
  for (let t = checker.getTypeAtLocation(decl); t; ) {
    if (t.getSymbol()?.getName() === 'Error') return true
    const bases = t.isClassOrInterface() ? checker.getBaseTypes(t) : []
    t = bases[0]
  }
  return false
}

// ---- the packages ----------------------------------------------------------------

// The error classes a @throws may name: those the checked packages export
// (the queue's docs name @cybernetic/wasm's, which it depends on).
const errorNames = new Set()
for (const entry of entries) {
  const mod = program.getSourceFile(entry) && checker.getSymbolAtLocation(program.getSourceFile(entry))
  for (const e of mod ? checker.getExportsOfModule(mod) : []) if (/Error$/.test(e.getName())) errorNames.add(e.getName())
}
for (const entry of entries) {
  const sf = program.getSourceFile(entry)
  if (!sf) {
    gaps.push(`${entry}: cannot be read`)
    continue
  }
  const mod = checker.getSymbolAtLocation(sf)
  const exports = mod ? checker.getExportsOfModule(mod) : []
  const exportedNames = new Set(exports.map((e) => e.getName()))
  for (const exported of exports) {
    const sym = resolve(exported)
    const name = exported.getName()
    for (const decl of sym.declarations ?? []) {
      if (hasTag(decl, 'internal')) continue
      checked++
      const target = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl
      if (!hasDoc(target)) gaps.push(`${where(decl)}  ${name}: no doc comment`)
      const isError = isErrorClass(decl)
      if ((ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl)) && !hasTag(decl, 'example') && !isError) {
        gaps.push(`${where(decl)}  ${name}: no @example`)
      }
      if (ts.isFunctionDeclaration(decl) && decl.body) {
        registerCallable(decl, name, exportedNames, errorNames)
        checkParameters(decl, name)
      }
      if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
        for (const m of decl.members) {
          if (ts.isConstructorDeclaration(m) && m.parameters.length === 0) continue
          if (ts.isIndexSignatureDeclaration(m) || !isPublic(m)) continue
          checked++
          const member = `${name}.${m.name?.getText() ?? 'constructor'}`
          if (!hasDoc(m)) gaps.push(`${where(m)}  ${member}: no doc comment`)
          if (!ts.isClassDeclaration(decl)) continue
          // An error's constructor is how it is made, not an operation that fails.
          if ((ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m)) && m.body && !isError) {
            registerCallable(m, ts.isConstructorDeclaration(m) ? name : member, exportedNames, errorNames)
          }
          if ((ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m)) && !(isError && ts.isConstructorDeclaration(m))) checkParameters(m, member)
        }
      }
    }
  }
}
checkThrows()

// ---- the CLI's commands -------------------------------------------------------------

if (!custom) {
  const dir = join(root, 'packages', 'cli', 'dist', 'commands')
  if (!existsSync(dir)) gaps.push('packages/cli/dist/commands: not built (npm test builds it first)')
  else {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const mod = await import(pathToFileURL(join(dir, file)).href)
      for (const [exportName, value] of Object.entries(mod)) {
        const def = value?.def
        if (!def) continue
        checked++
        const at = `packages/cli/src/commands/${file.replace(/\.js$/, '.ts')}  cwasm ${def.name} (${exportName})`
        if (!def.summary?.trim()) gaps.push(`${at}: no summary`)
        if (!def.description?.trim()) gaps.push(`${at}: no description`)
        if (!def.exits?.length) gaps.push(`${at}: no exit statuses`)
        for (const [flag, o] of Object.entries(def.options ?? {})) {
          checked++
          if (!o.help?.trim()) gaps.push(`${at}: --${flag} has no help text`)
        }
      }
    }
  }
}

for (const g of gaps) console.log(g)
console.log(`doc-lint: ${checked} public names checked, ${gaps.length} gap(s)`)
process.exit(gaps.length ? 1 : 0)

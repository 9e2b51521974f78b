#!/usr/bin/env node
// Doc lint for the public API (style habit 11): every name exported from
// @cybernetic/wasm, and every public member of its classes and interfaces,
// carries a TSDoc comment; every exported function and class has an
// `@example`. Reads the declarations through the TypeScript compiler, so it
// sees exactly what `index.ts` exports. Prints each gap and exits 1 if any.
//
//   node scripts/doc-lint.mjs          (npm test runs it as the `docs` step)
import ts from 'typescript'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../packages/wasm/src/index.ts', import.meta.url))
const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true })
const checker = program.getTypeChecker()
const mod = checker.getSymbolAtLocation(program.getSourceFile(entry))
const gaps = []
let checked = 0

const where = (decl) => {
  const sf = decl.getSourceFile()
  const { line } = sf.getLineAndCharacterOfPosition(decl.getStart())
  return `${sf.fileName.replace(/.*packages\//, 'packages/')}:${line + 1}`
}
const docsOf = (decl) => ts.getJSDocCommentsAndTags(decl).filter((d) => ts.isJSDoc(d))
const hasDoc = (decl) => docsOf(decl).some((d) => (typeof d.comment === 'string' ? d.comment.trim() : d.comment?.length) || d.tags?.length)
const hasTag = (decl, name) => ts.getJSDocTags(decl).some((t) => t.tagName.text === name)
const isPublic = (m) => {
  const mods = ts.getCombinedModifierFlags(m)
  if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false
  if (m.name && ts.isPrivateIdentifier(m.name)) return false
  // @internal members are not part of the API.
  return !hasTag(m, 'internal')
}

for (const exported of checker.getExportsOfModule(mod)) {
  const sym = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
  for (const decl of sym.declarations ?? []) {
    if (hasTag(decl, 'internal')) continue
    checked++
    const name = exported.getName()
    const target = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl
    if (!hasDoc(target)) gaps.push(`${where(decl)}  ${name}: no doc comment`)
    if ((ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl)) && !hasTag(decl, 'example') && !name.endsWith('Error')) {
      gaps.push(`${where(decl)}  ${name}: no @example`)
    }
    if (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl)) {
      for (const m of decl.members) {
        if (ts.isConstructorDeclaration(m) && m.parameters.length === 0) continue
        if (ts.isIndexSignatureDeclaration(m) || !isPublic(m)) continue
        checked++
        if (!hasDoc(m)) gaps.push(`${where(m)}  ${name}.${m.name?.getText() ?? 'constructor'}: no doc comment`)
      }
    }
  }
}

for (const g of gaps) console.log(g)
console.log(`doc-lint: ${checked} public names checked, ${gaps.length} gap(s)`)
process.exit(gaps.length ? 1 : 0)

// Regenerates the committed .wasm of examples/*.wat and examples/demo/*.wat
// with the addon's WAT parser (test/examples.test.ts checks they match).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const { watToWasm } = require('@cybernetic/wasm-native')
for (const sub of ['', 'demo/']) {
  const dir = new URL(`../examples/${sub}`, import.meta.url).pathname
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    const out = join(dir, f.replace(/\.wat$/, '.wasm'))
    writeFileSync(out, watToWasm(readFileSync(join(dir, f))))
    console.log(`wrote ${out}`)
  }
}

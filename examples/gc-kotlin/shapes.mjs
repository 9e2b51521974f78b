// A WebAssembly GC module from a real toolchain: shapes.kt compiled by the
// Kotlin/Wasm compiler (WASI target; see build.mjs), run as a WASI command
// through the public API. Kotlin's classes and lists are GC structs and arrays
// in the module, its exceptions wasm exceptions (try_table, a tag). Each run's
// stdout is checked against the same program written in JS.
//
//   node examples/gc-kotlin/shapes.mjs
//
// Node 20's own WebAssembly cannot compile this module without flags
// ("Unknown type code 0x5e, enable with --experimental-wasm-gc").
import { createRuntime } from '@cybernetic/wasm'
import { here } from '../lib/build.mjs'
import { check, summary } from '../lib/check.mjs'

const DEFAULT_SPECS = ['rect 0 0 3 4', 'square 5', 'circle 2', 'rect 1 2 10 20']

/** The reference: what shapes.kt prints for `specs`, computed in JS. */
export function expectedOutput(specs) {
  const lines = []
  const shapes = []
  const int32 = (s) => (/^[+-]?\d+$/.test(s) && Number(s) >= -(2 ** 31) && Number(s) < 2 ** 31 ? Number(s) : null)
  for (const spec of specs.length ? specs : DEFAULT_SPECS) {
    const parts = spec.split(' ').filter((p) => p !== '')
    const field = (i) => {
      const v = parts[i] === undefined ? null : int32(parts[i])
      if (v === null) throw new Error(`'${spec}': field ${i} is not a number`)
      return v
    }
    try {
      if (parts[0] === 'rect') {
        const [x, y, w, h] = [1, 2, 3, 4].map(field)
        shapes.push({ kind: 'Rect', text: `Rect(corner=Point(x=${x}, y=${y}), w=${w}, h=${h})`, area: BigInt(w) * BigInt(h) })
      } else if (parts[0] === 'square') {
        const side = field(1)
        shapes.push({ kind: 'Square', text: `Square(side=${side})`, area: BigInt(side) * BigInt(side) })
      } else throw new Error(`'${spec}': unknown shape`)
    } catch (e) {
      lines.push(`skipped ${e.message}`)
    }
  }
  for (const s of shapes) lines.push(`${s.text} area=${s.area}`)
  const byArea = [...shapes].sort((a, b) => (a.area < b.area ? 1 : a.area > b.area ? -1 : 0)) // stable, as Kotlin's
  lines.push(`by area: [${byArea.map((s) => s.kind).join(', ')}]`)
  lines.push(`total area: ${shapes.reduce((t, s) => t + s.area, 0n)}`)
  lines.push(`distinct: ${new Set(shapes.map((s) => s.text)).size} of ${shapes.length}`)
  return lines.map((l) => `${l}\n`).join('')
}

const runs = [
  [],
  ['square 3', 'rect 5 5 2 7', 'square 3', 'rect 0 0 2000000000 3'],
  ['triangle 1 2 3', 'rect 1 2', 'square 99999999999', 'square -4'],
]

if (import.meta.url === `file://${process.argv[1]}`) {
  const rt = await createRuntime({ maxExecutionTime: 10_000 })
  const mod = await rt.loadModule(here(import.meta.url, 'shapes.wasm'))
  console.log(`kotlin: exports ${mod.exports.map((e) => e.name).join(', ')}; imports ${mod.imports.map((i) => i.name).join(', ')}`)
  for (const args of runs) {
    const r = await rt.run(mod, { args })
    const what = args.length ? `shapes ${args.map((a) => JSON.stringify(a)).join(' ')}` : 'shapes (its default list)'
    check(`${what}: stdout`, new TextDecoder().decode(r.stdout), expectedOutput(args))
    check(`${what}: exit code`, r.exitCode, 0)
  }
  await rt.close()
  summary('gc-kotlin')
}

// A WebAssembly GC module from a real toolchain (issue 14): examples/gc-kotlin/
// shapes.wasm, built from shapes.kt by the Kotlin/Wasm compiler 2.4.21 (WASI
// target) and committed, runs as a WASI command through the public API and
// prints exactly what the program must print. A small reader of the binary's
// type and tag sections shows the module really is a GC and exception-handling
// module, and, where `java` and `mvn` are present, a rebuild must give the
// committed bytes (otherwise that one check is skipped: npm test needs no Java).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompileError, createRuntime, FuelExhaustedError, type Module, type Runtime } from '@cybernetic/wasm'
import { buildShapes, COMMITTED, toolchainPresent } from '../examples/gc-kotlin/build.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const WASM = fileURLToPath(new URL('../examples/gc-kotlin/shapes.wasm', import.meta.url))

// ---- a tiny reader: section list, type section forms, tag count ----------

class Reader {
  pos = 0
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new RangeError(`unexpected end at ${this.pos}`)
    return this.b[this.pos++] as number
  }
  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      if (!(byte & 0x80)) return result
      shift += 7
    }
  }
  /** A signed LEB128 up to 33 bits (a heap type index or an abstract heap type). */
  s33(): number {
    let result = 0
    let shift = 0
    let byte: number
    do {
      byte = this.byte()
      result += (byte & 0x7f) * 2 ** shift
      shift += 7
    } while (byte & 0x80)
    return byte & 0x40 ? result - 2 ** shift : result
  }
}

interface TypeCounts { func: number; struct: number; array: number; recGroups: number; subtypes: number; refFields: number }

function sections(bytes: Uint8Array): Map<number, Uint8Array> {
  const r = new Reader(bytes)
  expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])
  r.pos = 8
  const out = new Map<number, Uint8Array>()
  while (r.pos < bytes.length) {
    const id = r.byte()
    const size = r.u32()
    if (id !== 0) out.set(id, bytes.subarray(r.pos, r.pos + size))
    r.pos += size
  }
  return out
}

/** Reads a type section (WebAssembly 3.0 binary format, section 1) and counts what it declares. */
function readTypes(section: Uint8Array): TypeCounts {
  const r = new Reader(section)
  const counts: TypeCounts = { func: 0, struct: 0, array: 0, recGroups: 0, subtypes: 0, refFields: 0 }
  // A value or storage type; returns whether it is a reference.
  const valType = (): boolean => {
    const t = r.byte()
    if ([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x78, 0x77].includes(t)) return false // numbers, v128, packed i8/i16
    if (t === 0x63 || t === 0x64) { r.s33(); return true } // (ref null ht) / (ref ht)
    if (t >= 0x69 && t <= 0x74) return true // abbreviated nullable refs (funcref, anyref, exnref, ...)
    throw new Error(`unknown value type 0x${t.toString(16)} at ${r.pos - 1}`)
  }
  const compType = (form: number) => {
    if (form === 0x60) {
      counts.func++
      for (let n = r.u32(); n > 0; n--) valType()
      for (let n = r.u32(); n > 0; n--) valType()
    } else if (form === 0x5f) {
      counts.struct++
      for (let n = r.u32(); n > 0; n--) { if (valType()) counts.refFields++; r.byte() /* mut */ }
    } else if (form === 0x5e) {
      counts.array++
      if (valType()) counts.refFields++
      r.byte()
    } else throw new Error(`unknown composite type 0x${form.toString(16)} at ${r.pos - 1}`)
  }
  const subType = (form: number) => {
    if (form === 0x50 || form === 0x4f) {
      counts.subtypes++
      for (let n = r.u32(); n > 0; n--) r.u32()
      compType(r.byte())
    } else compType(form)
  }
  for (let groups = r.u32(); groups > 0; groups--) {
    const form = r.byte()
    if (form === 0x4e) {
      counts.recGroups++
      for (let n = r.u32(); n > 0; n--) subType(r.byte())
    } else subType(form)
  }
  expect(r.pos).toBe(section.length)
  return counts
}

describe('the type reader', () => {
  it('counts the struct, array and func types of a hand-written GC type section', () => {
    // (rec (type (sub (struct (field (mut i32)) (field (ref null 0))))) (type (array (mut i8)))) (type (func (param i32) (result anyref)))
    const section = Uint8Array.from([0x02, 0x4e, 0x02, 0x50, 0x00, 0x5f, 0x02, 0x7f, 0x01, 0x63, 0x00, 0x00, 0x5e, 0x78, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x6e])
    expect(readTypes(section)).toEqual({ func: 1, struct: 1, array: 1, recGroups: 1, subtypes: 1, refFields: 1 })
  })

  it('rejects a composite type form it does not know', () => {
    expect(() => readTypes(Uint8Array.from([0x01, 0x5d, 0x00]))).toThrow(/unknown composite type 0x5d/)
  })
})

// ---- the Kotlin module --------------------------------------------------

const DEFAULT_OUTPUT = [
  "skipped 'circle 2': unknown shape",
  'Rect(corner=Point(x=0, y=0), w=3, h=4) area=12',
  'Square(side=5) area=25',
  'Rect(corner=Point(x=1, y=2), w=10, h=20) area=200',
  'by area: [Rect, Square, Rect]',
  'total area: 237',
  'distinct: 3 of 3',
  '',
].join('\n')

describe('a Kotlin/Wasm GC module (examples/gc-kotlin/shapes.wasm)', () => {
  const bytes = readFileSync(WASM)
  let rt: Runtime
  let mod: Module
  beforeAll(async () => {
    rt = await createRuntime({ maxExecutionTime: 10_000 })
    mod = await rt.loadModule(WASM)
  })
  afterAll(async () => {
    await rt.close()
  })

  it('declares GC struct and array types with reference fields, in recursion groups, and exception tags', () => {
    const s = sections(bytes)
    const types = readTypes(s.get(1)!)
    expect(types.struct).toBeGreaterThanOrEqual(100) // 370 in 2.4.21: Kotlin's classes (Any, String, the data classes, ...)
    expect(types.array).toBeGreaterThanOrEqual(5) // 12: its arrays (chars, Any?)
    expect(types.refFields).toBeGreaterThan(0)
    expect(types.recGroups).toBeGreaterThan(0)
    expect(types.subtypes).toBeGreaterThan(0) // class hierarchy as declared subtypes
    const tags = s.get(13) // the tag section (exception handling)
    expect(tags).toBeDefined()
    expect(new Reader(tags!).u32()).toBeGreaterThanOrEqual(1)
  })

  it('is a WASI command exporting _start and memory, importing only WASI', () => {
    expect(mod.exports.map((e) => e.name).sort()).toEqual(['_start', 'memory'])
    expect(new Set(mod.imports.map((i) => i.module))).toEqual(new Set(['wasi_snapshot_preview1']))
    expect(mod.imports.map((i) => i.name)).toEqual(expect.arrayContaining(['fd_write', 'args_sizes_get', 'args_get']))
  })

  it('runs its entry point and prints exactly what the program prints for its default list', async () => {
    const r = await rt.run(mod)
    expect(r.exitCode).toBe(0)
    expect(r.stdout.toString('utf8')).toBe(DEFAULT_OUTPUT)
    expect(r.stderr.length).toBe(0)
  })

  it('reads its arguments through WASI and prints the shapes, the skipped ones and the 64-bit areas', async () => {
    const r = await rt.run(mod, { args: ['square 3', 'rect 5 5 2 7', 'square 3', 'rect 0 0 2000000000 3', 'triangle 1 2 3', 'square 99999999999'] })
    expect(r.exitCode).toBe(0)
    expect(r.stdout.toString('utf8')).toBe(
      [
        "skipped 'triangle 1 2 3': unknown shape",
        "skipped 'square 99999999999': field 1 is not a number",
        'Square(side=3) area=9',
        'Rect(corner=Point(x=5, y=5), w=2, h=7) area=14',
        'Square(side=3) area=9',
        'Rect(corner=Point(x=0, y=0), w=2000000000, h=3) area=6000000000',
        'by area: [Rect, Rect, Square, Square]',
        'total area: 6000000032',
        'distinct: 3 of 4',
        '',
      ].join('\n'),
    )
  })

  it('gives the same output for the same arguments when run three times at once', async () => {
    const args = ['rect 1 1 1 1', 'square 0']
    const outs = (await Promise.all([1, 2, 3].map(() => rt.run(mod, { args })))).map((r) => r.stdout.toString('utf8'))
    expect(outs).toEqual([outs[0], outs[0], outs[0]])
    expect(outs[0]).toBe('Rect(corner=Point(x=1, y=1), w=1, h=1) area=1\nSquare(side=0) area=0\nby area: [Rect, Square]\ntotal area: 1\ndistinct: 2 of 2\n')
  })

  it('is refused by woven fuel with a CompileError naming fuelMeter, and metered by Wasmtime fuel', async () => {
    const woven = await createRuntime({ engine: { fuel: true } })
    try {
      await expect(woven.loadModule(WASM)).rejects.toSatisfy((e: unknown) => e instanceof CompileError && /fuelMeter: 'wasmtime'/.test(e.message))
    } finally {
      await woven.close()
    }
    const metered = await createRuntime({ engine: { fuel: true, fuelMeter: 'wasmtime' } })
    try {
      const m = await metered.loadModule(WASM)
      await expect(metered.run(m, { fuel: 1_000 })).rejects.toBeInstanceOf(FuelExhaustedError)
      const a = await metered.run(m, { fuel: 1e9 })
      const b = await metered.run(m, { fuel: 1e9 })
      expect(a.stdout.toString('utf8')).toBe(DEFAULT_OUTPUT)
      expect(a.stats.fuelConsumed).toBeGreaterThan(1_000)
      expect(b.stats.fuelConsumed).toBe(a.stats.fuelConsumed) // deterministic
    } finally {
      await metered.close()
    }
  })

  it('runs as examples/gc-kotlin/shapes.mjs, whose checks against a JS version of the program all pass', () => {
    const r = spawnSync(process.execPath, ['examples/gc-kotlin/shapes.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(r.stdout.trim().split('\n').pop()).toBe('gc-kotlin: 6 checks passed, 0 failed')
    expect(r.status).toBe(0)
  }, 60_000)

  it.skipIf(!toolchainPresent())('is what examples/gc-kotlin/build.mjs builds from shapes.kt with Kotlin 2.4.21 (java and mvn present)', () => {
    const built = readFileSync(buildShapes())
    expect(built.length).toBe(bytes.length)
    expect(built.equals(readFileSync(COMMITTED))).toBe(true)
  }, 300_000)
})

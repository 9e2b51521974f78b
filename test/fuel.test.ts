// Woven fuel (the default meter) against Wasmtime's own fuel: the same calls
// consume the same fuel and run out at the same place. The core crate
// compares them on every spec export and every budget of its kernels
// (crates/cwasm_core/src/fuel_tests.rs); these check it through the public API.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CompileError, Engine, FuelExhaustedError, Module, Store, createRuntime } from '@cybernetic/wasm'

const kernel = (name: string) => readFileSync(new URL(`../bench/kernels/wasm/${name}.wasm`, import.meta.url))
const KERNELS: [string, number][] = [
  ['sha256', 4],
  ['mandelbrot', 1],
  ['nbody', 2000],
  ['matmul_simd', 12],
  ['blur_simd', 40],
  ['parse', 2],
]
const woven = Engine.shared({ fuel: true })
// Wasmtime's fuel on the module as written: with interruption on, it would
// also count the woven interrupt checks' own instructions, which woven fuel
// leaves out (so its counts do not depend on how calls are interrupted).
const wasmtime = Engine.shared({ fuel: true, fuelMeter: 'wasmtime', epochInterruption: false })

/** Runs `run(n)` of a kernel with a budget: its result, or the error's class, and the fuel it consumed. */
function metered(engine: Engine, bytes: Uint8Array | string, n: number, budget: number) {
  const store = new Store(engine)
  const run = store.instantiate(Module.compile(engine, bytes)).func('run')
  store.collectStats = true
  store.setFuel(budget)
  let result: unknown
  try {
    result = run.call(n)
  } catch (e) {
    result = (e as Error).constructor.name
  }
  return { result, consumed: store.lastCallStats.fuelConsumed }
}

describe('woven fuel', () => {
  for (const [name, n] of KERNELS) {
    it(`consumes what Wasmtime's fuel consumes on the ${name} kernel, and runs out at the same count`, () => {
      const bytes = kernel(name)
      const full = metered(wasmtime, bytes, n, Number.MAX_SAFE_INTEGER)
      expect(typeof full.result).toBe('number')
      expect(full.consumed).toBeGreaterThan(1000)
      expect(metered(woven, bytes, n, Number.MAX_SAFE_INTEGER)).toEqual(full)
      for (const budget of [1, 2, 1000, Math.floor(full.consumed! / 3), full.consumed! - 1, full.consumed!]) {
        const w = metered(woven, bytes, n, budget)
        expect(w).toEqual(metered(wasmtime, bytes, n, budget))
        // Fuel is checked at loop headers and function entries: a budget a
        // little short of the whole may still see the call finish.
        if (budget <= full.consumed! / 3) expect(w).toEqual({ result: 'FuelExhaustedError', consumed: budget })
      }
    })
  }

  it('runs out of fuel mid-loop with FuelExhaustedError at the same count every time', async () => {
    const rt = await createRuntime({ fuel: 12_345 })
    const mod = rt.compile('(module (func (export "spin") (local i32) (loop (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br 0))))')
    const store = rt.createStore()
    const spin = store.instantiate(mod).func('spin')
    store.collectStats = true
    for (let i = 0; i < 5; i++) {
      store.setFuel(12_345)
      expect(() => spin.call()).toThrow(FuelExhaustedError)
      expect(store.lastCallStats.fuelConsumed).toBe(12_345)
    }
  })

  it('counts the documented costs: 1 per instruction and function entry, nothing for nop, drop, block and end', () => {
    const wat = '(module (func (export "f") (result i32) (block (nop) (drop (i32.const 1))) (i32.add (i32.const 2) (i32.const 3))))'
    for (const engine of [woven, wasmtime]) expect(metered(engine, wat.replace('"f"', '"run"').replace('(result i32)', '(param i32) (result i32)'), 0, 1000).consumed).toBe(5)
  })

  it('shares one budget between the instances of a store, as Wasmtime does', () => {
    const lib = '(module (func (export "work") (local i32) (loop (br_if 0 (i32.lt_u (local.tee 0 (i32.add (local.get 0) (i32.const 1))) (i32.const 100))))))'
    const app = '(module (import "lib" "work" (func $work)) (func (export "f") (call $work) (call $work)))'
    const consumed = [woven, wasmtime].map((engine) => {
      const store = new Store(engine)
      const l = store.instantiate(Module.compile(engine, lib))
      const a = store.instantiate(Module.compile(engine, app), { lib: { work: l.func('work') } })
      store.collectStats = true
      store.setFuel(1_000_000)
      a.func('f').call()
      return store.lastCallStats.fuelConsumed
    })
    expect(consumed[0]).toBeGreaterThan(1000)
    expect(consumed[0]).toBe(consumed[1])
  })

  it("refuses a module using exception handling with a CompileError that names fuelMeter: 'wasmtime'", () => {
    const wasm = '(module (tag $e) (func (export "f") (throw $e)))'
    expect(() => Module.compile(woven, wasm)).toThrow(CompileError)
    expect(() => Module.compile(woven, wasm)).toThrow(/fuelMeter: 'wasmtime'/)
  })

  it('hides its imports: a metered module lists only its own', () => {
    const mod = Module.compile(woven, '(module (import "env" "g" (func)) (func (export "f")))')
    expect(mod.imports.map((i) => `${i.module}.${i.name}`)).toEqual(['env.g'])
  })

  it('never links an import the caller gives in place of the store counter', () => {
    // A module may not name the runtime's import module at all.
    const wasm = '(module (import "\\00cwasm:fuel" "counter" (global (mut i64))))'
    expect(() => Module.compile(woven, wasm)).toThrow(/reserved for the runtime/)
  })
})

// Tiered compilation through the public API: a cold module runs at once on
// Winch code, moves to Cranelift code while calls keep running, and both
// tiers give the same results, traps and fuel counts.
import { describe, expect, it } from 'vitest'
import { createRuntime, FuelExhaustedError, TrapError, type Module, type Runtime } from '@cybernetic/wasm'

/**
 * A module big enough that Cranelift takes a while (hundreds of functions),
 * unique per `tag` so no registry or cache has it; `f(n)` sums 1..n through
 * a chain of calls.
 */
function bigModule(tag: number, functions = 1500): string {
  const funcs: string[] = []
  for (let i = 0; i < functions; i++) {
    funcs.push(`(func $f${i} (param i32) (result i32) (local i32 i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 2) (i32.const ${(i % 7) + 1}))))
        (local.set 1 (i32.xor (local.get 1) (i32.shr_u (local.get 1) (i32.const ${(i % 5) + 1}))))
        (br_if $l (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1))) (local.get 0))))
      (local.get 1))`)
  }
  return `(module
    ${funcs.join('\n')}
    (func (export "f") (param i32) (result i32) (local i32 i32)
      (loop $l
        (local.set 1 (i32.add (local.get 1) (local.get 2)))
        (br_if $l (i32.le_u (local.tee 2 (i32.add (local.get 2) (i32.const 1))) (local.get 0))))
      (i32.add (local.get 1) (i32.mul (call $f0 (i32.const 0)) (i32.const ${tag}))))
    (func (export "mix") (param i32) (result i32) (call $f${functions - 1} (local.get 0)))
    (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
    (func (export "spin") (loop br 0)))`
}

const sum = (n: number) => (n * (n + 1)) / 2

/** A runtime that never keeps code between tests (no disk cache). */
function runtime(engine: Record<string, unknown>): Promise<Runtime> {
  return createRuntime({ cacheDir: false, engine: { fuel: true, ...engine } })
}

async function outcome(rt: Runtime, m: Module, name: string, args: number[], fuel?: number): Promise<unknown> {
  try {
    const r = await rt.call(m, name, args, fuel === undefined ? {} : { fuel })
    return { ok: r }
  } catch (e) {
    return { error: (e as { code?: string }).code, trap: e instanceof TrapError ? e.trapCode : undefined, fuel: e instanceof FuelExhaustedError }
  }
}

describe('tiered compilation', () => {
  it('runs a cold module at once on Winch code and moves new instances to Cranelift code with no failed call', async () => {
    const rt = await runtime({ baselineMinBytes: 0 })
    const m = await rt.loadModule(Buffer.from(bigModule(Date.now() % 1000)))
    expect(m.tier).toBe('winch')
    expect(rt.createStore({}, null, m).tier).toBe('winch')
    // A long call started on Winch code goes on running it through the tier-up.
    const long = rt.call(m, 'mix', [100_000_000])
    let onWinch = 0
    let calls = 0
    while (m.tier === 'winch' && calls < 100_000) {
      const n = 1000 + (calls % 50)
      expect(await rt.call(m, 'f', [n])).toBe(sum(n))
      calls++
      if (m.tier === 'winch') onWinch++
    }
    expect(onWinch).toBeGreaterThan(0)
    expect(await m.optimized(120_000)).toBe(true)
    expect(m.tier).toBe('cranelift')
    expect(m.tierUpMs).toBeGreaterThan(0)
    expect(rt.createStore({}, null, m).tier).toBe('cranelift')
    expect(await rt.call(m, 'f', [77])).toBe(sum(77))
    expect(typeof (await long)).toBe('number')
    expect(await rt.call(m, 'mix', [100_000_000])).toBe(await long)
  }, 180_000)

  it('gives the same results, traps and fuel counts under winch and cranelift', async () => {
    const text = bigModule(3, 20)
    const winch = await runtime({ compiler: 'winch' })
    const cranelift = await runtime({ compiler: 'cranelift' })
    const w = await winch.loadModule(Buffer.from(text))
    const c = await cranelift.loadModule(Buffer.from(text))
    expect([w.tier, c.tier]).toEqual(['winch', 'cranelift'])
    const cases: [string, number[], number | undefined][] = [
      ['f', [10_000], undefined],
      ['mix', [5000], undefined],
      ['div', [0], undefined],
      ['f', [10_000], 5000],
      ['mix', [5000], 12_345],
    ]
    for (const [name, args, fuel] of cases) {
      const a = await outcome(winch, w, name, args, fuel)
      expect(a).toEqual(await outcome(cranelift, c, name, args, fuel))
      if (fuel !== undefined) expect(a).toMatchObject({ error: 'fuel_exhausted', fuel: true })
    }
    const used = ([[winch, w], [cranelift, c]] as const).map(([rt, m]) => {
      const store = rt.createStore({}, null, m)
      store.collectStats = true
      store.instantiate(m).func('f').call(10_000)
      return store.lastCallStats.fuelConsumed
    })
    expect(used[0]).toBeGreaterThan(10_000)
    expect(used[0]).toBe(used[1])
  }, 60_000)

  it('stops an endless loop on Winch code at its deadline', async () => {
    const rt = await createRuntime({ cacheDir: false, engine: { compiler: 'winch' } })
    const m = await rt.loadModule(Buffer.from(bigModule(5, 5)))
    await expect(rt.call(m, 'spin', [], { timeout: 50 })).rejects.toMatchObject({ code: 'timeout' })
  })

  it('says optimized() is false under compiler winch, and refuses a bad timeout', async () => {
    const rt = await createRuntime({ cacheDir: false, engine: { compiler: 'winch' } })
    const m = await rt.loadModule(Buffer.from(bigModule(6, 5)))
    expect(await m.optimized(10)).toBe(false)
    await expect(m.optimized(-1)).rejects.toMatchObject({ code: 'invalid_argument' })
  })

  it('compiles small modules with Cranelift at once by default', async () => {
    const rt = await createRuntime({ cacheDir: false })
    const m = await rt.loadModule(Buffer.from(bigModule(7, 2)))
    expect(m.tier).toBe('cranelift')
    expect(m.tierUpMs).toBeNull()
    expect(await m.optimized()).toBe(true)
  })
})

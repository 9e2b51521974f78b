// How long a store's memory lives: freed by release() or by the garbage
// collector, which is told what each store holds; and what happens when the
// system refuses memory for one more.
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Engine, Module, Store } from '@cybernetic/wasm'

const { v8ExternalMemory } = createRequire(import.meta.url)('@cybernetic/wasm-native') as { v8ExternalMemory(): number }
const CHURN = fileURLToPath(new URL('./fixtures/store-churn.mjs', import.meta.url))
const MiB = 1 << 20
const PAGE = 65536

function child(args: string[], shellPrefix = ''): Record<string, unknown> {
  const cmd = `${shellPrefix}exec "${process.execPath}" "${CHURN}" ${args.join(' ')}`
  const out = execFileSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 120_000 })
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

describe('store lifetime', () => {
  it('lets the garbage collector free unreleased stores, so 30,000 of them in a loop never pile up', () => {
    // Each store's memories reserve ~8 GiB of address space; before V8 was
    // told about them, ~12,500 unreleased stores exhausted the mappings.
    const r = child(['churn', '30000'])
    expect(r.made).toBe(30000)
    expect(r.peakLive).toBeLessThan(5000)
  })

  it('turns the system refusing memory into MemoryLimitError naming release(), and keeps the live stores working', () => {
    // 80 GiB of address space: Node itself and about ten stores.
    const r = child(['hoard', '1000'], `ulimit -v ${80 * 1024 * 1024} && `)
    expect(r.kept).toBeGreaterThan(2)
    expect(r.kept).toBeLessThan(1000)
    expect(r.error).toMatchObject({ name: 'MemoryLimitError', code: 'memory_limit' })
    expect((r.error as { message: string }).message).toMatch(/system refused memory.*release\(\)/s)
    expect(r.oldStillWorks).toBe(true)
    expect(r.afterRelease).toBe(true)
  })

  it("reports a store's linear memory to V8 as external memory, growth included, and takes it back on release", () => {
    const engine = Engine.shared()
    const mod = Module.compile(engine, '(module (memory (export "m") 100))')
    // What V8's collector counts (process.memoryUsage().external leaves it out on Node 20).
    const external = () => v8ExternalMemory()
    const before = external()
    const store = new Store(engine)
    const memory = store.instantiate(mod).memory()
    // The module's 100 pages (the interrupt flag's page is not counted: one byte of it is ever written).
    expect(external() - before).toBe(100 * PAGE)
    memory.grow(60)
    store.memory({ minimum: 20 })
    expect(external() - before).toBe(180 * PAGE)
    store.release()
    expect(Math.abs(external() - before)).toBeLessThan(MiB)
  })

  it('reports memory a guest grows inside a call, on the fast numeric path too', () => {
    const engine = Engine.shared()
    const mod = Module.compile(engine, '(module (memory 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))')
    const before = v8ExternalMemory()
    const store = new Store(engine)
    const grow = store.instantiate(mod).func('grow')
    for (let i = 0; i < 5; i++) expect(grow.call(10)).toBe(1 + 10 * i)
    expect(v8ExternalMemory() - before).toBe(51 * PAGE)
    store.release()
    expect(Math.abs(v8ExternalMemory() - before)).toBeLessThan(MiB)
  })
})

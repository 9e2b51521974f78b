import { describe, expect, it } from 'vitest'
import { Worker } from 'node:worker_threads'
import { randomInt } from 'node:crypto'
import { registryStats } from '@cybernetic/wasm'

function runWorker(workerData: unknown): Promise<{ message: any; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./fixtures/worker.mjs', import.meta.url), { workerData })
    let message: unknown
    w.on('message', (m) => (message = m))
    w.on('error', reject)
    w.on('exit', (exitCode) => resolve({ message, exitCode }))
  })
}

describe('worker threads', () => {
  it('loads the addon in two workers at once that share one compilation of the module', async () => {
    // A module no other test compiles, so the registry has never seen it.
    const k = randomInt(1, 1_000_000)
    const wat = `(module (func (export "f") (param i32) (result i32) local.get 0 i32.const ${k} i32.add))`
    const before = registryStats()
    const [a, b] = await Promise.all([runWorker({ wat, arg: 1 }), runWorker({ wat, arg: 2 })])
    const after = registryStats()
    expect([a.exitCode, b.exitCode]).toEqual([0, 0])
    expect([a.message.result, b.message.result]).toEqual([k + 1, k + 2])
    expect(a.message.hash).toBe(b.message.hash)
    // The registry is process-wide: one compilation, one cache hit.
    expect(after.compiled - before.compiled).toBe(1)
    expect(after.cacheHits - before.cacheHits).toBe(1)
  })

  it('keeps working in the main thread after a worker that used the addon exits', async () => {
    const { exitCode } = await runWorker({ wat: '(module (func (export "f") (param i32) (result i32) local.get 0))', arg: 3 })
    expect(exitCode).toBe(0)
    const { Engine, Module, Store } = await import('@cybernetic/wasm')
    const trapping = Module.compile(Engine.shared(), '(module (func (export "f") unreachable))')
    // A trap needs the signal handlers, which point into the (pinned) addon image.
    expect(() => new Store(Engine.shared()).instantiate(trapping).call('f')).toThrow(/unreachable/)
  })
})

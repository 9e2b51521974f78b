import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import { CompileError, DEFAULTS, InvalidArgumentError, createRuntime } from '@cybernetic/wasm'

const examples = fileURLToPath(new URL('../examples/', import.meta.url))

describe('runtime', () => {
  it('runs the seed example from WAT and from wasm: process(42) = 84', async () => {
    const rt = await createRuntime({ maxMemory: 100_000_000, maxExecutionTime: 5_000, cacheCompiledModules: true, parallelExecution: true })
    for (const f of ['compute.wat', 'compute.wasm']) {
      const mod = await rt.loadModule(examples + f)
      expect(await rt.call(mod, 'process', [42])).toBe(84)
    }
  })

  it('fills in the seed defaults', async () => {
    const rt = await createRuntime()
    expect(rt.options).toMatchObject(DEFAULTS)
    expect(DEFAULTS).toMatchObject({ maxMemory: 100_000_000, maxExecutionTime: 5_000 })
  })

  it('gives each call a fresh instance, so calls never share state', async () => {
    const rt = await createRuntime()
    const mod = rt.compile('(module (global $n (mut i32) (i32.const 0)) (func (export "bump") (result i32) global.get $n i32.const 1 i32.add global.set $n global.get $n))')
    expect(await rt.call(mod, 'bump')).toBe(1)
    expect(await rt.call(mod, 'bump')).toBe(1)
  })

  it('reports a missing file as InvalidArgumentError and a bad file as CompileError naming it', async () => {
    const rt = await createRuntime()
    await expect(rt.loadModule('/nonexistent/x.wasm')).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(rt.loadModule(examples + 'demo.mjs')).rejects.toBeInstanceOf(CompileError)
    await expect(rt.loadModule(examples + 'demo.mjs')).rejects.toThrow(/demo\.mjs: /)
  })

  it('names the exports when a call asks for one that does not exist', async () => {
    const rt = await createRuntime()
    const mod = await rt.loadModule(examples + 'compute.wasm')
    await expect(rt.call(mod, 'nope', [])).rejects.toThrow(/it exports: process/)
  })

  it('refuses wide arithmetic by default and multiplies 64 × 64 → 128 bits with engine.wideArithmetic', async () => {
    const wat = '(module (func (export "f") (param i64 i64) (result i64 i64) local.get 0 local.get 1 i64.mul_wide_u))'
    const off = await createRuntime()
    expect(() => off.compile(wat)).toThrow(CompileError)
    expect(() => off.compile(wat)).toThrow(/wide arithmetic support is not enabled/)
    const on = await createRuntime({ engine: { wideArithmetic: true } })
    expect(await on.call(on.compile(wat), 'f', [2n ** 63n + 5n, 4n])).toEqual([20n, 2n])
  })
})

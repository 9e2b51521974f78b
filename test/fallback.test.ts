import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRuntime, Runtime, TrapError, UnsupportedError, WebAssemblyRuntime, CompileError, InvalidArgumentError } from '@cybernetic/wasm'

const SEED = 'examples/seed/process.wat'

describe('the WebAssembly fallback backend', () => {
  it('gives the seed the same results as the native backend', async () => {
    const wa = await createRuntime({ backend: 'webassembly' })
    const nat = await createRuntime({ backend: 'native' })
    const m1 = await wa.loadModule(SEED)
    const m2 = await nat.loadModule(SEED)
    for (const x of [0, 42, -7, 2 ** 30]) expect(await wa.call(m1, 'process', [x])).toBe(await nat.call(m2, 'process', [x]))
    const input = new Uint8Array(new Int32Array([1, 2, 3]).buffer)
    expect(await wa.callBytes(m1, 'process_all', input)).toEqual(await nat.callBytes(m2, 'process_all', input))
    expect(m1.exports.map((e) => [e.name, e.type.params, e.type.results])).toEqual(m2.exports.map((e) => [e.name, e.type.params, e.type.results]))
  })

  it('reports its capabilities, and all of them on the native backend', async () => {
    const wa = await createRuntime({ backend: 'webassembly' })
    expect(wa.capabilities).toMatchObject({ backend: 'webassembly', fuel: false, preemptiveTimeout: false, memoryLimit: false, wasiSandbox: false, aotCache: false, wat: true })
    const nat = await createRuntime()
    expect(nat.capabilities).toMatchObject({ backend: 'native', fuel: true, preemptiveTimeout: true, memoryLimit: true, wasiSandbox: true, aotCache: true, reason: null })
  })

  it('turns a trap into the same TrapError code as the native backend', async () => {
    const wat = '(module (func (export "d") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))) (func (export "u") unreachable))'
    for (const backend of ['webassembly', 'native'] as const) {
      const rt = await createRuntime({ backend })
      const m = rt.compile(wat)
      await expect(rt.call(m, 'd', [0])).rejects.toSatisfy((e) => e instanceof TrapError && e.code === 'integer_divide_by_zero')
      await expect(rt.call(m, 'u', [])).rejects.toSatisfy((e) => e instanceof TrapError && e.code === 'unreachable')
    }
  })

  it('converts i64 as bigint and refuses a wrongly typed argument', async () => {
    const rt = await createRuntime({ backend: 'webassembly' })
    const m = rt.compile('(module (func (export "add") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1))))')
    expect(await rt.call(m, 'add', [2n ** 62n, 5])).toBe(2n ** 62n + 5n)
    await expect(rt.call(m, 'add', ['x', 1n])).rejects.toThrow(/bigint \(i64\)/)
  })

  it('passes strings and JSON by the allocate convention with the native backend checks: a cyclic input or a non-string is InvalidArgumentError', async () => {
    const echo = `(module (memory (export "memory") 1) (global $p (mut i32) (i32.const 1024))
      (func (export "allocate") (param i32) (result i32) (local $r i32)
        (local.set $r (global.get $p)) (global.set $p (i32.add (global.get $p) (local.get 0))) (local.get $r))
      (func (export "echo") (param i32 i32) (result i64)
        (i64.or (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 32)) (i64.extend_i32_u (local.get 1)))))`
    for (const backend of ['webassembly', 'native'] as const) {
      const rt = await createRuntime({ backend })
      try {
        const mod = await rt.loadModule(Buffer.from(echo))
        expect(await rt.callString(mod, 'echo', 'héllo')).toBe('héllo')
        expect(await rt.callJson(mod, 'echo', { a: [1, 2] })).toEqual({ a: [1, 2] })
        const cyclic: Record<string, unknown> = {}
        cyclic['self'] = cyclic
        await expect(rt.callJson(mod, 'echo', cyclic), backend).rejects.toBeInstanceOf(InvalidArgumentError)
        await expect(rt.callString(mod, 'echo', 5 as unknown as string), backend).rejects.toBeInstanceOf(InvalidArgumentError)
      } finally {
        await rt.close()
      }
    }
  })

  it('reports a WAT error with its line and column', async () => {
    const rt = await createRuntime({ backend: 'webassembly' })
    expect(() => rt.compile('(module\n (func (result i32) i32.add))')).toThrow(CompileError)
    try {
      rt.compile('(module\n (func (result i32) i32.add))')
    } catch (e) {
      expect((e as CompileError).line).toBe(2)
    }
  })

  it('refuses every limit it cannot give with UnsupportedError', async () => {
    for (const o of [{ fuel: 1000 }, { maxMemory: 1 << 20 }, { maxExecutionTime: 100 }, { parallelExecution: true }]) {
      await expect(createRuntime({ backend: 'webassembly', ...o })).rejects.toBeInstanceOf(UnsupportedError)
    }
    const rt = await createRuntime({ backend: 'webassembly' })
    const m = await rt.loadModule(SEED)
    for (const o of [{ timeout: 10 }, { fuel: 10 }, { maxMemory: 1 << 20 }]) {
      await expect(rt.call(m, 'process', [1], o)).rejects.toSatisfy((e) => e instanceof UnsupportedError && e.code === 'unsupported')
    }
    await expect(rt.run(m)).rejects.toSatisfy((e) => e instanceof UnsupportedError && e.feature === 'wasi')
    expect(() => rt.precompile(new Uint8Array())).toThrow(UnsupportedError)
    expect(() => rt.createExecutor()).toThrow(UnsupportedError)
  })

  it('overrides every method of Runtime, so nothing falls through to the addon', () => {
    const own = Object.getOwnPropertyNames(WebAssemblyRuntime.prototype)
    for (const k of Object.getOwnPropertyNames(Runtime.prototype)) if (k !== 'constructor') expect(own, k).toContain(k)
  })

  it('is chosen by CWASM_BACKEND', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', "import { createRuntime } from '@cybernetic/wasm'; const rt = await createRuntime(); console.log(rt.capabilities.backend)"], {
      env: { ...process.env, CWASM_BACKEND: 'webassembly' },
      encoding: 'utf8',
    })
    expect(out.trim()).toBe('webassembly')
  })

  it('imports and picks the fallback under auto when the native package cannot resolve', () => {
    // A copy of the built package whose node_modules has its third-party
    // dependencies but no @cybernetic/wasm-native: what a platform without a binary sees.
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-nobinary-'))
    try {
      const pkg = join(dir, 'node_modules', '@cybernetic', 'wasm')
      mkdirSync(pkg, { recursive: true })
      cpSync('packages/wasm/dist', join(pkg, 'dist'), { recursive: true })
      cpSync('packages/wasm/package.json', join(pkg, 'package.json'))
      for (const dep of ['smol-toml', 'piscina', 'wabt']) symlinkSync(realpathSync(`packages/wasm/node_modules/${dep}`), join(dir, 'node_modules', dep))
      cpSync(SEED, join(dir, 'process.wat'))
      const script = `import { createRuntime } from '@cybernetic/wasm'
const rt = await createRuntime()
const value = await rt.call(await rt.loadModule('process.wat'), 'process', [42])
const native = await createRuntime({ backend: 'native' }).then(() => 'loaded', (e) => e.name + ':' + e.feature + ':' + e.message)
console.log(JSON.stringify({ backend: rt.capabilities.backend, reason: rt.capabilities.reason, value, native }))`
      const env = { ...process.env }
      delete env['CWASM_BACKEND']
      const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8' }))
      expect(out.backend).toBe('webassembly')
      expect(out.value).toBe(84)
      expect(out.reason).toMatch(/@cybernetic\/wasm-native-/)
      expect(out.native).toMatch(/^UnsupportedError:native:.*@cybernetic\/wasm-native/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

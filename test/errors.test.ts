import { describe, expect, it } from 'vitest'
import { CapabilityError, CompileError, Engine, InternalError, ManifestError, Module, OTHER_CODES, WasmError, fromNative, withCodeFrame } from '@cybernetic/wasm'
import { createRequire } from 'node:module'

const native = createRequire(import.meta.url)('@cybernetic/wasm-native')

describe('errors', () => {
  it('reports invalid wasm as a CompileError with the byte offset', () => {
    const wasm: Uint8Array = native.watToWasm(Buffer.from('(module (func (result i32) i64.const 1))'))
    let err: unknown
    try {
      Module.compile(Engine.shared(), wasm)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CompileError)
    const e = err as CompileError
    expect(e.code).toBe('compile_error')
    expect(e.offset).toBeGreaterThan(8)
    expect(e.message).toContain('type mismatch')
    expect(e.message).toMatch(/byte offset 0x[0-9a-f]+/)
  })

  it('reports bad WAT with a 1-based line and column', () => {
    let err: unknown
    try {
      Module.compile(Engine.shared(), '(module\n  (func\n    (i32.bogus)))', { file: 'bad.wat' })
    } catch (e) {
      err = e
    }
    const e = err as CompileError
    expect(e).toBeInstanceOf(CompileError)
    expect([e.line, e.column]).toEqual([3, 6])
    expect(e.file).toBe('bad.wat')
    expect(e.message).toContain('bad.wat: ')
    expect(e.message).toContain('line 3, column 6')
    // The text around the error, with a caret under the column.
    expect(e.frame).toContain('(i32.bogus)')
    expect(e.frame!.split('\n').at(-1)).toMatch(/^\s+\|\s+\^$/)
    expect(e.message).toContain(e.frame!)
  })

  it('rejects bytes that are neither wasm nor WAT', () => {
    expect(() => Module.compile(Engine.shared(), new Uint8Array([0, 1, 2, 3]))).toThrow(CompileError)
  })

  it('turns a panic inside the addon into an InternalError, and the process survives', () => {
    let err: unknown
    try {
      native.debugPanic('on purpose')
    } catch (e) {
      err = fromNative(e)
    }
    expect(err).toBeInstanceOf(InternalError)
    expect((err as InternalError).code).toBe('internal')
    expect((err as Error).message).toContain('on purpose')
    expect(Module.compile(Engine.shared(), '(module)')).toBeInstanceOf(Module)
  })

  it('leaves errors that are not the addon’s unchanged', () => {
    const plain = new TypeError('x')
    expect(fromNative(plain)).toBe(plain)
  })

  it('gives every error class a code and the WasmError base', () => {
    const e = new CompileError('m')
    expect(e).toBeInstanceOf(WasmError)
    expect(e.name).toBe('CompileError')
    expect(e.frame).toBeNull()
  })

  it('adds a code frame to a WAT CompileError from its source text', () => {
    const source = '(module\n  (func\n    (i32.bogus)))'
    const e = withCodeFrame(new CompileError('bad.wat: unknown operator', { line: 3, column: 6, file: 'bad.wat' }), source)
    expect(e).toBeInstanceOf(CompileError)
    expect([e.line, e.column, e.file]).toEqual([3, 6, 'bad.wat'])
    expect(e.frame).toBe(['  1 | (module', '  2 |   (func', '> 3 |     (i32.bogus)))', '    |      ^'].join('\n'))
    expect(e.message).toBe(`bad.wat: unknown operator\n${e.frame}`)
    expect(withCodeFrame(e, Buffer.from(source))).toBe(e)
  })

  it('leaves a CompileError without line and column unchanged', () => {
    const e = new CompileError('type mismatch', { offset: 12 })
    expect(withCodeFrame(e, '(module)')).toBe(e)
  })

  it('computes a ManifestError’s 1-based line, column and frame from its 0-based offset', () => {
    const source = '[module]\nname = "m"\n[limits]\nmemory = -1\n'
    const e = new ManifestError('limits.memory must not be negative', { source, offset: source.indexOf('-1'), file: 'm.toml', key: 'limits.memory' })
    expect(e.code).toBe('manifest_error')
    expect(e.name).toBe('ManifestError')
    expect([e.line, e.column, e.offset, e.key, e.file]).toEqual([4, 10, 38, 'limits.memory', 'm.toml'])
    expect(e.frame).toBe(['  2 | name = "m"', '  3 | [limits]', '> 4 | memory = -1', '    |          ^'].join('\n'))
    expect(e.message).toBe(`m.toml:4:10: limits.memory must not be negative\n${e.frame}`)
  })

  it('gives CapabilityError both keys and the refused imports', () => {
    const imports = [{ module: 'wasi_snapshot_preview1', name: 'clock_time_get', capability: 'clocks', grantKey: 'capabilities.clocks' }]
    const e = new CapabilityError('refused', { manifestKey: null, policyKey: 'policy.clocks', imports })
    expect([e.code, e.name, e.manifestKey, e.policyKey]).toEqual(['capability_denied', 'CapabilityError', null, 'policy.clocks'])
    expect(e.imports).toEqual(imports)
    expect(new CapabilityError('x').imports).toEqual([])
  })

  it('lists the sandbox codes among the non-trap codes', () => {
    expect(OTHER_CODES).toContain('manifest_error')
    expect(OTHER_CODES).toContain('capability_denied')
  })
})

import { describe, expect, it } from 'vitest'
import { CompileError, Engine, InternalError, Module, WasmError, fromNative } from '@cybernetic/wasm'
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
  })
})

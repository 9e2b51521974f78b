// Wasm exceptions across the boundary (issue 14): an exception escaping a
// call is a WasmException with its tag and payload; a JS host function can
// throw one into the guest; a plain JS error is not a wasm exception.
import { describe, expect, it } from 'vitest'
import { createRuntime, Engine, GcRef, HostFunctionError, Module, Store, WasmError, WasmException } from '@cybernetic/wasm'

const THROWER = `(module
  (tag $oops (export "oops") (param i32 i64 f64))
  (tag $other (export "other") (param i32))
  (func (export "throw") (param i32) (throw $oops (local.get 0) (i64.const -5) (f64.const 2.5)))
  (func (export "catch_own") (param i32) (result i32)
    (block $h (result i32 i64 f64)
      (try_table (catch $oops $h) (call 0 (local.get 0)))
      (return (i32.const -1)))
    (drop) (drop))
  (func (export "exn") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $other (i32.const 77)))
      (unreachable)))
  (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))`

function thrower() {
  const store = new Store(Engine.shared())
  return store.instantiate(Module.compile(store.engine, THROWER))
}

function caught(fn: () => unknown): WasmException {
  try {
    fn()
  } catch (e) {
    if (e instanceof WasmException) return e
    throw e
  }
  throw new Error('nothing was thrown')
}

describe('wasm exceptions across the boundary', () => {
  it('makes an exception that escapes a call a WasmException with its tag and payload', () => {
    const i = thrower()
    const e = caught(() => i.call('throw', 17))
    expect(e).toBeInstanceOf(WasmError)
    expect(e.code).toBe('wasm_exception')
    expect(e.payload).toEqual([17, -5n, 2.5])
    expect(e.tag?.equals(i.tag('oops'))).toBe(true)
    expect(e.tag?.equals(i.tag('other'))).toBe(false)
    expect(e.tag?.params).toEqual(['i32', 'i64', 'f64'])
    expect(e.exn).toBeInstanceOf(GcRef)
    expect(e.exn?.kind).toBe('exn')
    expect(e.message).toMatch(/payload \[17, -5n, 2\.5\]/)
    // The guest's own handler still catches it inside wasm.
    expect(i.call('catch_own', 3)).toBe(3)
  })

  it('carries the payload of an exception escaping rt.call, which runs in a store of its own', async () => {
    const rt = await createRuntime()
    try {
      const mod = await rt.loadModule(Buffer.from(THROWER))
      const e = await rt.call(mod, 'throw', [9]).catch((x: unknown) => x)
      expect(e).toBeInstanceOf(WasmException)
      expect((e as WasmException).payload).toEqual([9, -5n, 2.5])
      // The tag belonged to the call's store, which ended with it.
      expect((e as WasmException).tag).toBeNull()
      expect((e as WasmException).code).toBe('wasm_exception')
    } finally {
      await rt.close()
    }
  })

  it('lets a JS host function throw a wasm exception of a tag, which the guest catches with its payload', () => {
    const store = new Store(Engine.shared())
    const fail = store.tag({ params: ['i32', 'f32'] })
    const host = store.func({ params: ['i32'], results: [] }, (n) => {
      if ((n as number) > 10) throw new WasmException(fail, [(n as number) * 2, 0.5])
    })
    const i = store.instantiate(
      Module.compile(
        store.engine,
        `(module
          (import "env" "fail" (tag $fail (param i32 f32)))
          (import "env" "check" (func $check (param i32)))
          (func (export "guarded") (param i32) (result i32)
            (block $h (result i32 f32)
              (try_table (catch $fail $h) (call $check (local.get 0)))
              (return (i32.const 0)))
            (drop)))`,
      ),
      { env: { fail, check: host } },
    )
    expect(i.call('guarded', 3)).toBe(0)
    expect(i.call('guarded', 21)).toBe(42)
  })

  it('lets a host function throw again an exception JS caught, which the guest catches with the same payload', () => {
    const store = new Store(Engine.shared())
    const src = store.instantiate(Module.compile(store.engine, THROWER))
    const e = caught(() => src.call('throw', 5))
    const again = store.func({ params: [], results: [] }, () => {
      throw e
    })
    const i = store.instantiate(
      Module.compile(
        store.engine,
        `(module
          (import "src" "oops" (tag $oops (param i32 i64 f64)))
          (import "env" "again" (func $again))
          (func (export "second_field") (result i64) (local $l i64)
            (block $h (result i32 i64 f64)
              (try_table (catch $oops $h) (call $again))
              (return (i64.const 0)))
            (drop) (local.set $l) (drop) (local.get $l))
          (func (export "first_field") (result i32)
            (block $h (result i32 i64 f64)
              (try_table (catch $oops $h) (call $again))
              (return (i32.const 0)))
            (drop) (drop)))`,
      ),
      { src, env: { again } },
    )
    expect(i.call('second_field')).toBe(-5n)
    expect(i.call('first_field')).toBe(5)
  })

  it('does not let a plain JS error from a host function be caught by catch_all: the call fails with HostFunctionError', () => {
    const store = new Store(Engine.shared())
    const boom = new RangeError('not a wasm exception')
    const host = store.func({ params: [], results: [] }, () => {
      throw boom
    })
    const i = store.instantiate(
      Module.compile(
        store.engine,
        `(module (import "env" "boom" (func $boom))
          (func (export "run") (result i32)
            (block $h (try_table (catch_all $h) (call $boom)) (return (i32.const 0)))
            (i32.const 1)))`,
      ),
      { env: { boom: host } },
    )
    let got: unknown
    try {
      i.call('run')
    } catch (e) {
      got = e
    }
    expect(got).toBeInstanceOf(HostFunctionError)
    expect((got as HostFunctionError).cause).toBe(boom)
  })

  it('fails the call with HostFunctionError saying why when a thrown payload does not fit its tag', () => {
    const store = new Store(Engine.shared())
    const tag = store.tag({ params: ['i32'] })
    const host = store.func({ params: [], results: [] }, () => {
      throw new WasmException(tag, ['not a number'])
    })
    const i = store.instantiate(
      Module.compile(store.engine, `(module (import "env" "h" (func $h)) (import "env" "t" (tag $t (param i32))) (func (export "run") (call $h)))`),
      { env: { h: host, t: tag } },
    )
    let got: unknown
    try {
      i.call('run')
    } catch (e) {
      got = e
    }
    expect(got).toBeInstanceOf(HostFunctionError)
    expect(String((got as Error & { cause?: unknown }).cause)).toMatch(/i32|number/)
  })

  it('gives an exnref to JS as a GcRef of kind exn that the guest can throw again', () => {
    const i = thrower()
    const exn = i.call('exn') as GcRef
    expect(exn).toBeInstanceOf(GcRef)
    expect(exn.kind).toBe('exn')
    const e = caught(() => i.call('rethrow', exn))
    expect(e.payload).toEqual([77])
    expect(e.tag?.equals(i.tag('other'))).toBe(true)
    // A struct is not an exception reference.
    expect(() => i.call('rethrow', 5)).toThrow(/exception reference/)
  })
})

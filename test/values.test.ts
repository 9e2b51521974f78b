import { describe, expect, it } from 'vitest'
import { Engine, Func, InvalidArgumentError, MemoryLimitError, Module, Store } from '@cybernetic/wasm'

function instance(wat: string) {
  const store = new Store(Engine.shared())
  return store.instantiate(Module.compile(store.engine, wat))
}

describe('values across the boundary', () => {
  it('passes i32 as number and i64 as bigint', () => {
    const i = instance(`(module
      (func (export "i32") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
      (func (export "i64") (param i64) (result i64) local.get 0 i64.const 1 i64.add))`)
    expect(i.call('i32', 0x7fffffff)).toBe(-0x80000000)
    expect(i.call('i64', 0x7fffffffffffffffn)).toBe(-0x8000000000000000n)
  })

  it('passes f32 and f64 as numbers, rounding f32', () => {
    const i = instance(`(module
      (func (export "f32") (param f32) (result f32) local.get 0)
      (func (export "f64") (param f64) (result f64) local.get 0 f64.neg))`)
    expect(i.call('f32', 0.1)).toBe(Math.fround(0.1))
    expect(i.call('f64', 1.5)).toBe(-1.5)
  })

  it('keeps NaN payload bits exactly through callSlots', () => {
    const i = instance('(module (func (export "neg") (param f32) (result f32) local.get 0 f32.neg))')
    const slots = new Uint8Array(16)
    new DataView(slots.buffer).setUint32(0, 0x7fa00001, true)
    expect(i.func('neg').callSlots(slots)).toBe(1)
    expect(new DataView(slots.buffer).getUint32(0, true)).toBe(0xffa00001)
  })

  it('passes v128 as a 16-byte Uint8Array or a bigint', () => {
    const i = instance('(module (func (export "v") (param v128) (result v128) local.get 0))')
    const bytes = Uint8Array.from({ length: 16 }, (_, k) => k)
    expect(i.call('v', bytes)).toEqual(bytes)
    const fromBig = i.call('v', 1n) as Uint8Array
    expect(fromBig[0]).toBe(1)
    expect(fromBig.length).toBe(16)
  })

  it('returns several results as an array', () => {
    const i = instance('(module (func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0))')
    expect(i.call('swap', 1, 2n)).toEqual([2n, 1])
  })

  it('round-trips externref values by identity', () => {
    const i = instance('(module (func (export "id") (param externref) (result externref) local.get 0))')
    const obj = { any: 'thing' }
    expect(i.call('id', obj)).toBe(obj)
    expect(i.call('id', null)).toBe(null)
  })

  it('returns funcref as a callable Func and accepts it back', () => {
    const i = instance(`(module
      (func $seven (result i32) i32.const 7)
      (elem declare func $seven)
      (func (export "get") (result funcref) ref.func $seven)
      (func (export "isnull") (param funcref) (result i32) local.get 0 ref.is_null))`)
    const f = i.call('get') as Func
    expect(f).toBeInstanceOf(Func)
    expect(f.call()).toBe(7)
    expect(i.call('isnull', f)).toBe(0)
    expect(i.call('isnull', null)).toBe(1)
  })

  it('rejects an argument of the wrong type with InvalidArgumentError', () => {
    const i = instance('(module (func (export "f") (param i64)))')
    expect(() => i.call('f', 'seven')).toThrow(InvalidArgumentError)
    expect(() => i.call('f')).toThrow(/takes 1 argument/)
  })

  it('gets and sets exported globals, refusing to set an immutable one', () => {
    const i = instance('(module (global (export "g") (mut i64) (i64.const 5)) (global (export "c") f64 (f64.const 2.5)))')
    expect(i.global('g').value).toBe(5n)
    i.global('g').value = 9n
    expect(i.global('g').value).toBe(9n)
    expect(i.global('c').value).toBe(2.5)
    expect(() => {
      i.global('c').value = 1
    }).toThrow(InvalidArgumentError)
  })

  it('reads, writes and grows memory, and refuses out-of-bounds access', () => {
    const i = instance('(module (memory (export "mem") 1 3) (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u))')
    const mem = i.memory('mem')
    mem.write(100, new Uint8Array([42, 43]))
    expect(i.call('load', 101)).toBe(43)
    expect(mem.read(100, 2)).toEqual(new Uint8Array([42, 43]))
    expect(mem.grow(1)).toBe(1)
    expect(mem.byteLength).toBe(2 * 65536)
    expect(() => mem.read(2 * 65536 - 1, 2)).toThrow(InvalidArgumentError)
    expect(() => mem.grow(5)).toThrow(MemoryLimitError)
  })

  it('reads table elements as Funcs or null', () => {
    const i = instance('(module (table (export "t") 2 funcref) (elem (i32.const 1) $f) (func $f (result i32) i32.const 3))')
    const t = i.table('t')
    expect(t.length).toBe(2)
    expect(t.get(0)).toBe(null)
    expect((t.get(1) as Func).call()).toBe(3)
  })
})

describe('exported functions', () => {
  it('hands out one Func per export name, usable by every calling convention', async () => {
    const store = new Store(Engine.shared())
    const instance = store.instantiate(Module.compile(store.engine, '(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))'))
    const add = instance.func('add')
    expect(instance.func('add')).toBe(add)
    expect(instance.exports['add']).toBe(add)
    expect(add.call(2, 3)).toBe(5)
    const slots = new Uint8Array(32)
    new DataView(slots.buffer).setInt32(0, 40, true)
    new DataView(slots.buffer).setInt32(16, 2, true)
    expect(add.callSlots(slots)).toBe(1)
    expect(new DataView(slots.buffer).getInt32(0, true)).toBe(42)
    expect(await add.callAsync([20, 22])).toBe(42)
    expect(add.call(1, 1)).toBe(2)
  })

  it('links an export fetched with func() into another instance and passes it as a funcref', () => {
    const store = new Store(Engine.shared())
    const lib = store.instantiate(Module.compile(store.engine, '(module (func (export "seven") (result i32) i32.const 7))'))
    const seven = lib.func('seven')
    const user = store.instantiate(
      Module.compile(
        store.engine,
        `(module (import "lib" "seven" (func $seven (result i32))) (type $t (func (result i32)))
          (func (export "twice") (result i32) (i32.add (call $seven) (call $seven)))
          (func (export "callRef") (param funcref) (result i32) (table.set $tab (i32.const 0) (local.get 0)) (call_indirect $tab (type $t) (i32.const 0)))
          (table $tab 1 funcref))`,
      ),
      { lib: { seven } },
    )
    expect(user.call('twice')).toBe(14)
    expect(user.call('callRef', seven)).toBe(7)
  })

  it('keeps callSlots exact through the fast path: unaligned buffers, NaN payloads, nested calls', () => {
    const store = new Store(Engine.shared())
    let inner: Func | undefined
    const mod = Module.compile(
      store.engine,
      `(module (import "h" "nested" (func $nested (param i32) (result i32)))
        (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
        (func (export "outer") (param i32 f32) (result i32 f32) (call $nested (local.get 0)) (local.get 1)))`,
    )
    const instance = store.instantiate(mod, { h: { nested: (x: number) => (inner!.call(x) as number) + 1 } })
    inner = instance.func('double')
    const backing = new Uint8Array(3 + 32)
    const slots = backing.subarray(3) // not 4-byte aligned
    const view = new DataView(slots.buffer, slots.byteOffset)
    view.setInt32(0, 20, true)
    view.setUint32(16, 0x7fa00001, true) // a NaN with a payload
    expect(instance.func('outer').callSlots(slots)).toBe(2)
    expect(view.getInt32(0, true)).toBe(41)
    expect(view.getUint32(16, true)).toBe(0x7fa00001)
  })

  it('forgets externref values the guest no longer holds, and keeps the ones it does', () => {
    const store = new Store(Engine.shared())
    const i = store.instantiate(
      Module.compile(
        store.engine,
        `(module (global $kept (mut externref) (ref.null extern))
          (func (export "echo") (param externref) (result externref) local.get 0)
          (func (export "keep") (param externref) (global.set $kept (local.get 0)))
          (func (export "kept") (result externref) global.get $kept))`,
      ),
    )
    const kept = { kept: true }
    i.call('keep', kept)
    const echo = i.func('echo')
    for (let n = 0; n < 20_000; n++) {
      const o = { n }
      expect(echo.call(o)).toBe(o)
    }
    // Without sweeps the store would hold 20,001 values.
    expect((store as unknown as { externCount: number }).externCount).toBeLessThan(10_000)
    expect(i.call('kept')).toBe(kept)
    expect(i.call('echo', kept)).toBe(kept)
  })
})


// GC references across the boundary (issue 14): structs and arrays the
// guest makes cross to JS as GcRef handles and back, i31ref is a number,
// anyref takes any JS value, subtyping is checked when a handle goes in,
// and handles are released when JS lets go of them.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createRuntime, Engine, GcRef, InvalidArgumentError, Module, Store, TrapError } from '@cybernetic/wasm'

const root = fileURLToPath(new URL('..', import.meta.url))
const HOST = fileURLToPath(new URL('./fixtures/host-tick.mjs', import.meta.url))

const POINTS = `(module
  (type $point (struct (field $x (mut i32)) (field $y i32)))
  (type $bytes (array (mut i8)))
  (type $other (struct (field f64)))
  (func (export "point") (param i32 i32) (result (ref $point)) (struct.new $point (local.get 0) (local.get 1)))
  (func (export "x") (param (ref $point)) (result i32) (struct.get $point $x (local.get 0)))
  (func (export "y") (param (ref null $point)) (result i32) (struct.get $point $y (local.get 0)))
  (func (export "set_x") (param (ref $point) i32) (struct.set $point $x (local.get 0) (local.get 1)))
  (func (export "bytes") (param i32) (result (ref $bytes)) (array.new $bytes (i32.const 7) (local.get 0)))
  (func (export "len") (param arrayref) (result i32) (array.len (local.get 0)))
  (func (export "sum") (param (ref $bytes)) (result i32) (local $i i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get 0))))
      (local.set $s (i32.add (local.get $s) (array.get_u $bytes (local.get 0) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func (export "other") (result (ref $other)) (struct.new $other (f64.const 1.5)))
  (func (export "as_any") (param anyref) (result anyref) (local.get 0))
  (func (export "as_eq") (param eqref) (result eqref) (local.get 0))
  (func (export "i31") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "i31_get") (param i31ref) (result i32) (i31.get_s (local.get 0)))
  (func (export "is_null") (param anyref) (result i32) (ref.is_null (local.get 0)))
  (func (export "null_struct") (result structref) (ref.null struct))
  (global $keep (export "keep") (mut anyref) (ref.null any))
  (table $t (export "t") 2 anyref))`

function points() {
  const store = new Store(Engine.shared())
  return store.instantiate(Module.compile(store.engine, POINTS))
}

describe('GC references across the boundary', () => {
  it('gives a struct and an array the guest made to JS as handles that the guest reads back', () => {
    const i = points()
    const p = i.call('point', 3, 4) as GcRef
    expect(p).toBeInstanceOf(GcRef)
    expect(p.kind).toBe('struct')
    expect(p.store).toBe(i.store)
    expect(i.call('x', p)).toBe(3)
    expect(i.call('y', p)).toBe(4)
    // The handle is the object itself, not a copy: a write through one call is seen by the next.
    i.call('set_x', p, 30)
    expect(i.call('x', p)).toBe(30)
    const a = i.call('bytes', 5) as GcRef
    expect(a.kind).toBe('array')
    expect(i.call('len', a)).toBe(5)
    expect(i.call('sum', a)).toBe(35)
    expect(String(a)).toBe('GcRef(array)')
  })

  it('passes i31ref as a number and any other JS value through anyref as itself', () => {
    const i = points()
    expect(i.call('i31', 42)).toBe(42)
    expect(i.call('i31', -1)).toBe(-1)
    // i31 wraps to 31 bits, as the guest's ref.i31 does.
    expect(i.call('i31', 0x40000000)).toBe(-0x40000000)
    expect(i.call('i31_get', -5)).toBe(-5)
    expect(i.call('as_eq', 7)).toBe(7)
    const o = { name: 'host object' }
    expect(i.call('as_any', o)).toBe(o)
    expect(i.call('as_any', 'text')).toBe('text')
    // Outside the i31 range a number is a host value, still itself.
    expect(i.call('as_any', 2 ** 40)).toBe(2 ** 40)
    const p = i.call('point', 1, 2) as GcRef
    expect(i.call('as_any', p)).toBeInstanceOf(GcRef)
    expect(i.call('x', i.call('as_any', p))).toBe(1)
  })

  it('uses null for a null reference of every type, both ways', () => {
    const i = points()
    expect(i.call('null_struct')).toBeNull()
    expect(i.call('is_null', null)).toBe(1)
    expect(i.call('is_null', undefined)).toBe(1)
    expect(i.call('as_any', null)).toBeNull()
    expect(i.call('is_null', i.call('point', 0, 0))).toBe(0)
    // A null into a nullable concrete type reaches the guest, which traps on it as wasm says.
    expect(() => i.call('y', null)).toThrow(TrapError)
  })

  it('refuses a handle whose type does not fit the parameter with InvalidArgumentError naming both', () => {
    const i = points()
    const other = i.call('other') as GcRef
    const array = i.call('bytes', 1) as GcRef
    const point = i.call('point', 1, 1) as GcRef
    expect(() => i.call('x', other)).toThrow(InvalidArgumentError)
    expect(() => i.call('x', other)).toThrow(/\(ref \$struct\)|struct/)
    expect(() => i.call('x', array)).toThrow(InvalidArgumentError)
    expect(() => i.call('len', point)).toThrow(InvalidArgumentError)
    expect(() => i.call('x', null)).toThrow(InvalidArgumentError)
    expect(() => i.call('x', 5)).toThrow(InvalidArgumentError)
    expect(() => i.call('i31_get', point)).toThrow(InvalidArgumentError)
    expect(() => i.call('i31_get', 'text')).toThrow(InvalidArgumentError)
    // Nothing was lost: the good handle still works.
    expect(i.call('x', point)).toBe(1)
  })

  it('refuses a released handle and a handle of another store', () => {
    const a = points()
    const b = points()
    const p = a.call('point', 9, 9) as GcRef
    expect(() => b.call('x', p)).toThrow(/another store/)
    expect(() => b.call('x', p)).toThrow(InvalidArgumentError)
    const held = a.store.gcRefsHeld
    p.release()
    expect(p.released).toBe(true)
    expect(a.store.gcRefsHeld).toBe(held - 1)
    expect(() => a.call('x', p)).toThrow(/released/)
    p.release() // twice is fine
    expect(a.store.gcRefsHeld).toBe(held - 1)
  })

  it('holds GC references in globals and tables, as the guest sees them', () => {
    const i = points()
    const p = i.call('point', 5, 6) as GcRef
    const keep = i.global('keep')
    keep.value = p
    expect(i.call('x', keep.value)).toBe(5)
    keep.value = 12
    expect(keep.value).toBe(12)
    const t = i.table('t')
    t.set(1, p)
    expect(i.call('y', t.get(1))).toBe(6)
    expect(t.get(0)).toBeNull()
    expect(() => t.set(0, i.call('other'))).not.toThrow()
  })

  it('refuses a GC reference crossing to or from a worker thread, and passes i31 and null there', async () => {
    const rt = await createRuntime()
    try {
      const mod = await rt.loadModule(
        Buffer.from(`(module (import "env" "tick" (func $tick (param i32) (result i32)))
          (type $s (struct (field i32)))
          (func (export "make") (result anyref) (struct.new $s (call $tick (i32.const 1))))
          (func (export "small") (result i31ref) (ref.i31 (call $tick (i32.const 1))))
          (func (export "is_null") (param anyref) (result i32) (ref.is_null (local.get 0))))`),
      )
      const made = await rt.executor.run(mod, 'make', [], { host: HOST }).catch((e: unknown) => e)
      expect(made).toBeInstanceOf(InvalidArgumentError)
      expect(String(made)).toMatch(/GC reference \(struct\), which cannot cross from a worker thread/)
      expect(await rt.executor.run(mod, 'small', [], { host: HOST })).toBe(2)
      expect(await rt.executor.run(mod, 'is_null', [null], { host: HOST })).toBe(1)
      const local = points().call('point', 1, 2) as GcRef
      await expect(rt.executor.run(mod, 'is_null', [local], { host: HOST })).rejects.toThrow(/cannot cross to a worker thread/)
    } finally {
      await rt.close()
    }
  })

  it('keeps RSS flat over a million round trips, releasing each collected handle', { timeout: 300_000 }, () => {
    const child = spawnSync(process.execPath, ['--expose-gc', join(root, 'test', 'fixtures', 'gc-round-trips.mjs'), '1000000'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 280_000,
    })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    const r = JSON.parse(child.stdout) as { trips: number; sum: number; expected: number; held: number; rssGrowthMiB: number; maxHeld: number }
    expect(r.trips).toBe(1_000_000)
    // Every handle reached the guest intact.
    expect(r.sum).toBe(r.expected)
    // The roots of collected handles were released: at the end only what one batch holds, at most.
    expect(r.maxHeld).toBeLessThan(100_000)
    expect(r.held).toBeLessThan(20_000)
    // RSS after the warm-up barely moves (a leak of one struct per trip would be tens of MiB).
    expect(r.rssGrowthMiB).toBeLessThan(48)
  })
})

import { describe, expect, it } from 'vitest'
import { Engine, HostFunctionError, LinkError, Module, Store } from '@cybernetic/wasm'

const NEEDS_IMPORTS = `(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "scale" (global $scale i32))
  (func (export "f") (param i32) (result i32) local.get 0 global.get $scale call $add))`

function setup() {
  const store = new Store(Engine.shared())
  return { store, mod: Module.compile(store.engine, NEEDS_IMPORTS) }
}

describe('linking', () => {
  it('rejects missing imports with a LinkError listing each one', () => {
    const { store, mod } = setup()
    let err: unknown
    try {
      store.instantiate(mod)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(LinkError)
    const e = err as LinkError
    expect(e.code).toBe('link_error')
    expect(e.imports.map((i) => [i.module, i.name, i.problem])).toEqual([
      ['env', 'add', 'missing'],
      ['env', 'scale', 'missing'],
    ])
    expect(e.message).toContain('env::add')
  })

  it('rejects an import of the wrong type with a LinkError naming both types', () => {
    const { store, mod } = setup()
    const wrong = store.func({ params: ['f64'], results: [] }, () => {})
    let err: unknown
    try {
      store.instantiate(mod, { env: { add: wrong, scale: store.global({ value: 'i32' }, 3) } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(LinkError)
    const issue = (err as LinkError).imports[0]!
    expect(issue).toMatchObject({ name: 'add', problem: 'incompatible', expected: 'func (i32, i32) -> (i32)', actual: 'func (f64) -> ()' })
  })

  it('rejects a mutable global where an immutable one is imported', () => {
    const { store, mod } = setup()
    expect(() =>
      store.instantiate(mod, { env: { add: (a: number, b: number) => a + b, scale: store.global({ value: 'i32', mutable: true }, 3) } }),
    ).toThrow(LinkError)
  })

  it('calls JS host functions with the guest arguments and returns their result', () => {
    const { store, mod } = setup()
    const seen: number[][] = []
    const instance = store.instantiate(mod, {
      env: {
        add: (a: number, b: number) => {
          seen.push([a, b])
          return a + b
        },
        scale: store.global({ value: 'i32' }, 3),
      },
    })
    expect(instance.call('f', 4)).toBe(7)
    expect(seen).toEqual([[4, 3]])
  })

  it('surfaces a throwing host function as a HostFunctionError whose cause is the thrown error', () => {
    const { store, mod } = setup()
    const boom = new RangeError('host says no')
    const instance = store.instantiate(mod, {
      env: {
        add: () => {
          throw boom
        },
        scale: store.global({ value: 'i32' }, 3),
      },
    })
    let err: unknown
    try {
      instance.call('f', 1)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(HostFunctionError)
    expect((err as HostFunctionError).code).toBe('host_error')
    expect((err as HostFunctionError).cause).toBe(boom)
    expect((err as Error).message).toContain('host says no')
    // The process and the instance survive.
    expect(() => instance.call('f', 2)).toThrow(HostFunctionError)
  })

  it('links one instance to another instance’s exports in the same store', () => {
    const store = new Store(Engine.shared())
    const lib = store.instantiate(
      Module.compile(
        store.engine,
        '(module (memory (export "mem") 1) (global (export "base") i32 (i32.const 40)) (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))',
      ),
    )
    const app = store.instantiate(
      Module.compile(
        store.engine,
        `(module (import "lib" "add" (func $add (param i32 i32) (result i32))) (import "lib" "base" (global $b i32))
          (import "lib" "mem" (memory 1))
          (func (export "f") (result i32) global.get $b i32.const 2 call $add i32.const 0 i32.load i32.add))`,
      ),
      { lib },
    )
    lib.memory('mem').write(0, new Uint8Array([1, 0, 0, 0]))
    expect(app.call('f')).toBe(43)
  })

  it('refuses an import item from another store', () => {
    const { mod } = setup()
    const other = new Store(Engine.shared())
    const store = new Store(Engine.shared())
    expect(() =>
      store.instantiate(mod, { env: { add: other.func({ params: ['i32', 'i32'], results: ['i32'] }, () => 0), scale: store.global({ value: 'i32' }, 1) } }),
    ).toThrow(/another store/)
  })

  it('lets a host function re-enter the guest while it waits', () => {
    const store = new Store(Engine.shared())
    let instance: ReturnType<Store['instantiate']> | undefined
    const mod = Module.compile(
      store.engine,
      `(module (import "env" "cb" (func $cb (param i32) (result i32)))
        (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
        (func (export "f") (param i32) (result i32) local.get 0 call $cb i32.const 1 i32.add))`,
    )
    instance = store.instantiate(mod, { env: { cb: (x: number) => instance!.call('double', x) as number } })
    expect(instance.call('f', 20)).toBe(41)
  })
})

import { describe, expect, it } from 'vitest'
import { Engine, InvalidArgumentError, LinkError, Linker, Module, Store } from '@cybernetic/wasm'

const engine = Engine.shared()
const lib = Module.compile(engine, `(module (memory (export "memory") 1)
  (func (export "twice") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store))`)
const app = Module.compile(engine, `(module
  (import "lib" "twice" (func $twice (param i32) (result i32)))
  (import "lib" "memory" (memory 1))
  (import "env" "offset" (func $offset (result i32)))
  (func (export "run") (param i32) (result i32) (call $twice (i32.add (local.get 0) (call $offset))))
  (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))`)

describe('Linker', () => {
  it('links one instance’s exports as another module’s imports, beside host functions', () => {
    const store = new Store(engine)
    const linker = new Linker(engine).define('env', 'offset', () => 1)
    const l = linker.module(store, 'lib', lib)
    const a = linker.instantiate(store, app)
    expect(a.call('run', 20)).toBe(42)
    l.call('store', 8, 1234)
    expect(a.call('peek', 8)).toBe(1234)
  })

  it('lists every missing or mismatched import with the expected and the given type', () => {
    const store = new Store(engine)
    const linker = new Linker(engine).define('lib', 'twice', store.func({ params: ['i64'], results: ['i64'] }, (x: bigint) => x))
    let err: unknown
    try {
      linker.instantiate(store, app)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(LinkError)
    const issues = (err as LinkError).imports.map((i) => [i.module, i.name, i.problem, i.expected, i.actual])
    expect(issues).toEqual([
      ['lib', 'twice', 'incompatible', 'func (i32) -> (i32)', 'func (i64) -> (i64)'],
      ['lib', 'memory', 'missing', 'memory 1', null],
      ['env', 'offset', 'missing', 'func () -> (i32)', null],
    ])
  })

  it('refuses to define a name twice unless shadowing is allowed', () => {
    const linker = new Linker(engine).define('env', 'offset', () => 1)
    expect(() => linker.define('env', 'offset', () => 2)).toThrow(InvalidArgumentError)
    const shadow = new Linker(engine, { allowShadowing: true }).define('env', 'offset', () => 1).define('env', 'offset', () => 2)
    const store = new Store(engine)
    shadow.module(store, 'lib', lib)
    expect(shadow.instantiate(store, app).call('run', 0)).toBe(4)
  })

  it('lets async host functions answer a guest called off the main thread', async () => {
    const store = new Store(engine)
    const linker = new Linker(engine).define('env', 'offset', async () => 11)
    linker.module(store, 'lib', lib)
    const a = linker.instantiate(store, app)
    expect(await a.func('run').callAsync([10])).toBe(42)
  })
})

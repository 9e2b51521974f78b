import { describe, expect, it } from 'vitest'
import { Engine, InvalidArgumentError, LinkError, Linker, Memory, MemoryLimitError, Module, Store } from '@cybernetic/wasm'

const threads = Engine.shared({ threads: true })
const PAGE = 65536

const exporter = Module.compile(threads, `(module (memory (export "mem") 1 4 shared)
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size)))`)

const importer = Module.compile(threads, `(module (import "env" "mem" (memory 1 4 shared))
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1))))`)

const le32 = (n: number): Uint8Array => new Uint8Array(new Int32Array([n]).buffer)

function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('shared memories', () => {
  it('shows an exported shared memory in instance.exports and instance.memory(name) as a Memory typed shared: true', () => {
    const instance = new Store(threads).instantiate(exporter)
    expect(Object.keys(instance.exports)).toEqual(['mem', 'load', 'store', 'size'])
    const mem = instance.memory('mem')
    expect(mem).toBeInstanceOf(Memory)
    expect(instance.exports['mem']).toBe(mem)
    expect(instance.memory()).toBe(mem)
    expect(mem.type).toMatchObject({ kind: 'memory', minimum: 1, maximum: 4, shared: true, is64: false })
    expect(mem.type.text).toBe('memory 1 4 shared')
    expect(mem.byteLength).toBe(PAGE)
  })

  it('lets the guest read a host write with i32.atomic.load, and the host read what the guest stored atomically', () => {
    const instance = new Store(threads).instantiate(exporter)
    const mem = instance.memory('mem')
    mem.write(8, le32(0x12345678))
    expect(instance.call('load', 8)).toBe(0x12345678)
    instance.call('store', 16, -2)
    expect(mem.read(16, 4)).toEqual(le32(-2))
  })

  it('refuses a read or write past the end of a shared memory with InvalidArgumentError', () => {
    const mem = new Store(threads).instantiate(exporter).memory('mem')
    expect(thrown(() => mem.read(PAGE - 1, 2))).toBeInstanceOf(InvalidArgumentError)
    expect(thrown(() => mem.write(PAGE, new Uint8Array([1])))).toBeInstanceOf(InvalidArgumentError)
    expect(mem.read(PAGE, 0)).toEqual(new Uint8Array(0))
  })

  it('grows a shared memory up to its maximum, seen by the guest, and refuses past it with MemoryLimitError', () => {
    const instance = new Store(threads, { maxMemory: 4 * PAGE }).instantiate(exporter)
    const mem = instance.memory('mem')
    expect(mem.grow(3)).toBe(1)
    expect(mem.byteLength).toBe(4 * PAGE)
    expect(instance.call('size')).toBe(4)
    mem.write(4 * PAGE - 4, le32(7))
    expect(instance.call('load', 4 * PAGE - 4)).toBe(7)
    expect(thrown(() => mem.grow(1))).toBeInstanceOf(MemoryLimitError)
    expect(thrown(() => mem.grow(2 ** 53 - 1))).toBeInstanceOf(MemoryLimitError)
    expect(mem.byteLength).toBe(4 * PAGE)
  })

  it('makes a shared memory with store.memory({ shared: true }) that a module imports, through imports and a Linker', () => {
    const store = new Store(threads)
    const mem = store.memory({ minimum: 1, maximum: 4, shared: true })
    expect(mem.type).toMatchObject({ minimum: 1, maximum: 4, shared: true })
    const a = store.instantiate(importer, { env: { mem } })
    const b = new Linker(threads).define('env', 'mem', mem).instantiate(store, importer)
    mem.write(0, le32(5))
    expect(a.call('load', 0)).toBe(5)
    expect(b.call('add', 0, 3)).toBe(5)
    expect(a.call('load', 0)).toBe(8)
    expect(mem.read(0, 4)).toEqual(le32(8))
    expect(mem.grow(1)).toBe(1)
    expect(mem.byteLength).toBe(2 * PAGE)
  })

  it('refuses store.memory({ shared: true }) on an engine without threads with InvalidArgumentError naming threads', () => {
    const e = thrown(() => new Store(Engine.shared()).memory({ minimum: 1, maximum: 2, shared: true }))
    expect(e).toBeInstanceOf(InvalidArgumentError)
    expect((e as Error).message).toMatch(/threads/)
  })

  it('refuses a shared memory without a maximum, or with shared not a boolean, with InvalidArgumentError', () => {
    const store = new Store(threads)
    const e = thrown(() => store.memory({ minimum: 1, shared: true }))
    expect(e).toBeInstanceOf(InvalidArgumentError)
    expect((e as InvalidArgumentError).message).toMatch(/maximum is required/)
    expect(thrown(() => store.memory({ minimum: 1, maximum: 2, shared: 'yes' as unknown as boolean }))).toBeInstanceOf(InvalidArgumentError)
    expect(thrown(() => store.memory({ minimum: 3, maximum: 2, shared: true }))).toBeInstanceOf(InvalidArgumentError)
  })

  it('refuses a shared memory whose maximum passes the store’s maxMemory with MemoryLimitError', () => {
    const store = new Store(threads, { maxMemory: 2 * PAGE })
    const e = thrown(() => store.memory({ minimum: 1, maximum: 3, shared: true }))
    expect(e).toBeInstanceOf(MemoryLimitError)
    expect((e as Error).message).toMatch(/maxMemory/)
    expect(store.memory({ minimum: 1, maximum: 2, shared: true }).type.shared).toBe(true)
    // A module's own shared memory is held to the same rule at instantiation.
    expect(thrown(() => store.instantiate(exporter))).toBeInstanceOf(MemoryLimitError)
  })

  it('links a shared memory only to a shared import, and an unshared one only to an unshared import', () => {
    const store = new Store(threads)
    const plainImporter = Module.compile(threads, '(module (import "env" "mem" (memory 1 4)))')
    const shared = store.memory({ minimum: 1, maximum: 4, shared: true })
    const plain = store.memory({ minimum: 1, maximum: 4 })
    expect(thrown(() => store.instantiate(importer, { env: { mem: plain } }))).toBeInstanceOf(LinkError)
    expect(thrown(() => store.instantiate(plainImporter, { env: { mem: shared } }))).toBeInstanceOf(LinkError)
    expect(() => store.instantiate(plainImporter, { env: { mem: plain } })).not.toThrow()
  })

  it('leaves unshared memories as they were: typed shared: false, with read, write and grow unchanged', () => {
    const store = new Store(Engine.shared(), { maxMemory: 2 * PAGE })
    const mem = store.memory({ minimum: 1, maximum: 3 })
    expect(mem.type).toMatchObject({ kind: 'memory', minimum: 1, maximum: 3, shared: false })
    mem.write(0, new Uint8Array([1, 2, 3]))
    expect(mem.read(0, 3)).toEqual(new Uint8Array([1, 2, 3]))
    expect(mem.grow(1)).toBe(1)
    expect(thrown(() => mem.grow(1))).toBeInstanceOf(MemoryLimitError)
    const instance = store.instantiate(Module.compile(Engine.shared(), '(module (memory (export "m") 1))'))
    expect(instance.memory('m').type.shared).toBe(false)
  })
})

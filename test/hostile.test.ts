// Adversarial guests: each must end in one exact, typed error, and leave the
// process (and the module) usable, whichever compiler made the code.
import { describe, expect, it } from 'vitest'
import {
  Engine,
  HostFunctionError,
  MemoryLimitError,
  Module,
  Store,
  TimeoutError,
  TrapError,
  createRuntime,
} from '@cybernetic/wasm'

// Every case runs on both tiers: the default (Cranelift code for these
// small modules) and Winch, the first tier of a large cold module.
describe.each(['auto', 'winch'] as const)('hostile modules (compiler %s)', (compiler) => {
  it('stops an infinite loop at the deadline with a TimeoutError', async () => {
    const rt = await createRuntime({ engine: { compiler }, maxExecutionTime: 100 })
    const mod = rt.compile('(module (func (export "spin") (loop br 0)))')
    const t0 = Date.now()
    await expect(rt.call(mod, 'spin')).rejects.toBeInstanceOf(TimeoutError)
    expect(Date.now() - t0).toBeLessThan(3_000)
    await expect(rt.call(mod, 'spin', [], { timeout: 20 })).rejects.toMatchObject({ code: 'timeout', limitMs: 20 })
    await expect(rt.call(mod, 'spin', [], { timeout: 5 })).rejects.toBeInstanceOf(TimeoutError)
  })

  it('stops a memory-grow bomb at maxMemory with a MemoryLimitError', async () => {
    const rt = await createRuntime({ engine: { compiler }, maxMemory: 8 * 65536 })
    const mod = rt.compile('(module (memory 1) (func (export "bomb") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))))')
    await expect(rt.call(mod, 'bomb')).rejects.toBeInstanceOf(MemoryLimitError)
    await expect(rt.call(mod, 'bomb')).rejects.toBeInstanceOf(MemoryLimitError)
  })

  it('refuses a huge data segment that does not fit the memory, and again on retry', () => {
    const store = new Store(Engine.shared({ compiler }))
    const mod = Module.compile(store.engine, `(module (memory 1) (data (i32.const 0) "${'\\00'.repeat(70_000)}"))`)
    expect(() => store.instantiate(mod)).toThrow(expect.objectContaining({ code: 'memory_out_of_bounds' }))
    expect(() => store.instantiate(mod)).toThrow(expect.objectContaining({ code: 'memory_out_of_bounds' }))
  })

  it('stops a table-grow bomb at maxTableElements with a MemoryLimitError', () => {
    const store = new Store(Engine.shared({ compiler }), { maxTableElements: 10_000 })
    const i = store.instantiate(
      Module.compile(store.engine, '(module (table 1 funcref) (func (export "bomb") (loop (br_if 0 (i32.ne (table.grow (ref.null func) (i32.const 1000)) (i32.const -1))))))'),
    )
    expect(() => i.call('bomb')).toThrow(MemoryLimitError)
  })

  it('stops an infinite loop by fuel as well as by time', async () => {
    const rt = await createRuntime({ engine: { compiler }, fuel: 5_000_000, maxExecutionTime: 60_000 })
    const mod = rt.compile('(module (func (export "spin") (loop br 0)))')
    await expect(rt.call(mod, 'spin')).rejects.toMatchObject({ code: 'fuel_exhausted' })
  })

  it('bounds a host function that re-enters the guest without end by the stack limit', () => {
    const store = new Store(Engine.shared({ compiler }))
    let instance: ReturnType<Store['instantiate']>
    const mod = Module.compile(store.engine, '(module (import "h" "again" (func)) (func (export "go") call 0))')
    instance = store.instantiate(mod, { h: { again: () => instance.call('go') } })
    let err: unknown
    try {
      instance.call('go')
    } catch (e) {
      err = e
    }
    // The innermost failure is a stack overflow (or Node's own RangeError),
    // wrapped by each host frame on the way out; the process survives.
    expect(err).toBeInstanceOf(HostFunctionError)
    let inner: unknown = err
    while (inner instanceof HostFunctionError) inner = inner.cause
    expect(String((inner as Error)?.message ?? inner)).toMatch(/stack|call stack/i)
  })

  it('turns unbounded recursion into a stack_overflow trap, not a crash', () => {
    const store = new Store(Engine.shared({ compiler }))
    const i = store.instantiate(Module.compile(store.engine, '(module (func $r (export "r") (param i64) (result i64) local.get 0 i64.const 1 i64.add call $r))'))
    expect(() => i.call('r', 0n)).toThrow(expect.objectContaining({ code: 'stack_overflow' }))
    expect(() => i.call('r', 0n)).toThrow(expect.objectContaining({ code: 'stack_overflow' }))
  })

  it('refuses a module whose data segment does not fit its memory', () => {
    const store = new Store(Engine.shared({ compiler }))
    const mod = Module.compile(store.engine, '(module (memory 1) (data (i32.const 65530) "0123456789"))')
    expect(() => store.instantiate(mod)).toThrow(expect.objectContaining({ code: 'memory_out_of_bounds' }))
  })

  it('refuses a module that asks for more initial memory than maxMemory', async () => {
    const rt = await createRuntime({ engine: { compiler }, maxMemory: 1 << 20 })
    const mod = rt.compile('(module (memory 100) (func (export "f")))')
    await expect(rt.call(mod, 'f')).rejects.toBeInstanceOf(MemoryLimitError)
  })

  it('reports a trap in the start function as a TrapError at instantiation', () => {
    const store = new Store(Engine.shared({ compiler }))
    const mod = Module.compile(store.engine, '(module (func $s unreachable) (start $s))')
    expect(() => store.instantiate(mod)).toThrow(TrapError)
  })

  it('keeps the cause when a host function throws a non-Error value', () => {
    const store = new Store(Engine.shared({ compiler }))
    const i = store.instantiate(Module.compile(store.engine, '(module (import "h" "f" (func)) (func (export "go") call 0))'), {
      h: {
        f: () => {
          throw 'a string'
        },
      },
    })
    expect(() => i.call('go')).toThrow(HostFunctionError)
    try {
      i.call('go')
    } catch (e) {
      expect((e as HostFunctionError).cause).toBe('a string')
    }
  })

  it('survives a host function returning the wrong type', () => {
    const store = new Store(Engine.shared({ compiler }))
    const i = store.instantiate(Module.compile(store.engine, '(module (import "h" "f" (func (result i64))) (func (export "go") (result i64) call 0))'), {
      h: { f: () => 'not a bigint' },
    })
    expect(() => i.call('go')).toThrow(HostFunctionError)
  })

  it('bounds instance creation in a loop with the store’s maxInstances', () => {
    const store = new Store(Engine.shared({ compiler }), { maxInstances: 5 })
    const mod = Module.compile(store.engine, '(module)')
    for (let k = 0; k < 5; k++) store.instantiate(mod)
    expect(() => store.instantiate(mod)).toThrow(MemoryLimitError)
  })

  it('stops loops that only look short, and call trees without loops, at the deadline', async () => {
    const rt = await createRuntime({ engine: { compiler }, maxExecutionTime: 50 })
    // Counts 1, 3, 5, … past 64 and around the 32-bit range forever.
    const skipsItsBound = rt.compile(`(module (func (export "spin") (local $i i32)
      i32.const 1 local.set $i
      (loop $l local.get $i i32.const 2 i32.add local.tee $i i32.const 64 i32.ne br_if $l)))`)
    // 2^60 calls, never deeper than 60, no loop anywhere.
    const callTree = rt.compile(`(module
      (func $f (param $n i32)
        (if (local.get $n) (then
          (call $f (i32.sub (local.get $n) (i32.const 1)))
          (call $f (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "spin") (call $f (i32.const 60))))`)
    for (const mod of [skipsItsBound, callTree]) {
      await expect(rt.call(mod, 'spin')).rejects.toBeInstanceOf(TimeoutError)
    }
  })

  it('stops a start function that never ends at the runtime’s deadline', async () => {
    const rt = await createRuntime({ engine: { compiler }, maxExecutionTime: 50 })
    const mod = rt.compile('(module (func $init (loop br 0)) (start $init) (func (export "f")))')
    await expect(rt.call(mod, 'f')).rejects.toBeInstanceOf(TimeoutError)
    expect(() => rt.instantiate(mod)).toThrow(TimeoutError)
  })

  it('refuses a module that uses the runtime’s reserved names, with a CompileError that says so', () => {
    const engine = Engine.shared({ compiler })
    for (const wat of [
      '(module (memory (export "\\00cwasm:interrupt") 1))',
      '(module (import "\\00cwasm" "interrupt" (memory 1)))',
    ]) {
      expect(() => Module.compile(engine, wat)).toThrow(/reserved for the runtime/)
    }
  })

  it('calls the same module again after every failure above', async () => {
    const rt = await createRuntime({ engine: { compiler } })
    const mod = rt.compile('(module (func (export "ok") (result i32) i32.const 1))')
    expect(await rt.call(mod, 'ok')).toBe(1)
  })
})

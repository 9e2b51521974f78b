import { describe, expect, it } from 'vitest'
import { Engine, Module, Store, TRAP_CODES, TrapError, trapCodes, type TrapCode } from '@cybernetic/wasm'

function trapOf(wat: string, ...args: unknown[]): TrapError {
  const store = new Store(Engine.shared())
  const instance = store.instantiate(Module.compile(store.engine, wat))
  try {
    instance.call('f', ...args)
  } catch (e) {
    expect(e).toBeInstanceOf(TrapError)
    return e as TrapError
  }
  throw new Error('the call did not trap')
}

const cases: Array<[TrapCode, string, unknown[]]> = [
  ['unreachable', '(module (func $explode (export "f") unreachable))', []],
  ['integer_divide_by_zero', '(module (func (export "f") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u))', [0]],
  ['integer_overflow', '(module (func (export "f") (result i32) i32.const 0x80000000 i32.const -1 i32.div_s))', []],
  ['memory_out_of_bounds', '(module (memory 1) (func (export "f") (result i32) i32.const 65535 i32.load))', []],
  ['bad_conversion_to_integer', '(module (func (export "f") (result i32) f32.const nan i32.trunc_f32_s))', []],
  ['table_out_of_bounds', '(module (table 1 funcref) (func (export "f") i32.const 5 call_indirect))', []],
  ['indirect_call_to_null', '(module (table 1 funcref) (func (export "f") i32.const 0 call_indirect))', []],
  [
    'indirect_call_type_mismatch',
    '(module (table 1 funcref) (elem (i32.const 0) $g) (func $g (param i64)) (func (export "f") i32.const 0 call_indirect))',
    [],
  ],
  ['stack_overflow', '(module (func $deep (export "f") (param i32) local.get 0 call $deep))', [1]],
]

describe('traps', () => {
  for (const [code, wat, args] of cases) {
    it(`reports ${code} as a TrapError with that code`, () => {
      const e = trapOf(wat, ...args)
      expect(e.code).toBe(code)
      expect(e.trapCode).toBe(code)
    })
  }

  it('includes a wasm backtrace with names from the name section', () => {
    const e = trapOf('(module (func $explode unreachable) (func $outer (export "f") call $explode))')
    expect(e.frames.map((f) => f.funcName)).toEqual(['explode', 'outer'])
    expect(e.message).toContain('explode')
  })

  it('leaves the instance usable after a trap', () => {
    const store = new Store(Engine.shared())
    const instance = store.instantiate(
      Module.compile(store.engine, '(module (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s))'),
    )
    expect(() => instance.call('div', 1, 0)).toThrow(TrapError)
    expect(instance.call('div', 10, 2)).toBe(5)
  })

  it('lists exactly the trap codes the addon can produce', () => {
    expect([...TRAP_CODES]).toEqual(trapCodes())
  })
})

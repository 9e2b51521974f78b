import { expectTypeOf, test } from 'vitest'
import { createRuntime, type ErrorCode, type Runtime, TrapError, type TrapCode, type Module } from '@cybernetic/wasm'

test('createRuntime resolves to a Runtime and takes the seed options', () => {
  expectTypeOf(createRuntime).parameter(0).toEqualTypeOf<Parameters<typeof createRuntime>[0]>()
  expectTypeOf(createRuntime({ maxMemory: 1, maxExecutionTime: 1, cacheCompiledModules: true, parallelExecution: true })).resolves.toEqualTypeOf<Runtime>()
})

test('loadModule resolves to a Module and call to unknown', () => {
  expectTypeOf<Runtime['loadModule']>().returns.resolves.toEqualTypeOf<Module>()
  expectTypeOf<Runtime['call']>().returns.resolves.toBeUnknown()
})

test('trap codes are part of the closed error-code union', () => {
  expectTypeOf<TrapCode>().toMatchTypeOf<ErrorCode>()
  expectTypeOf<TrapError['code']>().toEqualTypeOf<ErrorCode>()
  expectTypeOf<'unreachable'>().toMatchTypeOf<TrapCode>()
})

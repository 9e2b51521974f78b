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

test('the executor types: run resolves to unknown, map yields results, streams are byte iterables', async () => {
  const { createExecutor, ByteStream, QueueFullError } = await import('@cybernetic/wasm')
  type Ex = ReturnType<typeof createExecutor>
  expectTypeOf<Ex['run']>().returns.resolves.toBeUnknown()
  expectTypeOf<Ex['callBytes']>().returns.resolves.toEqualTypeOf<Uint8Array>()
  expectTypeOf<ReturnType<Ex['map']>>().toMatchTypeOf<AsyncIterable<{ index: number; ok: boolean }>>()
  expectTypeOf<InstanceType<typeof ByteStream>>().toMatchTypeOf<AsyncIterable<Uint8Array>>()
  expectTypeOf<InstanceType<typeof QueueFullError>['code']>().toEqualTypeOf<ErrorCode>()
  expectTypeOf<'queue_full' | 'abi_error' | 'closed'>().toMatchTypeOf<ErrorCode>()
})

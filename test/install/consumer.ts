// Type-checked by scripts/install-test.mjs (tsc --noEmit) in the directory
// where the tarballs were installed: the published .d.ts files resolve and
// describe the API, including the native binding's types underneath.
import { createRuntime, CapabilityError, type Runtime, type RunResult } from '@cybernetic/wasm'

const rt: Runtime = await createRuntime({ maxMemory: 16 << 20, maxExecutionTime: 1_000 })
const mod = await rt.loadModule('compute.wasm')
const doubled: unknown = await rt.call(mod, 'process', [21])
const plugin = await rt.loadPlugin('echo-plugin', { policy: {} })
const result: RunResult = await rt.run(plugin, { args: ['x'] })
const code: number = result.exitCode
const err = new CapabilityError('denied')
const key: string | null = err.manifestKey
// @ts-expect-error maxMemory is a number of bytes: if the types were `any`, this line would not be an error
await createRuntime({ maxMemory: 'a lot' })
export { doubled, code, key }

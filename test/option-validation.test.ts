import { describe, expect, it } from 'vitest'
import { Engine, InvalidArgumentError, Store, createExecutor, createRuntime, validatePolicy, type Runtime } from '@cybernetic/wasm'
import { GROUPS } from '../packages/wasm/src/options/definitions.mjs'
import { ENGINE_DEFAULTS, POOLING_DEFAULTS as ENGINE_DEFAULTS_POOLING } from '../packages/wasm/dist/options/options.generated.js'

function pathOf(f: () => unknown): string | null {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError)
    return (e as InvalidArgumentError).path
  }
  throw new Error('no error was thrown')
}

async function runtimePathOf(options: unknown): Promise<string | null> {
  try {
    await createRuntime(options as never)
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError)
    return (e as InvalidArgumentError).path
  }
  throw new Error('no error was thrown')
}

const engineBad: Record<string, unknown> = {
  optLevel: 'fast',
  simd: 'yes',
  relaxedSimd: 1,
  fuel: null,
  fuelMeter: 'metered',
  epochInterruption: 'on',
  epochChecks: 'yes',
  maxWasmStack: 10,
  multiMemory: 0,
  memory64: 'true',
  tailCall: [],
  threads: {},
  extendedConst: 'x',
  gc: 2,
  wideArithmetic: 'on',
  pooling: 'big',
  parallelCompilation: 'no',
}

const poolingBad: Record<string, unknown> = { totalInstances: 0, totalMemories: 1.5, totalTables: -1, maxMemorySize: 10 }
const storeBad: Record<string, unknown> = { maxMemory: -1, maxTableElements: 'many', maxInstances: 0, trapOnGrowFailure: 'no' }
const runtimeBad: Record<string, unknown> = {
  maxMemory: 100,
  maxExecutionTime: 0,
  fuel: 0,
  cacheCompiledModules: 'yes',
  parallelExecution: 1,
  engine: 'fast',
  artifactKey: '',
  trustedKeys: 'my-key',
  cacheDir: 5,
  maxCacheSize: -1,
}
// The groups the runtime's own calls take: one bad value per option the
// group itself defines (inherited ones are its base group's), and the public
// entry that must refuse it, giving the dotted path it names.
const CALL_WAT = '(module (func (export "f") (param i32) (result i32) local.get 0) (func (export "_start")))'
const ownBad: Record<string, Record<string, unknown>> = {
  limits: { memory: -1, stack: 1024, fuel: 1.5, timeMs: 2 ** 32, instances: 'many', output: NaN, hostCallBytes: Infinity },
  filesystem: { read: '/tmp', write: [''] },
  policy: {
    root: '',
    filesystem: true,
    env: 'PATH',
    args: 1,
    stdin: 'pipe',
    stdout: 2,
    stderr: 'file',
    clocks: 'yes',
    random: null,
    imports: [3],
    threading: 'no',
    limits: [],
    mode: 'lax',
  },
  preopen: { host: '', guest: 5, readOnly: 'yes' },
  wasi: {
    args: 'a b',
    argv0: 1,
    env: { PATH: 1 },
    preopens: {},
    stdin: 5,
    stdout: 'file',
    stderr: true,
    maxOutput: -1,
    clocks: 'yes',
    random: 0,
    hostCallBytes: 0.5,
    mode: 'lax',
  },
  call: { signal: 'abort', timeout: 0, fuel: -1, maxMemory: 'big', imports: 7 },
  exec: { host: 12, placement: 'elsewhere' },
  map: { concurrency: 0, ordered: 'yes', stopOnError: 1, onProgress: 'log', codec: 'xml' },
  run: { invoke: '', invokeArgs: 1, preload: [] },
  close: { force: 'yes', timeout: -5 },
  executor: { runtime: {}, threads: 0, maxQueue: -1, idleTimeout: 1.5 },
}

/** Calls the entry that takes group `g`'s options with `o`, resolving to the path of its `InvalidArgumentError`. */
async function refusedPath(rt: Runtime, g: string, o: Record<string, unknown>): Promise<string | null> {
  const mod = rt.compile(CALL_WAT)
  const entries: Record<string, () => unknown> = {
    limits: () => validatePolicy({ limits: o }),
    filesystem: () => validatePolicy({ filesystem: o }),
    policy: () => validatePolicy(o),
    preopen: () => rt.run(mod, { preopens: [{ host: '/tmp', guest: '/t', ...o }] } as never),
    wasi: () => rt.run(mod, o as never),
    run: () => rt.run(mod, o as never),
    call: () => rt.call(mod, 'f', [1], o as never),
    exec: () => rt.executor.run(mod, 'f', [1], o as never),
    map: () => rt.executor.map(mod, 'f', [1], o as never),
    close: () => rt.createExecutor().close(o as never),
    executor: () => createExecutor({ runtime: rt, ...o } as never),
  }
  try {
    await entries[g]!()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError)
    return (e as InvalidArgumentError).path
  }
  throw new Error(`no error was thrown for ${g} ${JSON.stringify(o)}`)
}
/** Where an entry reports a group's option: the policy's under `policy.`, a preopen's as `preopens[0].`. */
const pathPrefix: Record<string, string> = { limits: 'policy.limits.', filesystem: 'policy.filesystem.', policy: 'policy.', preopen: 'preopens[0].' }

const jsOptions = (group: string) => Object.entries(GROUPS[group]!.options).filter(([, o]) => !(o as { coreOnly?: boolean }).coreOnly).map(([name]) => name).sort()

describe('option validation', () => {
  // The option definitions are the one list of options: a new one without a
  // bad-value case here fails this test, and so does a new group.
  it('has a bad-value case for every option of every group the definitions name', () => {
    const tables: Record<string, Record<string, unknown>> = { runtime: runtimeBad, engine: engineBad, pooling: poolingBad, store: storeBad, ...ownBad }
    expect(Object.keys(tables).sort()).toEqual(Object.keys(GROUPS).sort())
    for (const [g, table] of Object.entries(tables)) expect([g, Object.keys(table).sort()]).toEqual([g, jsOptions(g)])
  })

  for (const [g, table] of Object.entries(ownBad)) {
    for (const [name, value] of Object.entries(table)) {
      it(`rejects ${g} option ${name} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)} naming its path`, async () => {
        const rt = await createRuntime()
        // The path is the option's, or one of its items' (`imports[0]`, `env.PATH`).
        const path = `${pathPrefix[g] ?? ''}${name}`
        expect(await refusedPath(rt, g, { [name]: value })).toMatch(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}(?:$|[.[])`))
      })
    }
  }

  it('makes the same engine from every default spelled out as from no options, so TS and core agree', () => {
    expect(Engine.shared(ENGINE_DEFAULTS).configKey).toBe(Engine.shared().configKey)
    expect(Engine.shared({ pooling: true }).configKey).toBe(Engine.shared({ pooling: { ...ENGINE_DEFAULTS_POOLING } }).configKey)
  })

  for (const [name, value] of Object.entries(engineBad)) {
    it(`rejects engine option ${name} = ${JSON.stringify(value)} naming its path`, () => {
      expect(pathOf(() => Engine.shared({ [name]: value } as never))).toBe(name)
    })
  }

  for (const [name, value] of Object.entries(poolingBad)) {
    it(`rejects pooling option ${name} = ${value} naming its dotted path`, () => {
      expect(pathOf(() => Engine.shared({ pooling: { [name]: value } } as never))).toBe(`pooling.${name}`)
    })
  }

  for (const [name, value] of Object.entries(storeBad)) {
    it(`rejects store limit ${name} = ${JSON.stringify(value)}`, () => {
      expect(pathOf(() => new Store(Engine.shared(), { [name]: value } as never))).toBe(name)
    })
  }

  for (const [name, value] of Object.entries(runtimeBad)) {
    it(`rejects runtime option ${name} = ${JSON.stringify(value)}`, async () => {
      expect(await runtimePathOf({ [name]: value })).toBe(name)
    })
  }

  it('rejects an unknown option and lists the known ones', async () => {
    await expect(createRuntime({ maxMemroy: 1 } as never)).rejects.toThrow(/unknown option maxMemroy; known options here are: maxMemory/)
  })

  it('names nested engine options by their dotted path', async () => {
    expect(await runtimePathOf({ engine: { fuel: 'yes' } })).toBe('engine.fuel')
  })

  it('says what would be accepted', () => {
    expect(() => Engine.shared({ maxWasmStack: 10 })).toThrow(/between 16 KiB and 64 MiB/)
  })
})

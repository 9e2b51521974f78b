import { describe, expect, it } from 'vitest'
import { Engine, InvalidArgumentError, Store, createRuntime } from '@cybernetic/wasm'
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
  epochInterruption: 'on',
  epochChecks: 'yes',
  maxWasmStack: 10,
  multiMemory: 0,
  memory64: 'true',
  tailCall: [],
  threads: {},
  extendedConst: 'x',
  gc: 2,
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
const jsOptions = (group: string) => Object.entries(GROUPS[group]!.options).filter(([, o]) => !(o as { coreOnly?: boolean }).coreOnly).map(([name]) => name).sort()

describe('option validation', () => {
  // The option definitions are the one list of options: a new one without a
  // bad-value case here fails this test.
  it('has a bad-value case for every engine, pooling, store and runtime option the definitions name', () => {
    expect(Object.keys(runtimeBad).sort()).toEqual(jsOptions('runtime'))
    expect(Object.keys(engineBad).sort()).toEqual(jsOptions('engine'))
    expect(Object.keys(poolingBad).sort()).toEqual(jsOptions('pooling'))
    expect(Object.keys(storeBad).sort()).toEqual(jsOptions('store'))
  })

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

import { describe, expect, it } from 'vitest'
import { Engine, InvalidArgumentError, Store, createRuntime } from '@cybernetic/wasm'

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

describe('option validation', () => {
  for (const [name, value] of Object.entries(engineBad)) {
    it(`rejects engine option ${name} = ${JSON.stringify(value)} naming its path`, () => {
      expect(pathOf(() => Engine.shared({ [name]: value } as never))).toBe(name)
    })
  }

  for (const [name, value] of Object.entries({ totalInstances: 0, totalMemories: 1.5, totalTables: -1, maxMemorySize: 10 })) {
    it(`rejects pooling option ${name} = ${value} naming its dotted path`, () => {
      expect(pathOf(() => Engine.shared({ pooling: { [name]: value } } as never))).toBe(`pooling.${name}`)
    })
  }

  for (const [name, value] of Object.entries({ maxMemory: -1, maxTableElements: 'many', maxInstances: 0, trapOnGrowFailure: 'no' })) {
    it(`rejects store limit ${name} = ${JSON.stringify(value)}`, () => {
      expect(pathOf(() => new Store(Engine.shared(), { [name]: value } as never))).toBe(name)
    })
  }

  const runtimeBad: Record<string, unknown> = {
    maxMemory: 100,
    maxExecutionTime: 0,
    fuel: 0,
    cacheCompiledModules: 'yes',
    parallelExecution: 1,
    engine: 'fast',
    artifactKey: '',
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

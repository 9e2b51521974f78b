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

import { BAD } from './fixtures/bad-options.js'

const { engine: engineBad, pooling: poolingBad, store: storeBad, runtime: runtimeBad, ...ownBad } = BAD
// The groups the runtime's own calls take are fed to the public entry that
// must refuse each value, giving the dotted path it names.
const CALL_WAT = '(module (func (export "f") (param i32) (result i32) local.get 0) (func (export "_start")))'

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
    expect(Object.keys(BAD).sort()).toEqual(Object.keys(GROUPS).sort())
    for (const [g, table] of Object.entries(BAD) as [string, Record<string, unknown>][]) expect([g, Object.keys(table).sort()]).toEqual([g, jsOptions(g)])
  })

  for (const [g, table] of Object.entries(ownBad) as [string, Record<string, unknown>][]) {
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

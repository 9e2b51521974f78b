import { describe, expect, it } from 'vitest'
import { createExecutor, createRuntime, InvalidArgumentError } from '@cybernetic/wasm'

import { BAD } from './fixtures/bad-options.js'

// The bad values of each executor schema, its inherited options included;
// a test below checks that every option of every schema has one.
const executorBad: Record<string, unknown> = BAD.executor
const execBad: Record<string, unknown> = { ...BAD.call, ...BAD.exec }
const mapBad: Record<string, unknown> = { ...execBad, ...BAD.map }
const closeBad: Record<string, unknown> = BAD.close

async function setup() {
  const rt = await createRuntime()
  return { rt, mod: rt.compile('(module (func (export "f") (param i32) (result i32) local.get 0))') }
}

async function rejectedPath(p: Promise<unknown>): Promise<string | null> {
  const e = await p.then(
    () => null,
    (x) => x,
  )
  expect(e).toBeInstanceOf(InvalidArgumentError)
  return (e as InvalidArgumentError).path
}

function thrownPath(f: () => unknown): string | null {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError)
    return (e as InvalidArgumentError).path
  }
  throw new Error('no error was thrown')
}

describe('executor option validation', () => {
  it('has a bad value for every option of every executor schema', async () => {
    const { rt, mod } = await setup()
    // The error for an unknown option lists the known ones.
    const known = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return /known options here are: (.*)$/.exec((e as Error).message)![1]!.split(', ').sort()
      }
      throw new Error('no error was thrown')
    }
    expect(Object.keys(executorBad).sort()).toEqual(known(() => createExecutor({ runtime: rt, bogus: 1 } as never)))
    expect(Object.keys(mapBad).sort()).toEqual(known(() => rt.executor.map(mod, 'f', [1], { bogus: 1 } as never)))
    expect(Object.keys(closeBad).sort()).toEqual(known(() => rt.createExecutor().close({ bogus: 1 } as never)))
    const e = (await rt.executor.run(mod, 'f', [1], { bogus: 1 } as never).catch((x: unknown) => x)) as Error
    expect(Object.keys(execBad).sort()).toEqual(/known options here are: (.*)$/.exec(e.message)![1]!.split(', ').sort())
  })

  for (const [name, value] of Object.entries(executorBad)) {
    it(`rejects executor option ${name} = ${JSON.stringify(value)} naming it`, async () => {
      const { rt } = await setup()
      expect(thrownPath(() => createExecutor({ runtime: rt, [name]: value } as never))).toBe(name)
    })
  }

  for (const [name, value] of Object.entries(execBad)) {
    it(`rejects call option ${name} = ${JSON.stringify(value)} naming it`, async () => {
      const { rt, mod } = await setup()
      expect(await rejectedPath(rt.executor.run(mod, 'f', [1], { [name]: value } as never))).toBe(name)
    })
  }

  for (const [name, value] of Object.entries(mapBad)) {
    it(`rejects map option ${name} = ${JSON.stringify(value)} naming it`, async () => {
      const { rt, mod } = await setup()
      expect(thrownPath(() => rt.executor.map(mod, 'f', [1], { [name]: value } as never))).toBe(name)
    })
  }

  for (const [name, value] of Object.entries(closeBad)) {
    it(`rejects close option ${name} = ${JSON.stringify(value)} naming it`, async () => {
      const { rt } = await setup()
      expect(thrownPath(() => rt.createExecutor().close({ [name]: value } as never))).toBe(name)
    })
  }

  it('rejects an unknown option and lists the known ones', async () => {
    const { rt, mod } = await setup()
    await expect(rt.executor.run(mod, 'f', [1], { thread: 2 } as never)).rejects.toThrow(/unknown option thread; known options here are: signal, timeout/)
  })
})

// Every public method, called with arguments of the wrong type or out of
// range, fails with one of our typed errors (a WasmError with a code from the
// closed union) — never napi's plain Error, a TypeError from deep inside, a
// panic, or a silent success on a saturated value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventEmitter } from 'node:events'
import * as api from '@cybernetic/wasm'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import {
  AuditLog,
  createRuntime,
  Engine,
  OTHER_CODES,
  TRAP_CODES,
  Func,
  Global,
  InvalidArgumentError,
  Linker,
  Memory,
  Module,
  Store,
  Table,
  WasmError,
  native,
  type Runtime,
} from '@cybernetic/wasm'

const require = createRequire(import.meta.url)

const WAT = `(module
  (memory (export "memory") 1 4)
  (table (export "table") 2 8 funcref)
  (global (export "g") (mut i32) (i32.const 1))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "spin") (loop br 0)))`

/** Values of every kind a caller might pass by mistake. */
const WRONG: unknown[] = [
  undefined,
  null,
  true,
  'text',
  '',
  Symbol('s'),
  10n,
  {},
  [],
  () => 1,
  NaN,
  Infinity,
  -Infinity,
  -1,
  -0.5,
  1.5,
  2 ** 53 + 2,
  2 ** 64,
  new Uint8Array([1, 2, 3]),
]

/** What failed: a description of each call that threw something that is not ours. */
function outsideTheUnion(e: unknown): string | null {
  if (!(e instanceof WasmError)) return `${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message ?? e)}`
  if (![...TRAP_CODES, ...OTHER_CODES].includes(e.code as never)) return `code ${e.code} is in neither TRAP_CODES nor OTHER_CODES`
  return null
}

/** Calls `f`, awaiting a promise it returns, and reports an error that is not ours. */
async function probe(label: string, f: () => unknown, problems: string[]): Promise<void> {
  try {
    const r = f()
    if (r && typeof (r as Promise<unknown>).then === 'function') await (r as Promise<unknown>)
  } catch (e) {
    const p = outsideTheUnion(e)
    if (p) problems.push(`${label}: ${p}`)
  }
}

function show(v: unknown): string {
  if (typeof v === 'symbol') return 'Symbol()'
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'function') return 'function'
  if (v instanceof Uint8Array) return 'Uint8Array'
  return JSON.stringify(v) ?? String(v)
}

/**
 * Method names of a class instance's prototype chain (ours only: not
 * Object's or EventEmitter's), with
 * accessors that have setters listed as `set name`.
 */
function methodsOf(obj: object): string[] {
  const out: string[] = []
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype && p !== EventEmitter.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name === 'constructor') continue
      const d = Object.getOwnPropertyDescriptor(p, name)!
      if (typeof d.value === 'function') out.push(name)
      else if (d.set) out.push(`set ${name}`)
    }
  }
  return [...new Set(out)]
}

const SRC = new URL('../packages/wasm/src/', import.meta.url)

/**
 * Names of the methods a source file documents as `@internal` (plumbing
 * between our own modules, left out of the public API's docs): a doc
 * comment holding `@internal` right before `name(`, `get name` or `set name`.
 */
function internalNames(file: string): Set<string> {
  const text = readFileSync(new URL(file, SRC), 'utf8')
  const out = new Set<string>()
  for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:(?:export|function|static|async|get|set|readonly)\s+)*#?(\w+)\s*[(<:]/g)) {
    if (m[1]!.includes('@internal')) out.add(m[2]!)
  }
  return out
}

/**
 * Exported classes whose constructor is not for callers (documented
 * `@internal`, or `private`: they are made by factories such as
 * `createRuntime`, `Engine.create` or `instance.exports`), and exported
 * functions documented `@internal`, across every source file.
 */
function internalExports(): Set<string> {
  const out = new Set<string>()
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
  for (const file of files) {
    const text = readFileSync(new URL(file, SRC), 'utf8')
    const classes = [...text.matchAll(/export (?:abstract )?class (\w+)/g)]
    classes.forEach((c, i) => {
      const body = text.slice(c.index, classes[i + 1]?.index ?? text.length)
      const ctor = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?(private\s+)?constructor\s*\(/.exec(body)
      if (ctor && (ctor[2] || ctor[1]?.includes('@internal'))) out.add(c[1]!)
    })
    for (const name of internalNames(file)) out.add(name)
  }
  return out
}

/** Where each subject's class is written. */
const SOURCES: Record<string, string> = {
  runtime: 'runtime/runtime.ts',
  engine: 'runtime/engine.ts',
  store: 'runtime/store.ts',
  module: 'loader/module.ts',
  instance: 'loader/instance.ts',
  func: 'runtime/externs.ts',
  memory: 'runtime/externs.ts',
  table: 'runtime/externs.ts',
  global: 'runtime/externs.ts',
  linker: 'loader/linker.ts',
  cache: 'runtime/cache.ts',
  audit: 'sandbox/audit.ts',
  executor: 'executor/executor.ts',
  stream: 'executor/stream.ts',
}

/**
 * Methods left out of the walk, each with its reason: they take no
 * arguments a caller could get wrong, or they end what the walk still uses.
 */
const LEFT_OUT = new Set([
  'close', // would close the runtime under the walk; its options are checked in its own tests
  'cancel', // takes no arguments
  'release',
  'dispose',
  'then',
])

let rt: Runtime
let cached: Runtime
let dir: string
beforeAll(async () => {
  rt = await createRuntime({ maxExecutionTime: 2_000, cacheDir: false })
  dir = mkdtempSync(join(tmpdir(), 'cwasm-edge-'))
  writeFileSync(join(dir, 'm.wat'), WAT)
  cached = await createRuntime({ cacheDir: join(dir, 'cache') })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the public edge', () => {
  it('refuses a wrong-typed or out-of-range argument to every method with a typed error', async () => {
    const module = rt.compile(WAT)
    const store = new Store()
    const instance = store.instantiate(module)
    const subjects: Record<string, object> = {
      runtime: rt,
      engine: Engine.shared(),
      store,
      module,
      instance,
      func: instance.func('add'),
      memory: instance.memory('memory'),
      table: instance.exports['table'] as Table,
      global: instance.exports['g'] as Global,
      linker: new Linker(Engine.shared()),
      cache: cached.cache!,
      audit: new AuditLog(),
      executor: rt.createExecutor({ threads: 1 }),
      stream: new api.ByteStream(),
    }
    const problems: string[] = []
    let calls = 0
    let walked = 0
    for (const [subject, obj] of Object.entries(subjects)) {
      const internal = internalNames(SOURCES[subject]!)
      for (const m of methodsOf(obj)) {
        if (LEFT_OUT.has(m) || internal.has(m.replace(/^set /, ''))) continue
        walked++
        const target = obj as Record<string, (...a: unknown[]) => unknown>
        for (const bad of WRONG) {
          // The bad value in first position, then in second after a good-looking first.
          for (const args of [[bad], [0, bad], ['add', bad], [bad, bad, bad]]) {
            calls++
            const label = `${subject}.${m}(${args.map(show).join(', ')})`
            if (m.startsWith('set ')) {
              const prop = m.slice(4)
              await probe(label, () => void ((obj as Record<string, unknown>)[prop] = bad), problems)
              break
            }
            await probe(label, () => target[m]!(...args), problems)
          }
        }
      }
    }
    expect(walked).toBeGreaterThan(40)
    expect(calls).toBeGreaterThan(1000)
    expect(problems).toEqual([])
  }, 120_000)

  it('refuses wrong arguments to every exported function and constructor with a typed error', async () => {
    const problems: string[] = []
    const internal = internalExports()
    let walked = 0
    for (const [name, value] of Object.entries(api)) {
      if (typeof value !== 'function' || internal.has(name)) continue
      const isClass = /^class\b/.test(Function.prototype.toString.call(value))
      // Error classes take any message; constructing one is not a failure path.
      if (isClass && (value === WasmError || value.prototype instanceof WasmError || value.prototype instanceof Error)) continue
      walked++
      for (const bad of WRONG) {
        for (const args of [[bad], ['(module)', bad], [bad, bad]]) {
          const label = `${name}(${args.map(show).join(', ')})`
          const f = value as (...a: unknown[]) => unknown
          await probe(label, () => (isClass ? Reflect.construct(f, args) : f(...args)), problems)
        }
      }
    }
    expect(walked).toBeGreaterThan(20)
    expect(problems).toEqual([])
  }, 120_000)

  it('refuses negative, fractional, NaN and too large offsets and counts instead of saturating them', () => {
    const instance = new Store().instantiate(rt.compile(WAT))
    const mem = instance.memory('memory')
    const table = instance.exports['table'] as Table
    mem.write(0, new Uint8Array([7, 7, 7]))
    for (const bad of [-1, -5, 0.5, NaN, Infinity, 2 ** 53 + 2]) {
      expect(() => mem.write(bad, new Uint8Array([1]))).toThrow(InvalidArgumentError)
      expect(() => mem.read(bad, 2)).toThrow(InvalidArgumentError)
      expect(() => mem.read(0, bad)).toThrow(InvalidArgumentError)
      expect(() => mem.grow(bad)).toThrow(InvalidArgumentError)
      expect(() => table.get(bad)).toThrow(InvalidArgumentError)
      expect(() => table.set(bad, null)).toThrow(InvalidArgumentError)
      expect(() => table.grow(bad)).toThrow(InvalidArgumentError)
    }
    // Nothing was written at offset 0 by the refused writes, and nothing grew.
    expect([...mem.read(0, 3)]).toEqual([7, 7, 7])
    expect(mem.byteLength).toBe(65_536)
    expect(table.length).toBe(2)
  })

  it('names the method and the argument in the error path', () => {
    const mem = new Store().instantiate(rt.compile(WAT)).memory('memory')
    try {
      mem.read(-1, 2)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError)
      expect((e as InvalidArgumentError).path).toBe('memory.read(offset)')
      expect((e as Error).message).toBe('memory.read(offset) must be an integer from 0 to 2^53 - 1, got -1')
    }
  })

  it('refuses reads and writes past the end of memory as InvalidArgumentError', () => {
    const mem = new Store().instantiate(rt.compile(WAT)).memory('memory')
    expect(() => mem.read(65_535, 2)).toThrow(InvalidArgumentError)
    expect(() => mem.write(65_536, new Uint8Array([1]))).toThrow(InvalidArgumentError)
    expect(() => mem.read(2 ** 53 - 1, 1)).toThrow(InvalidArgumentError)
  })

  it('refuses a Uint8Array whose buffer was transferred', () => {
    const mem = new Store().instantiate(rt.compile(WAT)).memory('memory')
    const bytes = new Uint8Array([1, 2, 3])
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] })
    expect(() => mem.write(0, bytes)).toThrow(/transferred or detached/)
  })

  it('refuses bad per-call limits with the option path, without printing a panic', async () => {
    const module = rt.compile(WAT)
    for (const timeout of [-1, NaN, Infinity, 0.5, 2 ** 40]) {
      await expect(rt.call(module, 'add', [1, 2], { timeout })).rejects.toThrow(InvalidArgumentError)
      expect(() => rt.callSync(module, 'add', [1, 2], { timeout })).toThrow(InvalidArgumentError)
    }
    for (const fuel of [-1, 1.5, NaN]) {
      await expect(rt.call(module, 'add', [1, 2], { fuel })).rejects.toThrow(/option fuel/)
    }
    await expect(rt.call(module, 'add', [1, 2], { maxMemory: -1 })).rejects.toThrow(/option maxMemory/)
    await expect(rt.call(module, 'add', [1, 2], { signal: 'stop' as never })).rejects.toThrow(/option signal/)
    await expect(rt.call(module, 'add', [1, 2], { bogus: 1 } as never)).rejects.toThrow(/unknown option bogus/)
    const store = new Store()
    for (const bad of [-1, NaN, Infinity, 'x']) expect(() => store.setTimeout(bad as number)).toThrow(InvalidArgumentError)
    for (const bad of [-1, 1.5, NaN, 2 ** 53 + 2]) expect(() => store.setFuel(bad)).toThrow(InvalidArgumentError)
  })

  it('tells a user who passed WAT text to loadModule that a string is a path, and how to pass the text', async () => {
    const text = '(module (func (export "f") (result i32) (i32.const 1)))'
    const e = await rt.loadModule(text).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(InvalidArgumentError)
    expect(String(e)).toMatch(/looks like WAT text: pass it as bytes \(Buffer\.from\(text\)\)/)
    // A missing file is still said to be one.
    await expect(rt.loadModule('/no/such/module.wasm')).rejects.toThrow(/cannot read the module file \/no\/such\/module\.wasm/)
    // And the text as bytes loads.
    expect(await rt.call(await rt.loadModule(Buffer.from(text)), 'f')).toBe(1)
  })

  it('refuses new Engine(options) from plain JS with InvalidArgumentError pointing to Engine.shared', () => {
    const Ctor = api.Engine as unknown as new (o: unknown) => unknown
    for (const o of [{}, { threads: true }, undefined]) {
      expect(() => new Ctor(o)).toThrow(InvalidArgumentError)
      expect(() => new Ctor(o)).toThrow(/use Engine\.shared\(options\)/)
    }
  })

  it('refuses new X() of every class the package makes itself with InvalidArgumentError saying where X comes from', () => {
    const made: Record<string, RegExp> = {
      Func: /instance\.func\(name\)/,
      Global: /instance\.global\(name\)/,
      Table: /instance\.table\(name\)/,
      Memory: /instance\.memory\(name\)/,
      Tag: /instance\.tag\(name\)/,
      GcRef: /results of calls/,
      Instance: /store\.instantiate\(module\)/,
      Module: /rt\.loadModule\(source\)/,
      Plugin: /rt\.loadPlugin\(dir\)/,
      Runtime: /createRuntime\(options\)/,
      WebAssemblyRuntime: /createRuntime\(options\)/,
      WebAssemblyModule: /WebAssemblyModule\.fromSource/,
      Watched: /rt\.watch\(path\)/,
      ModuleCache: /rt\.cache/,
    }
    for (const [name, how] of Object.entries(made)) {
      const Ctor = (api as unknown as Record<string, new (...a: unknown[]) => unknown>)[name]!
      expect(Ctor, name).toBeTypeOf('function')
      // No arguments, and arguments of the right arity but the wrong kind.
      for (const args of [[], [{}, {}, 0], [null, null, null]]) {
        let thrown: unknown
        try {
          new Ctor(...args)
        } catch (e) {
          thrown = e
        }
        expect(thrown, `new ${name}(${args.length} args)`).toBeInstanceOf(InvalidArgumentError)
        expect((thrown as Error).message).toContain(`new ${name}(…) cannot be called directly`)
        expect((thrown as Error).message).toMatch(how)
      }
    }
  })

  it('still makes every class through its real path after the constructor checks (each kind of extern, a GC ref, a plugin-free runtime)', async () => {
    const rt = await createRuntime()
    const mod = await rt.loadModule(
      Buffer.from(`(module (func (export "f") (result i32) i32.const 7) (memory (export "memory") 1) (global (export "g") i32 (i32.const 3))
        (table (export "t") 1 funcref) (tag (export "e") (param i32)) (type $s (struct (field i32)))
        (func (export "mk") (result anyref) (struct.new $s (i32.const 5))))`),
    )
    const inst = rt.instantiate(mod)
    expect(inst.func('f').call()).toBe(7)
    expect(inst.memory('memory').byteLength).toBe(65536)
    expect(inst.global('g').value).toBe(3)
    expect(inst.table('t').length).toBe(1)
    expect(inst.tag('e').params).toEqual(['i32'])
    expect(inst.func('mk').call()).toBeInstanceOf(api.GcRef)
    await rt.close()
  })

  it('checks memory and table types when the host makes them', () => {
    const store = new Store()
    expect(() => store.memory({ minimum: -1 })).toThrow(/store.memory\(type\).minimum/)
    expect(() => store.memory({ minimum: 2, maximum: 1 })).toThrow(/below its minimum/)
    expect(() => store.memory({ minimum: 1.5 })).toThrow(InvalidArgumentError)
    expect(() => store.table({ element: 'funcref', minimum: NaN })).toThrow(InvalidArgumentError)
    expect(() => store.table({ element: 'i32' as never, minimum: 1 })).toThrow(/'funcref' or 'externref'/)
    expect(store.memory({ minimum: 1, maximum: 2 })).toBeInstanceOf(Memory)
    expect(store.table({ element: 'externref', minimum: 1 })).toBeInstanceOf(Table)
  })

  it('finds the internal methods it leaves out by their @internal doc', () => {
    const store = internalNames('runtime/store.ts')
    expect(store.has('callRaw')).toBe(true)
    expect(store.has('setWasi')).toBe(true)
    expect(store.has('instantiate')).toBe(false)
    expect(store.has('memory')).toBe(false)
    const exported = internalExports()
    expect(exported.has('Func')).toBe(true) // made by instances, never by callers
    expect(exported.has('Engine')).toBe(true) // private constructor: Engine.create / Engine.shared
    expect(exported.has('native')).toBe(true)
    expect(exported.has('Store')).toBe(false)
    expect(exported.has('createRuntime')).toBe(false)
  })

  it('still calls functions and reads globals after the walk', () => {
    const instance = new Store().instantiate(rt.compile(WAT))
    expect(instance.func('add')).toBeInstanceOf(Func)
    expect(instance.call('add', 2, 3)).toBe(5)
    expect((instance.exports['g'] as Global).value).toBe(1)
    expect(Module.compile(Engine.shared(), '(module)')).toBeInstanceOf(Module)
  })
})

describe('the addon behind the edge', () => {
  // What TS could not express reaches the addon only through our own code,
  // but the addon must refuse it as data too: no saturation, no panic.
  it('refuses out-of-range numbers with invalid_argument instead of saturating them', () => {
    const mem = new Store().instantiate(rt.compile(WAT)).memory('memory')
    const raw = (mem as unknown as { binding: Record<string, (...a: unknown[]) => unknown> }).binding
    const store = (new Store() as unknown as { binding: Record<string, (...a: unknown[]) => unknown> }).binding
    const attempts: Array<[string, () => unknown]> = [
      ['memoryRead(-1, 2)', () => raw.memoryRead!(-1, 2)],
      ['memoryRead(0, NaN)', () => raw.memoryRead!(0, NaN)],
      ['memoryWrite(-1, bytes)', () => raw.memoryWrite!(-1, new Uint8Array([9]))],
      ['memoryWrite(0.5, bytes)', () => raw.memoryWrite!(0.5, new Uint8Array([9]))],
      ['memoryGrow(-1)', () => raw.memoryGrow!(-1)],
      ['memoryGrow(Infinity)', () => raw.memoryGrow!(Infinity)],
      ['setDeadline(-1)', () => store.setDeadline!(-1)],
      ['setDeadline(NaN)', () => store.setDeadline!(NaN)],
      ['setDeadline(Infinity)', () => store.setDeadline!(Infinity)],
      ['setFuel(-1)', () => store.setFuel!(-1)],
      ['setFuel(2^64)', () => store.setFuel!(2 ** 64)],
      ['newMemory(-1)', () => store.newMemory!(-1, undefined, false)],
      ['newMemory(1, 0.5)', () => store.newMemory!(1, 0.5, false)],
    ]
    for (const [label, f] of attempts) {
      let err: unknown
      try {
        native(f)
      } catch (e) {
        err = e
      }
      expect(err, label).toBeInstanceOf(InvalidArgumentError)
    }
    // The refused write at -1 did not land at offset 0.
    expect([...mem.read(0, 1)]).toEqual([0])
    expect(mem.byteLength).toBe(65_536)
  })

  it('turns a panic into an InternalError naming where it happened, printing nothing to stderr', () => {
    const script = `
      const native = require(${JSON.stringify(require.resolve('@cybernetic/wasm-native'))})
      try { native.debugPanic('on purpose') } catch (e) { process.stdout.write(e.message) }
    `
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('on purpose')
    expect(r.stdout).toMatch(/at crates\/cwasm_binding\/src\/runtime_info\.rs:\d+/)
  })
})

describe('the examples of issue 12', () => {
  it('each give InvalidArgumentError and print nothing to stderr', () => {
    // In a child process, so that anything printed (a panic backtrace, a
    // warning) is seen.
    const script = `
      import { createRuntime, Store } from '@cybernetic/wasm'
      const rt = await createRuntime({ cacheDir: false })
      const mod = rt.compile('(module (func (export "f") (param i32) (result i32) local.get 0) (memory (export "memory") 1) (table (export "t") 2 funcref))')
      const out = []
      const record = async (label, f) => {
        try { await f(); out.push(label + ': no error') } catch (e) { out.push(label + ': ' + e.name + ' ' + e.code) }
      }
      for (const timeout of [-1, NaN, Infinity]) await record('call timeout ' + timeout, () => rt.call(mod, 'f', [1], { timeout }))
      const inst = new Store().instantiate(mod)
      const mem = inst.memory('memory')
      const table = inst.exports.t
      await record('memory.write(-1)', () => mem.write(-1, new Uint8Array([1])))
      await record('memory.read(-5, 2)', () => mem.read(-5, 2))
      await record('memory.grow(-1)', () => mem.grow(-1))
      await record('table.get(-1)', () => table.get(-1))
      await record('table.set(-1)', () => table.set(-1, null))
      await record('memory.read("0", 2)', () => mem.read('0', 2))
      await record('store.collectStats = "yes"', () => { new Store().collectStats = 'yes' })
      await record('rt.compile(42)', () => rt.compile(42))
      process.stdout.write(out.join('\\n'))
    `
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines).toHaveLength(11)
    for (const line of lines) expect(line).toMatch(/: InvalidArgumentError invalid_argument$/)
  })
})

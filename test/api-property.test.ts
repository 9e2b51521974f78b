// A property test of the public API: random sequences of store, instance,
// memory, table, global, call and abort operations, with random and hostile
// arguments, run against the runtime and against a plain JS model of the
// same operations. Invariants: nothing crashes; every thrown error is one of
// our classes with a code from the closed union; memory, table and global
// contents match the model; after any failure the store still answers.
//
// `npm test` runs a bounded number of sequences (the seed is printed);
// `npm run fuzz:api -- --runs 100000` runs a long campaign
// (CWASM_API_RUNS / CWASM_API_SEED set the number and the seed).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  CancelledError,
  createRuntime,
  Func,
  Global,
  InvalidArgumentError,
  MemoryLimitError,
  OTHER_CODES,
  Store,
  Table,
  TimeoutError,
  TRAP_CODES,
  WasmError,
  type Instance,
  type Module,
  type Runtime,
} from '@cybernetic/wasm'

const RUNS = Number(process.env.CWASM_API_RUNS ?? 300)
const SEED = Number(process.env.CWASM_API_SEED ?? Date.now() % 2 ** 31)

const WAT = `(module
  (memory (export "memory") 1 4)
  (table (export "table") 2 6 funcref)
  (global (export "g") (mut i32) (i32.const 0))
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "spin") (loop br 0))
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u))`

const PAGE = 65_536
const MAX_PAGES = 4
const MAX_TABLE = 6

/** Numbers and values a caller might pass, right or wrong. */
const hostileNumber = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -4, max: PAGE * 2 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, PAGE - 1, PAGE),
  },
  { weight: 1, arbitrary: fc.double() },
)
const hostile = fc.oneof(
  { weight: 8, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, '12', '', true, {}, [], 3n, Symbol('x')) },
)
const bytes = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 40, size: 'max' }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 'abc', [1, 2, 3], new ArrayBuffer(4), new Uint16Array(2)) },
)

type Op =
  | { op: 'write'; offset: unknown; bytes: unknown }
  | { op: 'read'; offset: unknown; length: unknown }
  | { op: 'grow'; delta: unknown }
  | { op: 'tableSet'; index: unknown; func: boolean }
  | { op: 'tableGet'; index: unknown }
  | { op: 'tableGrow'; delta: unknown }
  | { op: 'globalSet'; value: unknown }
  | { op: 'call'; a: unknown; b: unknown }
  | { op: 'load'; offset: unknown }
  | { op: 'abort'; when: 'before' | 'during' }
  | { op: 'timeout' }
  | { op: 'newStore' }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('write' as const), offset: hostile, bytes }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('read' as const), offset: hostile, length: hostile }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('grow' as const), delta: hostile }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tableSet' as const), index: hostile, func: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tableGet' as const), index: hostile }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tableGrow' as const), delta: hostile }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('globalSet' as const), value: hostile }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('call' as const), a: hostile, b: hostile }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('load' as const), offset: hostile }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), when: fc.constantFrom('before' as const, 'during' as const) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'timeout' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'newStore' as const }) },
)

/** What the model says of the instance. */
interface Model {
  memory: Uint8Array
  table: boolean[] // true: holds a function
  global: number
}

function freshModel(): Model {
  return { memory: new Uint8Array(PAGE), table: [false, false], global: 0 }
}

const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER

/** The JS API's ToInt32 for numbers and booleans; `null` for values an i32 cannot take. */
function toI32(v: unknown): number | null {
  if (typeof v === 'number') return v | 0
  if (typeof v === 'boolean') return v ? 1 : 0
  return null
}

function ours(e: unknown): asserts e is WasmError {
  if (!(e instanceof WasmError)) throw new Error(`not one of our errors: ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message ?? e)}`)
  if (![...TRAP_CODES, ...OTHER_CODES].includes(e.code as never)) throw new Error(`code ${e.code} outside the union`)
}

/** Runs `f`; returns its value, or the (checked) error it threw. */
async function attempt<T>(f: () => T | Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: WasmError }> {
  try {
    return { ok: true, value: await f() }
  } catch (e) {
    ours(e)
    return { ok: false, error: e }
  }
}

class System {
  store!: Store
  instance!: Instance
  model!: Model
  constructor(
    readonly rt: Runtime,
    readonly module: Module,
  ) {
    this.reset()
  }
  reset(): void {
    this.store = this.rt.createStore({}, 2_000)
    this.instance = this.store.instantiate(this.module)
    this.model = freshModel()
  }
  get table(): Table {
    return this.instance.exports['table'] as Table
  }
  get global(): Global {
    return this.instance.exports['g'] as Global
  }

  async apply(o: Op): Promise<void> {
    const m = this.model
    const mem = this.instance.memory('memory')
    switch (o.op) {
      case 'write': {
        const r = await attempt(() => mem.write(o.offset as number, o.bytes as Uint8Array))
        const valid = whole(o.offset) && o.bytes instanceof Uint8Array && o.offset + o.bytes.length <= m.memory.length
        expect(r.ok, `write valid=${valid}`).toBe(valid)
        if (!r.ok) expect(r.error).toBeInstanceOf(InvalidArgumentError)
        if (valid) m.memory.set(o.bytes as Uint8Array, o.offset as number)
        return
      }
      case 'read': {
        const r = await attempt(() => mem.read(o.offset as number, o.length as number))
        const valid = whole(o.offset) && whole(o.length) && o.offset + o.length <= m.memory.length
        expect(r.ok, `read valid=${valid}`).toBe(valid)
        if (r.ok) expect(Buffer.from(r.value).equals(m.memory.subarray(o.offset as number, (o.offset as number) + (o.length as number)))).toBe(true)
        else expect(r.error).toBeInstanceOf(InvalidArgumentError)
        return
      }
      case 'grow': {
        const pages = m.memory.length / PAGE
        const r = await attempt(() => mem.grow(o.delta as number))
        if (!whole(o.delta)) {
          expect(r.ok).toBe(false)
          if (!r.ok) expect(r.error).toBeInstanceOf(InvalidArgumentError)
        } else if (pages + o.delta > MAX_PAGES) {
          expect(r.ok).toBe(false)
          if (!r.ok) expect([MemoryLimitError, InvalidArgumentError].some((c) => r.error instanceof c)).toBe(true)
        } else {
          expect(r).toEqual({ ok: true, value: pages })
          const grown = new Uint8Array((pages + o.delta) * PAGE)
          grown.set(m.memory)
          m.memory = grown
        }
        expect(mem.byteLength).toBe(m.memory.length)
        return
      }
      case 'tableSet': {
        const r = await attempt(() => this.table.set(o.index as number, o.func ? this.instance.func('add') : null))
        const valid = whole(o.index) && o.index < m.table.length
        expect(r.ok, `tableSet valid=${valid}`).toBe(valid)
        if (valid) m.table[o.index as number] = o.func
        return
      }
      case 'tableGet': {
        const r = await attempt(() => this.table.get(o.index as number))
        const valid = whole(o.index) && o.index < m.table.length
        expect(r.ok, `tableGet valid=${valid}`).toBe(valid)
        if (r.ok) expect(r.value instanceof Func).toBe(m.table[o.index as number])
        return
      }
      case 'tableGrow': {
        const r = await attempt(() => this.table.grow(o.delta as number))
        const n = m.table.length
        const valid = whole(o.delta) && n + o.delta <= MAX_TABLE
        expect(r.ok, `tableGrow valid=${valid}`).toBe(valid)
        if (r.ok) {
          expect(r.value).toBe(n)
          for (let i = 0; i < (o.delta as number); i++) m.table.push(false)
        }
        expect(this.table.length).toBe(m.table.length)
        return
      }
      case 'globalSet': {
        const r = await attempt(() => {
          this.global.value = o.value
        })
        const v = toI32(o.value)
        expect(r.ok, `globalSet ${String(o.value)}`).toBe(v !== null)
        if (v !== null) m.global = v
        expect(this.global.value).toBe(m.global)
        return
      }
      case 'call': {
        const a = toI32(o.a)
        const b = toI32(o.b)
        const r = await attempt(() => this.instance.call('add', o.a, o.b))
        expect(r.ok).toBe(a !== null && b !== null)
        if (r.ok) expect(r.value).toBe(((a as number) + (b as number)) | 0)
        return
      }
      case 'load': {
        const r = await attempt(() => this.instance.call('load', o.offset))
        const at = toI32(o.offset)
        if (at === null) return expect(r.ok).toBe(false)
        const inBounds = at >>> 0 < m.memory.length
        expect(r.ok).toBe(inBounds)
        if (r.ok) expect(r.value).toBe(m.memory[at >>> 0])
        else expect(r.error.code).toBe(inBounds ? 'never' : 'memory_out_of_bounds')
        return
      }
      case 'abort': {
        const ac = new AbortController()
        if (o.when === 'before') ac.abort()
        const p = attempt(() => this.instance.func('spin').callAsync([], { signal: ac.signal }))
        if (o.when === 'during') setTimeout(() => ac.abort(), 1)
        const r = await p
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.error).toBeInstanceOf(CancelledError)
        return
      }
      case 'timeout': {
        this.store.setTimeout(5)
        const r = await attempt(() => this.instance.func('spin').callAsync([]))
        this.store.setTimeout(2_000)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.error).toBeInstanceOf(TimeoutError)
        return
      }
      case 'newStore':
        this.reset()
        return
    }
  }

  /** After every operation, failed or not, the store answers and agrees with the model. */
  check(): void {
    expect(this.instance.call('add', 2, 3)).toBe(5)
    const mem = this.instance.memory('memory')
    expect(mem.byteLength).toBe(this.model.memory.length)
    expect(this.global.value).toBe(this.model.global)
    expect(this.table.length).toBe(this.model.table.length)
  }
}

describe('the public API under random operation sequences', () => {
  it(`keeps every error typed and every store consistent with a model (${RUNS} sequences)`, async () => {
    const rt = await createRuntime({ cacheDir: false, maxExecutionTime: 2_000 })
    const module = rt.compile(WAT)
    console.log(`api property test: seed ${SEED}, ${RUNS} sequences (CWASM_API_SEED=${SEED} CWASM_API_RUNS=${RUNS} to replay)`)
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const sys = new System(rt, module)
        for (const o of ops) {
          await sys.apply(o)
          sys.check()
        }
        // The whole memory agrees at the end, not only what was read.
        expect(Buffer.from(sys.instance.memory('memory').read(0, sys.model.memory.length)).equals(sys.model.memory)).toBe(true)
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
  }, 3_600_000)
})

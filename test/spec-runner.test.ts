// The spec-test runner behind `cwasm spec`: tiny wast2json scripts written to
// a temp dir at test time, each checking that a passing assertion passes and,
// above all, that a wrong result, trap, or module is counted as a failure.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { watToWasm } from '@cybernetic/wasm-native'
import { runSpec } from '../packages/cli/src/spec/runner.js'

const root = join(import.meta.dirname, '..')
const corpus = join(root, '..', 'shared', 'corpus', 'spec-3.0')
const shippedSkips = join(root, 'packages', 'cli', 'spec-skips.json')

let dir: string
let emptySkips: string
let counter = 0

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cwasm-spec-runner-'))
  emptySkips = join(dir, 'no-skips.json')
  writeFileSync(emptySkips, JSON.stringify({ skips: [] }))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

afterEach(() => vi.restoreAllMocks())

type Cmd = Record<string, unknown>
/** A module file: WAT compiled to a .wasm, or `{ text }` written as a .wat as is. */
type ModuleSource = string | { text: string } | { bytes: Uint8Array }

/**
 * Writes a script named `<name>.wast` in wast2json form; `modules` maps file
 * names used by the commands to their sources. Returns the JSON path.
 */
function script(modules: Record<string, ModuleSource>, commands: Cmd[]): string {
  const name = `t${++counter}`
  for (const [file, src] of Object.entries(modules)) {
    const path = join(dir, `${name}.${file}`)
    if (typeof src === 'string') writeFileSync(path, watToWasm(Buffer.from(src)))
    else if ('text' in src) writeFileSync(path, src.text)
    else writeFileSync(path, src.bytes)
  }
  const prefixed = commands.map((c) => (typeof c['filename'] === 'string' ? { ...c, filename: `${name}.${c['filename']}` } : c))
  const json = join(dir, `${name}.json`)
  writeFileSync(json, JSON.stringify({ source_filename: `${name}.wast`, commands: prefixed }))
  return json
}

/** Runs scripts, capturing what the runner prints. */
async function run(paths: string[], opts: { verbose?: boolean; skipsFile?: string } = {}) {
  const lines: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  })
  const warnings: string[] = []
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    warnings.push(String(chunk))
    return true
  })
  const summary = await runSpec(paths, { skipsFile: emptySkips, ...opts })
  vi.restoreAllMocks()
  return { ...summary, lines, warnings }
}

const i32 = (v: number | string) => ({ type: 'i32', value: String(BigInt.asUintN(32, BigInt(v))) })
const f32bits = (bits: number | string) => ({ type: 'f32', value: String(bits) })
const invoke = (field: string, args: Cmd[] = [], module?: string) => ({ type: 'invoke', field, args, ...(module ? { module } : {}) })

const ARITH = `(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "pair") (result i32 i64) (i32.const -1) (i64.const 7))
  (func (export "f32bits") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "f64bits") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
  (func (export "v") (result v128) (v128.const i32x4 1 2 3 4))
  (func $loop (export "loop") (call $loop))
  (global (export "g") i32 (i32.const 42)))`

describe('the spec runner', () => {
  it('passes a script in which every kind of assertion holds, counting each command once', async () => {
    const path = script(
      {
        'arith.wasm': ARITH,
        'lib.wasm': `(module (memory (export "mem") 1) (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))`,
        'user.wasm': `(module
          (import "spectest" "print_i32" (func (param i32)))
          (import "spectest" "global_i32" (global i32))
          (import "spectest" "table" (table 10 20 funcref))
          (import "spectest" "memory" (memory 1 2))
          (import "lib" "mem" (memory $m 1))
          (func (export "poke") (param i32 i32) (i32.store8 $m (local.get 0) (local.get 1)) (call 0 (global.get 0))))`,
        // Well-formed (WAT converts it) but invalid: an i64 where an i32 is returned.
        'invalid.wasm': `(module (func (result i32) (i64.const 1)))`,
        'malformed.wat': { text: '(module (func (i32.const 0x)))' },
        'unknown.wasm': `(module (import "spectest" "no_such_thing" (func)))`,
        'incompatible.wasm': `(module (import "spectest" "print_i32" (func (param i64))))`,
        'start-traps.wasm': `(module (func $s unreachable) (start $s))`,
      },
      [
        { type: 'module', line: 1, filename: 'arith.wasm', name: '$A' },
        { type: 'assert_return', line: 2, action: invoke('add', [i32(1), i32(2)]), expected: [i32(3)] },
        { type: 'assert_return', line: 3, action: invoke('add', [i32(-1), i32(-1)]), expected: [i32(-2)] },
        { type: 'assert_return', line: 4, action: invoke('pair'), expected: [i32(-1), { type: 'i64', value: '7' }] },
        { type: 'assert_return', line: 5, action: invoke('f32bits', [i32(0x7fc00000)]), expected: [f32bits('nan:canonical')] },
        { type: 'assert_return', line: 6, action: invoke('f32bits', [i32(0xffc00001)]), expected: [f32bits('nan:arithmetic')] },
        { type: 'assert_return', line: 7, action: invoke('f32bits', [i32(0x7fa00001)]), expected: [f32bits(0x7fa00001)] },
        {
          type: 'assert_return',
          line: 8,
          action: invoke('f64bits', [{ type: 'i64', value: '18444492273895866368' }]),
          expected: [{ type: 'f64', value: 'nan:canonical' }],
        },
        { type: 'assert_return', line: 9, action: invoke('v'), expected: [{ type: 'v128', lane_type: 'i64', value: ['8589934593', '17179869187'] }] },
        {
          type: 'assert_return',
          line: 10,
          action: invoke('v'),
          either: [
            { type: 'v128', lane_type: 'i32', value: ['0', '0', '0', '0'] },
            { type: 'v128', lane_type: 'i32', value: ['1', '2', '3', '4'] },
          ],
        },
        { type: 'assert_return', line: 11, action: { type: 'get', field: 'g' }, expected: [i32(42)] },
        { type: 'assert_trap', line: 12, action: invoke('div', [i32(1), i32(0)]), text: 'integer divide by zero', expected: [{ type: 'i32' }] },
        { type: 'assert_trap', line: 13, action: invoke('div', [i32(-2147483648), i32(-1)]), text: 'integer overflow', expected: [{ type: 'i32' }] },
        { type: 'assert_exhaustion', line: 14, action: invoke('loop'), text: 'call stack exhausted', expected: [] },
        { type: 'module', line: 15, filename: 'lib.wasm', name: '$Lib' },
        { type: 'register', line: 16, as: 'lib' },
        { type: 'module', line: 17, filename: 'user.wasm' },
        { type: 'action', line: 18, action: invoke('poke', [i32(5), i32(77)]), expected: [] },
        // The write through the registered memory is seen by the module that exported it.
        { type: 'assert_return', line: 19, action: invoke('peek', [i32(5)], '$Lib'), expected: [i32(77)] },
        { type: 'assert_return', line: 20, action: invoke('add', [i32(2), i32(2)], '$A'), expected: [i32(4)] },
        { type: 'assert_invalid', line: 21, filename: 'invalid.wasm', text: 'type mismatch', module_type: 'binary' },
        { type: 'assert_malformed', line: 22, filename: 'malformed.wat', text: 'unknown operator', module_type: 'text' },
        { type: 'assert_unlinkable', line: 23, filename: 'unknown.wasm', text: 'unknown import', module_type: 'binary' },
        { type: 'assert_unlinkable', line: 24, filename: 'incompatible.wasm', text: 'incompatible import type', module_type: 'binary' },
        { type: 'assert_uninstantiable', line: 25, filename: 'start-traps.wasm', text: 'unreachable', module_type: 'binary' },
      ],
    )
    const r = await run([path])
    expect(r.lines.filter((l) => l.startsWith('FAIL'))).toEqual([])
    expect(r).toMatchObject({ passed: 25, failed: 0, skipped: 0 })
  })

  it('counts a wrong assert_return result as a failure and says where and what', async () => {
    const path = script({ 'arith.wasm': ARITH }, [
      { type: 'module', line: 1, filename: 'arith.wasm' },
      { type: 'assert_return', line: 7, action: invoke('add', [i32(1), i32(1)]), expected: [i32(3)] },
      { type: 'assert_return', line: 8, action: invoke('pair'), expected: [i32(-1), { type: 'i64', value: '8' }] },
      { type: 'assert_return', line: 9, action: invoke('pair'), expected: [i32(-1)] },
    ])
    const r = await run([path])
    expect(r).toMatchObject({ passed: 1, failed: 3 })
    const name = path.replace(/^.*\//, '').replace('.json', '.wast')
    expect(r.lines).toContain(`FAIL ${name}:7: assert_return: add(i32 1, i32 1): expected i32 3, got i32 2`)
    expect(r.lines.some((l) => l.startsWith(`FAIL ${name}:8:`) && l.includes('expected i32 -1 (0xffffffff), i64 8'))).toBe(true)
    expect(r.lines.some((l) => l.startsWith(`FAIL ${name}:9:`))).toBe(true)
  })

  it('tells NaN patterns apart and compares other floats bit for bit', async () => {
    const path = script({ 'arith.wasm': ARITH }, [
      { type: 'module', line: 1, filename: 'arith.wasm' },
      // An arithmetic NaN with extra payload bits is not canonical.
      { type: 'assert_return', line: 2, action: invoke('f32bits', [i32(0x7fc00001)]), expected: [f32bits('nan:canonical')] },
      // A signalling NaN is not arithmetic.
      { type: 'assert_return', line: 3, action: invoke('f32bits', [i32(0x7f800001)]), expected: [f32bits('nan:arithmetic')] },
      // Infinity is no NaN at all.
      { type: 'assert_return', line: 4, action: invoke('f32bits', [i32(0x7f800000)]), expected: [f32bits('nan:arithmetic')] },
      // -0 is not +0.
      { type: 'assert_return', line: 5, action: invoke('f32bits', [i32(0x80000000)]), expected: [f32bits(0)] },
      // NaN payloads are compared exactly when the script gives bits.
      { type: 'assert_return', line: 6, action: invoke('f32bits', [i32(0x7fc00001)]), expected: [f32bits(0x7fc00000)] },
      { type: 'assert_return', line: 7, action: invoke('f32bits', [i32(0xffc00000)]), expected: [f32bits('nan:canonical')] },
    ])
    const r = await run([path])
    expect(r).toMatchObject({ passed: 2, failed: 5 })
  })

  it('compares every v128 lane and accepts only one of the either alternatives', async () => {
    const path = script({ 'arith.wasm': ARITH }, [
      { type: 'module', line: 1, filename: 'arith.wasm' },
      { type: 'assert_return', line: 2, action: invoke('v'), expected: [{ type: 'v128', lane_type: 'i32', value: ['1', '2', '3', '5'] }] },
      { type: 'assert_return', line: 3, action: invoke('v'), expected: [{ type: 'v128', lane_type: 'i16', value: ['1', '0', '2', '0', '3', '0', '4', '1'] }] },
      {
        type: 'assert_return',
        line: 4,
        action: invoke('v'),
        either: [
          { type: 'v128', lane_type: 'i32', value: ['0', '0', '0', '0'] },
          { type: 'v128', lane_type: 'i32', value: ['4', '3', '2', '1'] },
        ],
      },
      { type: 'assert_return', line: 5, action: invoke('v'), expected: [{ type: 'v128', lane_type: 'i8', value: ['1', '0', '0', '0', '2', '0', '0', '0', '3', '0', '0', '0', '4', '0', '0', '0'] }] },
    ])
    const r = await run([path])
    expect(r).toMatchObject({ passed: 2, failed: 3 })
  })

  it('accepts an either among the expected results (the 3.0 form), and only one of its values', async () => {
    const path = script({ 'arith.wasm': ARITH }, [
      { type: 'module', line: 1, filename: 'arith.wasm' },
      { type: 'assert_return', line: 2, action: invoke('add', [i32(1), i32(2)]), expected: [{ type: 'either', values: [i32(4), i32(3)] }] },
      { type: 'assert_return', line: 3, action: invoke('add', [i32(1), i32(2)]), expected: [{ type: 'either', values: [i32(4), i32(5)] }] },
      { type: 'assert_return', line: 4, action: invoke('pair'), expected: [{ type: 'either', values: [i32(-1)] }, { type: 'i64', value: '7' }] },
    ])
    const r = await run([path], { verbose: true })
    expect(r).toMatchObject({ passed: 3, failed: 1 })
    expect(r.lines.find((l) => l.includes(':3:'))).toMatch(/expected i32 4 \| i32 5, got i32 3/)
  })

  it('matches null references of any type, typed references by their kind, and a reference without a value as any non-null one', async () => {
    const wat = `(module (type $t (func))
      (func $f (export "f") (type $t))
      (elem declare func $f)
      (func (export "null_typed") (result (ref null $t)) (ref.null $t))
      (func (export "some_typed") (result (ref null $t)) (ref.func $f))
      (func (export "null_extern") (result externref) (ref.null extern))
      (func (export "id_extern") (param (ref extern)) (result (ref extern)) (local.get 0)))`
    const path = script({ 'refs.wasm': wat }, [
      { type: 'module', line: 1, filename: 'refs.wasm' },
      { type: 'assert_return', line: 2, action: invoke('null_typed'), expected: [{ type: 'refnull' }] },
      { type: 'assert_return', line: 3, action: invoke('null_typed'), expected: [{ type: 'nullfuncref' }] },
      { type: 'assert_return', line: 4, action: invoke('some_typed'), expected: [{ type: 'funcref' }] },
      { type: 'assert_return', line: 5, action: invoke('null_extern'), expected: [{ type: 'nullexternref' }] },
      { type: 'assert_return', line: 6, action: invoke('id_extern', [{ type: 'externref', value: '5' }]), expected: [{ type: 'externref', value: '5' }] },
      // Wrong: a non-null where null is expected, and the other way round.
      { type: 'assert_return', line: 7, action: invoke('some_typed'), expected: [{ type: 'refnull' }] },
      { type: 'assert_return', line: 8, action: invoke('null_typed'), expected: [{ type: 'funcref' }] },
      { type: 'assert_return', line: 9, action: invoke('null_extern'), expected: [{ type: 'externref' }] },
    ])
    const r = await run([path], { verbose: true })
    expect(r.lines.filter((l) => l.startsWith('FAIL')).map((l) => l.replace(/^FAIL [^:]+:(\d+):.*/, '$1'))).toEqual(['7', '8', '9'])
    expect(r).toMatchObject({ passed: 6, failed: 3 })
  })

  it('matches GC references by kind, host references in anyref by their id, and a null of every hierarchy', async () => {
    const wat = `(module
      (type $s (struct (field i32)))
      (type $a (array i8))
      (func (export "i31") (result i31ref) (ref.i31 (i32.const 7)))
      (func (export "struct") (result anyref) (struct.new $s (i32.const 1)))
      (func (export "array") (result (ref $a)) (array.new_default $a (i32.const 3)))
      (func (export "id_any") (param anyref) (result anyref) (local.get 0))
      (func (export "null_any") (result anyref) (ref.null any))
      (func (export "null_exn") (result exnref) (ref.null exn)))`
    const path = script({ 'gc.wasm': wat }, [
      { type: 'module', line: 1, filename: 'gc.wasm' },
      { type: 'assert_return', line: 2, action: invoke('i31'), expected: [{ type: 'i31ref' }] },
      { type: 'assert_return', line: 3, action: invoke('i31'), expected: [{ type: 'eqref' }] },
      { type: 'assert_return', line: 4, action: invoke('struct'), expected: [{ type: 'structref' }] },
      { type: 'assert_return', line: 5, action: invoke('array'), expected: [{ type: 'arrayref' }] },
      { type: 'assert_return', line: 6, action: invoke('id_any', [{ type: 'anyref', value: '9' }]), expected: [{ type: 'anyref', value: '9' }] },
      { type: 'assert_return', line: 7, action: invoke('id_any', [{ type: 'anyref', value: 'null' }]), expected: [{ type: 'nullref' }] },
      { type: 'assert_return', line: 8, action: invoke('null_any'), expected: [{ type: 'refnull' }] },
      { type: 'assert_return', line: 9, action: invoke('null_exn'), expected: [{ type: 'exnref', value: 'null' }] },
      // Wrong: another kind, another id, a non-null where null is expected, another hierarchy.
      { type: 'assert_return', line: 10, action: invoke('struct'), expected: [{ type: 'arrayref' }] },
      { type: 'assert_return', line: 11, action: invoke('i31'), expected: [{ type: 'structref' }] },
      { type: 'assert_return', line: 12, action: invoke('id_any', [{ type: 'anyref', value: '9' }]), expected: [{ type: 'anyref', value: '8' }] },
      { type: 'assert_return', line: 13, action: invoke('struct'), expected: [{ type: 'nullref' }] },
      { type: 'assert_return', line: 14, action: invoke('null_any'), expected: [{ type: 'nullexternref' }] },
    ])
    const r = await run([path], { verbose: true })
    const failed = r.lines.filter((l) => l.startsWith('FAIL'))
    expect(failed.map((l) => l.replace(/^FAIL [^:]+:(\d+):.*/, '$1'))).toEqual(['10', '11', '12', '13', '14'])
    // The result is shown as what it is.
    expect(failed[0]).toMatch(/got anyref struct #\d+/)
    expect(failed[1]).toMatch(/got i31ref i31 7/)
    expect(failed[2]).toMatch(/got anyref host 9/)
    expect(r).toMatchObject({ passed: 9, failed: 5 })
  })

  it('holds assert_exception only when a wasm exception escapes the call', async () => {
    const wat = `(module
      (tag $e (param i32))
      (func (export "throw") (throw $e (i32.const 1)))
      (func (export "trap") unreachable)
      (func (export "fine")))`
    const path = script({ 'exn.wasm': wat }, [
      { type: 'module', line: 1, filename: 'exn.wasm' },
      { type: 'assert_exception', line: 2, action: invoke('throw') },
      { type: 'assert_exception', line: 3, action: invoke('trap') },
      { type: 'assert_exception', line: 4, action: invoke('fine') },
      { type: 'assert_trap', line: 5, action: invoke('throw'), text: 'unreachable' },
    ])
    const r = await run([path], { verbose: true })
    const failed = r.lines.filter((l) => l.startsWith('FAIL'))
    expect(failed.map((l) => l.replace(/^FAIL [^:]+:(\d+):.*/, '$1'))).toEqual(['3', '4', '5'])
    expect(failed[0]).toMatch(/expected an uncaught exception, got .*unreachable/)
    expect(failed[1]).toMatch(/expected an uncaught exception, got no results/)
    expect(r).toMatchObject({ passed: 2, failed: 3 })
  })

  it('compiles a module_definition without instantiating it, and instantiates it as often as module_instance asks', async () => {
    const counter = `(module (global $g (export "g") (mut i32) (i32.const 0))
      (func (export "inc") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
      (func (export "boom") (result i32) unreachable))`
    const path = script({ 'c.wasm': counter }, [
      { type: 'module_definition', line: 1, name: 'M', filename: 'c.wasm', module_type: 'binary' },
      // A definition is not the current module.
      { type: 'assert_return', line: 2, action: invoke('inc'), expected: [i32(1)] },
      { type: 'module_instance', line: 3, instance: 'I1', module: 'M' },
      { type: 'module_instance', line: 4, instance: 'I2', module: 'M' },
      { type: 'assert_return', line: 5, action: invoke('inc', [], 'I1'), expected: [i32(1)] },
      { type: 'assert_return', line: 6, action: invoke('inc', [], 'I1'), expected: [i32(2)] },
      // Each instance has its own state; the last one made is current.
      { type: 'assert_return', line: 7, action: invoke('inc'), expected: [i32(1)] },
      { type: 'module_instance', line: 8, instance: 'I3', module: 'nope' },
    ])
    const r = await run([path], { verbose: true })
    expect(r.lines.filter((l) => l.startsWith('FAIL')).map((l) => l.replace(/^FAIL [^:]+:(\d+): (.*)/, '$1 $2'))).toEqual([
      expect.stringMatching(/^2 .*no current module/),
      expect.stringMatching(/^8 .*no module definition named nope/),
    ])
    expect(r).toMatchObject({ passed: 6, failed: 2 })
  })

  it('expects the custom-section forms of assert_malformed and assert_invalid to be refused', async () => {
    const path = script({ 'bad.wat': { text: '(module (@custom))' }, 'good.wat': { text: '(module)' } }, [
      { type: 'assert_malformed_custom', line: 1, filename: 'bad.wat', module_type: 'text', text: '@custom annotation: missing section name' },
      { type: 'assert_invalid_custom', line: 2, filename: 'good.wat', module_type: 'text', text: 'nothing wrong here' },
    ])
    const r = await run([path], { verbose: true })
    expect(r).toMatchObject({ passed: 1, failed: 1 })
    expect(r.lines.find((l) => l.startsWith('FAIL'))).toMatch(/:2: assert_invalid_custom: .*compiled, but should have been rejected/)
  })

  it('counts a trap with the wrong message, or no trap at all, as a failure', async () => {
    const path = script({ 'arith.wasm': ARITH }, [
      { type: 'module', line: 1, filename: 'arith.wasm' },
      { type: 'assert_trap', line: 2, action: invoke('div', [i32(1), i32(0)]), text: 'integer overflow', expected: [{ type: 'i32' }] },
      { type: 'assert_trap', line: 3, action: invoke('div', [i32(4), i32(2)]), text: 'integer divide by zero', expected: [{ type: 'i32' }] },
      { type: 'assert_trap', line: 4, action: invoke('div', [i32(1), i32(0)]), text: 'out of bounds memory access', expected: [{ type: 'i32' }] },
      { type: 'assert_exhaustion', line: 5, action: invoke('add', [i32(1), i32(1)]), text: 'call stack exhausted', expected: [{ type: 'i32' }] },
      { type: 'assert_trap', line: 6, action: invoke('div', [i32(1), i32(0)]), text: 'integer divide by zero', expected: [{ type: 'i32' }] },
    ])
    const r = await run([path])
    expect(r).toMatchObject({ passed: 2, failed: 4 })
    expect(r.lines.some((l) => l.includes(':2: assert_trap') && l.includes('integer_divide_by_zero'))).toBe(true)
    expect(r.lines.some((l) => l.includes(':3: assert_trap') && l.includes('got i32 2'))).toBe(true)
  })

  it('counts modules that load when they should not as failures', async () => {
    const valid = '(module (func (export "f")))'
    const path = script(
      {
        'valid.wasm': valid,
        'valid.wat': { text: valid },
        'links.wasm': `(module (import "spectest" "print_i32" (func (param i32))))`,
        'unknown.wasm': `(module (import "spectest" "nope" (func)))`,
        'incompatible.wasm': `(module (import "spectest" "print_i32" (func (param i64))))`,
        'no-start.wasm': valid,
      },
      [
        { type: 'assert_invalid', line: 1, filename: 'valid.wasm', text: 'type mismatch', module_type: 'binary' },
        { type: 'assert_malformed', line: 2, filename: 'valid.wasm', text: 'unexpected end', module_type: 'binary' },
        { type: 'assert_malformed', line: 3, filename: 'valid.wat', text: 'unknown operator', module_type: 'text' },
        { type: 'assert_unlinkable', line: 4, filename: 'links.wasm', text: 'unknown import', module_type: 'binary' },
        // A link error, but for another reason than the script expects.
        { type: 'assert_unlinkable', line: 5, filename: 'unknown.wasm', text: 'incompatible import type', module_type: 'binary' },
        { type: 'assert_unlinkable', line: 6, filename: 'incompatible.wasm', text: 'unknown import', module_type: 'binary' },
        { type: 'assert_uninstantiable', line: 7, filename: 'no-start.wasm', text: 'unreachable', module_type: 'binary' },
      ],
    )
    const r = await run([path])
    expect(r).toMatchObject({ passed: 0, failed: 7 })
  })

  it('counts a module that does not load as a failure, and each command that needed it', async () => {
    const path = script(
      { 'bad.wasm': { bytes: new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01]) }, 'missing-import.wasm': `(module (import "nowhere" "f" (func)))` },
      [
        { type: 'module', line: 1, filename: 'bad.wasm' },
        { type: 'assert_return', line: 2, action: invoke('f'), expected: [] },
        { type: 'module', line: 3, filename: 'missing-import.wasm' },
        { type: 'register', line: 4, as: 'x' },
        { type: 'assert_return', line: 5, action: invoke('f', [], '$Nope'), expected: [] },
      ],
    )
    const r = await run([path])
    expect(r).toMatchObject({ passed: 0, failed: 5 })
    expect(r.lines.some((l) => l.includes(':2: assert_return: no current module: the module at line 1 failed'))).toBe(true)
  })

  it('skips exactly the commands the skip file names and warns about stale entries', async () => {
    const path = script({ 'arith.wasm': ARITH }, [
      { type: 'module', line: 1, filename: 'arith.wasm' },
      { type: 'assert_return', line: 2, action: invoke('add', [i32(1), i32(1)]), expected: [i32(3)] },
      { type: 'assert_return', line: 3, action: invoke('add', [i32(1), i32(1)]), expected: [i32(2)] },
    ])
    const name = path.replace(/^.*\//, '').replace('.json', '.wast')
    const skips = join(dir, 'some-skips.json')
    writeFileSync(
      skips,
      JSON.stringify({
        skips: [
          { file: name, line: 2, reason: 'a test of skipping' },
          { file: name, line: 99, reason: 'matches nothing' },
        ],
      }),
    )
    const r = await run([path], { skipsFile: skips, verbose: true })
    expect(r).toMatchObject({ passed: 2, failed: 0, skipped: 1 })
    expect(r.lines).toContain(`SKIP ${name}:2 assert_return: a test of skipping`)
    expect(r.warnings.join('')).toContain(`${name}:99 matches no command`)
  })

  it('refuses a skip without a reason', async () => {
    const path = script({}, [])
    const skips = join(dir, 'bad-skips.json')
    writeFileSync(skips, JSON.stringify({ skips: [{ file: 'x.wast', line: 1, reason: '' }] }))
    await expect(run([path], { skipsFile: skips })).rejects.toThrow(/non-empty "reason"/)
  })

  it('prints the first 50 failures unless verbose, and counts them all', async () => {
    const commands: Cmd[] = [{ type: 'module', line: 1, filename: 'arith.wasm' }]
    for (let i = 0; i < 60; i++) {
      commands.push({ type: 'assert_return', line: 10 + i, action: invoke('add', [i32(i), i32(1)]), expected: [i32(i)] })
    }
    const path = script({ 'arith.wasm': ARITH }, commands)
    const quiet = await run([path])
    expect(quiet).toMatchObject({ passed: 1, failed: 60 })
    expect(quiet.lines.filter((l) => l.startsWith('FAIL'))).toHaveLength(50)
    expect(quiet.lines.at(-1)).toMatch(/10 more failure/)
    const loud = await run([path], { verbose: true })
    expect(loud.lines.filter((l) => l.startsWith('FAIL'))).toHaveLength(60)
  })
})

describe.runIf(existsSync(corpus))('the spec corpus', () => {
  it('gives a reason for every shipped skip and skips at most 0.1% of the commands', async () => {
    const { skips } = JSON.parse(readFileSync(shippedSkips, 'utf8')) as { skips: { file: string; line: number; reason: string }[] }
    for (const s of skips) expect(s.reason.length).toBeGreaterThan(20)
    expect(skips.length).toBeLessThanOrEqual(65)
  })

  it('passes every command of the WebAssembly 3.0 suite that is not skipped', { timeout: 300_000 }, async () => {
    const r = await run([corpus], { skipsFile: shippedSkips })
    expect(r.lines.filter((l) => l.startsWith('FAIL')).slice(0, 10)).toEqual([])
    expect(r.failed).toBe(0)
    expect(r.passed + r.skipped).toBe(65184)
    expect(r.skipped).toBeLessThanOrEqual(65)
  })
})

import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { AbiError, CancelledError, createRuntime, InvalidArgumentError, Store } from '@cybernetic/wasm'
import { cGuest } from '../scripts/lib/c-guests.mjs'

const enc = new TextEncoder()
const dec = new TextDecoder()

// The README's Rust-style WAT guest: a bump allocator, no deallocate (the
// guest owns its buffers), and a function that upper-cases in place.
const WAT_GUEST = `(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "allocate") (param $size i32) (result i32) (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (global.get $top) (local.get $size)))
    (local.get $p))
  (func (export "shout") (param $ptr i32) (param $len i32) (result i64) (local $i i32) (local $c i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $c (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
        (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len)))))`

async function setup() {
  const rt = await createRuntime()
  const text = rt.compile(readFileSync(cGuest('text')))
  return { rt, text }
}

describe('bytes in and out', () => {
  it('passes bytes to a C guest and reads its result through the allocate convention', async () => {
    const { rt, text } = await setup()
    expect(dec.decode(await rt.callBytes(text, 'upper', enc.encode('hello, wasm')))).toBe('HELLO, WASM')
    expect(Array.from(await rt.callBytes(text, 'reverse', Uint8Array.of(1, 2, 3, 255)))).toEqual([255, 3, 2, 1])
    expect(await rt.callBytes(text, 'upper', new Uint8Array(0))).toEqual(new Uint8Array(0))
  })

  it('puts strings and JSON on top of bytes', async () => {
    const { rt, text } = await setup()
    expect(await rt.callString(text, 'upper', 'grüße')).toBe('GRüßE')
    expect(await rt.callJson(text, 'sum_json', [1, 2, 3, -10])).toEqual({ count: 4, sum: -4 })
    expect(await rt.executor.callString(text, 'reverse', 'abc')).toBe('cba')
  })

  it('frees the input and the output buffers through deallocate when the guest exports it', async () => {
    const { text } = await setup()
    const store = new Store(text.engine)
    const instance = store.instantiate(text)
    expect(instance.call('live')).toBe(0)
    expect(dec.decode(instance.callBytes('upper', enc.encode('abc')))).toBe('ABC')
    expect(instance.call('live')).toBe(0)
    expect(dec.decode(await instance.callBytesAsync('reverse', enc.encode('abc')))).toBe('cba')
    expect(instance.call('live')).toBe(0)
  })

  it('works with the Rust-style WAT guest of the README, which owns its buffers', async () => {
    const rt = await createRuntime()
    const mod = rt.compile(WAT_GUEST)
    expect(await rt.callString(mod, 'shout', 'quiet please')).toBe('QUIET PLEASE')
  })

  it('reports a result outside memory, and a guest without allocate, as AbiError', async () => {
    const { rt, text } = await setup()
    await expect(rt.callBytes(text, 'bad_result', enc.encode('x'))).rejects.toBeInstanceOf(AbiError)
    await expect(rt.callBytes(text, 'bad_result', enc.encode('x'))).rejects.toMatchObject({ code: 'abi_error', message: expect.stringMatching(/outside its memory/) })
    const noAlloc = rt.compile('(module (memory (export "memory") 1) (func (export "f") (param i32 i32) (result i64) i64.const 0))')
    await expect(rt.callBytes(noAlloc, 'f', enc.encode('x'))).rejects.toMatchObject({ code: 'abi_error', message: expect.stringMatching(/allocate/) })
    const wrongType = rt.compile('(module (memory (export "memory") 1) (func (export "allocate") (param i32) (result i32) i32.const 0) (func (export "f") (param i32) (result i32) i32.const 0))')
    await expect(rt.callBytes(wrongType, 'f', enc.encode('x'))).rejects.toMatchObject({ code: 'abi_error', message: expect.stringMatching(/type/) })
    const badAlloc = rt.compile('(module (memory (export "memory") 1) (func (export "allocate") (param i32) (result i32) i32.const 65530) (func (export "f") (param i32 i32) (result i64) i64.const 0))')
    await expect(rt.callBytes(badAlloc, 'f', new Uint8Array(100))).rejects.toBeInstanceOf(AbiError)
  })

  it('reports output that is not JSON as AbiError, and input that is not bytes as InvalidArgumentError', async () => {
    const { rt, text } = await setup()
    await expect(rt.callJson(text, 'reverse', { a: 1 })).rejects.toBeInstanceOf(AbiError)
    await expect(rt.callBytes(text, 'upper', 'text' as never)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(rt.callJson(text, 'sum_json', () => 1)).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  it('maps over byte inputs with the bytes codec', async () => {
    const { rt, text } = await setup()
    const out: string[] = []
    for await (const r of rt.executor.map(text, 'upper', ['a', 'b', 'c'], { codec: 'string', ordered: true })) out.push(r.ok ? (r.value as string) : 'error')
    expect(out).toEqual(['A', 'B', 'C'])
  })

  it('cancels a bytes call whose signal is already aborted', async () => {
    const { rt, text } = await setup()
    await expect(rt.callBytes(text, 'upper', enc.encode('x'), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError)
  })
})

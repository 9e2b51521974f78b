import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { ByteStream, CancelledError, createRuntime, InvalidArgumentError, poolStats, TrapError } from '@cybernetic/wasm'
import { cGuest } from '../scripts/lib/c-guests.mjs'

const expected = (k: number) => (k * 7 + (k >>> 12)) & 0xff

async function setup() {
  const rt = await createRuntime()
  return { rt, stream: rt.compile(readFileSync(cGuest('stream'))), lines: rt.compile(readFileSync(cGuest('lines'))) }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('result streams', () => {
  it('holds a fast guest to a slow reader: bounded memory, every byte delivered in order', async () => {
    const { rt, stream } = await setup()
    const total = 4 << 20
    const chunk = 4096
    const highWaterMark = 64 * 1024
    const { output, result } = rt.executor.stream(stream, 'produce', [total, chunk], { highWaterMark, timeout: null })
    let settled = false
    void result.finally(() => (settled = true))
    let k = 0
    let chunks = 0
    let pausedWhileRunning = 0
    for await (const c of output) {
      for (let i = 0; i < c.length; i++, k++) {
        if (c[i] !== expected(k)) throw new Error(`byte ${k} is ${c[i]}, expected ${expected(k)}`)
      }
      // The stream never holds more than its bound plus the chunk that crossed it.
      expect(output.buffered).toBeLessThanOrEqual(highWaterMark + chunk)
      if (++chunks % 128 === 0) {
        // A slow reader: the guest waits in emit meanwhile, it does not finish.
        await sleep(20)
        if (!settled) pausedWhileRunning++
        expect(output.buffered).toBeLessThanOrEqual(highWaterMark + chunk)
      }
    }
    expect(k).toBe(total)
    expect(await result).toBe(total)
    expect(output.peakBuffered).toBeLessThanOrEqual(highWaterMark + chunk)
    expect(output.totalBytes).toBe(total)
    // The guest was still running during the reader's pauses (it was held back, not done).
    expect(pausedWhileRunning).toBeGreaterThan(5)
  })

  it('streams WASI stdout and stderr of a command in order', async () => {
    const { rt, lines } = await setup()
    const { stdout, stderr, result } = rt.executor.streamRun(lines, { args: ['20000'], highWaterMark: 16 * 1024 })
    const read = async (s: ByteStream) => {
      let text = ''
      const dec = new TextDecoder()
      for await (const c of s) text += dec.decode(c, { stream: true })
      return text
    }
    const [out, err] = await Promise.all([read(stdout), read(stderr)])
    const outLines = out.trimEnd().split('\n')
    expect(outLines.length).toBe(20000)
    outLines.forEach((l, i) => expect(l).toBe(`out ${i}`))
    expect(err.trimEnd().split('\n')).toEqual(Array.from({ length: 2000 }, (_, i) => `err ${i * 10}`))
    expect((await result).exitCode).toBe(0)
  })

  it('cancels the call when the reader leaves the loop early', async () => {
    const { rt, stream } = await setup()
    const { output, result } = rt.executor.stream(stream, 'produce', [64 << 20, 4096], { highWaterMark: 16 * 1024, timeout: null })
    let n = 0
    for await (const c of output) {
      n += c.length
      if (n > 100_000) break
    }
    expect(output.cancelled).toBe(true)
    await expect(result).rejects.toBeInstanceOf(CancelledError)
    for (let i = 0; i < 200 && poolStats().busy > 0; i++) await sleep(2)
    expect(poolStats().busy).toBe(0)
  })

  it('throws the call error from the stream after the chunks that came before it', async () => {
    const { rt } = await setup()
    const mod = rt.compile(`(module (import "cwasm" "emit" (func $emit (param i32 i32)))
      (memory (export "memory") 1) (data (i32.const 0) "partial")
      (func (export "go") (call $emit (i32.const 0) (i32.const 7)) unreachable))`)
    const { output, result } = rt.executor.stream(mod, 'go')
    const got: string[] = []
    const loop = (async () => {
      for await (const c of output) got.push(new TextDecoder().decode(c))
    })()
    await expect(loop).rejects.toBeInstanceOf(TrapError)
    expect(got).toEqual(['partial'])
    await expect(result).rejects.toBeInstanceOf(TrapError)
  })

  it('takes a ByteStream as a WASI stdout of rt.run', async () => {
    const { rt, lines } = await setup()
    const s = new ByteStream({ highWaterMark: 1024 })
    const run = rt.run(lines, { args: ['500', '3'], stdout: s.write })
    void run.finally(() => s.end())
    let text = ''
    for await (const c of s) text += new TextDecoder().decode(c)
    expect(text.split('\n').length).toBe(501)
    expect((await run).exitCode).toBe(3)
  })

  it('refuses a highWaterMark that is not a positive whole number', () => {
    expect(() => new ByteStream({ highWaterMark: 0 })).toThrow(InvalidArgumentError)
    expect(() => new ByteStream({ highWaterMark: 1.5 })).toThrow(InvalidArgumentError)
  })
})

import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CancelledError,
  CapabilityError,
  ExitError,
  InvalidArgumentError,
  TimeoutError,
  TrapError,
  createRuntime,
  type AuditRecord,
} from '@cybernetic/wasm'

const rt = await createRuntime()

/** What `p` rejects with; fails the test if it resolves. */
async function rejection(p: Promise<unknown>): Promise<any> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${String(v)}`)
    },
    (e: unknown) => e,
  )
}
const tmp = mkdtempSync(join(tmpdir(), 'cwasm-run-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const WASI = 'wasi_snapshot_preview1'
const FD_WRITE = `(import "${WASI}" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))`
const PROC_EXIT = `(import "${WASI}" "proc_exit" (func $proc_exit (param i32)))`

/** A command writing `text` to `fd` (1 or 2), then running `tail`. */
function writer(text: string, { fd = 1, tail = '', imports = '' } = {}): string {
  const bytes = Buffer.from(text)
  return `(module ${FD_WRITE} ${PROC_EXIT} ${imports}
    (memory (export "memory") 1)
    (data (i32.const 64) "${[...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('')}")
    (func (export "_start")
      (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const ${bytes.length}))
      (drop (call $fd_write (i32.const ${fd}) (i32.const 0) (i32.const 1) (i32.const 8)))
      ${tail}))`
}

describe('rt.run', () => {
  it('returns a command’s exit code 0 and what it wrote to stdout and stderr', async () => {
    const r = await rt.run(rt.compile(writer('hello\n')))
    expect(r.exitCode).toBe(0)
    expect(r.stdout.toString()).toBe('hello\n')
    expect(r.stderr.length).toBe(0)
    expect(r.audit).toEqual([])
    const e = await rt.run(rt.compile(writer('oops', { fd: 2 })))
    expect(e.stderr.toString()).toBe('oops')
  })

  it('resolves a proc_exit code as the result, not an error', async () => {
    const r = await rt.run(rt.compile(writer('bye', { tail: '(call $proc_exit (i32.const 3))' })))
    expect(r.exitCode).toBe(3)
    expect(r.stdout.toString()).toBe('bye')
  })

  it('keeps what the guest wrote before it trapped on the error', async () => {
    const err = await rejection(rt.run(rt.compile(writer('partial', { tail: 'unreachable' }))))
    expect(err).toBeInstanceOf(TrapError)
    expect(err.code).toBe('unreachable')
    expect(err.output.stdout.toString()).toBe('partial')
  })

  it('refuses what is not granted by default and audits it', async () => {
    const mod = rt.compile(`(module
      (import "${WASI}" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
      (import "${WASI}" "random_get" (func $rand (param i32 i32) (result i32)))
      (memory (export "memory") 1)
      (global (export "errnos") (mut i32) (i32.const 0))
      (func (export "_start")
        (global.set 0 (i32.add (call $env (i32.const 0) (i32.const 4)) (i32.mul (i32.const 1000) (call $rand (i32.const 8) (i32.const 8)))))))`)
    const seen: AuditRecord[] = []
    const listener = (r: AuditRecord) => seen.push(r)
    rt.audit.on('record', listener)
    const r = await rt.run(mod)
    rt.audit.off('record', listener)
    expect(r.exitCode).toBe(0)
    // An environment that is not granted is an empty one (wasi-libc would exit on an error); still audited.
    expect(r.audit.map((a) => [a.function, a.capability, a.errnoName])).toEqual([
      ['environ_sizes_get', 'env', 'success'],
      ['random_get', 'random', 'notcapable'],
    ])
    expect(seen).toEqual(r.audit)
    expect(r.audit[0]!.moduleHash).toBe(mod.hash)
    // Granted, they answer.
    const ok = await rt.run(mod, { env: {}, random: true })
    expect(ok.audit).toEqual([])
  })

  it('refuses at load in strict mode, listing each import and the key that grants it', async () => {
    const mod = rt.compile(`(module
      (import "${WASI}" "environ_get" (func (param i32 i32) (result i32)))
      (import "${WASI}" "clock_time_get" (func (param i32 i64 i32) (result i32)))
      (import "${WASI}" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1) (func (export "_start")))`)
    const before = rt.audit.size
    const err = await rejection(rt.run(mod, { mode: 'strict' }))
    expect(err).toBeInstanceOf(CapabilityError)
    expect(err.code).toBe('capability_denied')
    expect(err.imports.map((i: { name: string; grantKey: string }) => [i.name, i.grantKey])).toEqual([
      ['environ_get', 'capabilities.env'],
      ['clock_time_get', 'capabilities.clocks'],
    ])
    expect(err.message).toMatch(/environ_get \(env; granted by capabilities\.env\)/)
    expect(rt.audit.size - before).toBe(2)
    expect(rt.audit.records().at(-1)!.errnoName).toBe('refused_at_load')
    // fd_write is judged per descriptor, never at load; granting the rest lets it load.
    await expect(rt.run(mod, { mode: 'strict', env: {}, clocks: true })).resolves.toMatchObject({ exitCode: 0 })
  })

  it('streams output to a function, the guest waiting while an async consumer is slow', async () => {
    const mod = rt.compile(`(module ${FD_WRITE}
      (memory (export "memory") 1) (data (i32.const 64) "chunk;")
      (func (export "_start") (local $i i32)
        (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 6))
        (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 20))))))`)
    const chunks: string[] = []
    let inFlight = 0
    let maxInFlight = 0
    const r = await rt.run(mod, {
      stdout: async (chunk) => {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        await sleep(2)
        chunks.push(Buffer.from(chunk).toString())
        inFlight--
      },
    })
    expect(r.exitCode).toBe(0)
    expect(chunks.join('')).toBe('chunk;'.repeat(20))
    expect(maxInFlight).toBe(1)
    expect(r.stdout.length).toBe(0)
  })

  it('feeds stdin from bytes, a string or an async iterable', async () => {
    // Copies stdin to stdout in reads of up to 5 bytes.
    const cat = rt.compile(`(module
      (import "${WASI}" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
      ${FD_WRITE} (memory (export "memory") 1)
      (func (export "_start")
        (loop $l
          (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 5))
          (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
          (if (i32.load (i32.const 16)) (then
            (i32.store (i32.const 4) (i32.load (i32.const 16)))
            (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
            (br $l))))))`)
    expect((await rt.run(cat, { stdin: 'hello world' })).stdout.toString()).toBe('hello world')
    expect((await rt.run(cat, { stdin: new Uint8Array([65, 66, 67]) })).stdout.toString()).toBe('ABC')
    async function* slow() {
      for (const part of ['one ', 'two ', 'three']) {
        await sleep(1)
        yield part
      }
    }
    expect((await rt.run(cat, { stdin: slow() })).stdout.toString()).toBe('one two three')
    expect((await rt.run(cat)).stdout.length).toBe(0)
    const denied = await rt.run(cat, { stdin: 'deny' })
    expect(denied.audit.map((a) => a.function)).toEqual(['fd_read'])
  })

  it('cuts captured output at maxOutput and audits the refusal', async () => {
    const r = await rt.run(rt.compile(writer('0123456789', { tail: '(drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))' })), { maxOutput: 4 })
    expect(r.stdout.toString()).toBe('0123')
    expect(r.audit.map((a) => a.errnoName)).toEqual(['success', 'fbig'])
  })

  it('ends a guest sleeping past its deadline with a TimeoutError, and one cancelled with a CancelledError', async () => {
    const sleeper = rt.compile(`(module
      (import "${WASI}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (i64.store (i32.const 64) (i64.const 1)) (i32.store8 (i32.const 72) (i32.const 0))
        (i32.store (i32.const 80) (i32.const 1)) (i64.store (i32.const 88) (i64.const 60000000000))
        (drop (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160)))))`)
    const t0 = Date.now()
    await expect(rt.run(sleeper, { clocks: true, timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
    const ac = new AbortController()
    setTimeout(() => ac.abort(new Error('enough')), 30)
    const err = await rejection(rt.run(sleeper, { clocks: true, signal: ac.signal }))
    expect(err).toBeInstanceOf(CancelledError)
    expect(Date.now() - t0).toBeLessThan(3000)
  })

  it('gives a reactor’s exports their WASI world, _initialize first', async () => {
    const reactor = rt.compile(`(module ${FD_WRITE}
      (memory (export "memory") 1) (global $ready (mut i32) (i32.const 0)) (data (i32.const 64) "hi")
      (func (export "_initialize") (global.set $ready (i32.const 41)))
      (func (export "work") (result i32)
        (i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 2))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.add (global.get $ready) (i32.const 1))))`)
    expect(await rt.call(reactor, 'work')).toBe(42)
    const r = await rt.run(reactor, { invoke: 'work' })
    expect(r.value).toBe(42)
    expect(r.stdout.toString()).toBe('hi')
  })

  it('reports proc_exit from a plain call as an ExitError', async () => {
    const m = rt.compile(`(module ${PROC_EXIT} (memory (export "memory") 1) (func (export "quit") (call $proc_exit (i32.const 9))))`)
    const err = await rejection(rt.call(m, 'quit'))
    expect(err).toBeInstanceOf(ExitError)
    expect(err.exitCode).toBe(9)
  })

  it('preopens host directories read-only by default', async () => {
    const dir = join(tmp, 'ro')
    mkdirSync(dir, { recursive: true })
    const mkdir = rt.compile(`(module
      (import "${WASI}" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
      (memory (export "memory") 1) (data (i32.const 64) "made")
      (global (export "errno") (mut i32) (i32.const -1))
      (func (export "_start") (global.set 0 (call $mkdir (i32.const 3) (i32.const 64) (i32.const 4)))))`)
    const ro = await rt.run(mkdir, { preopens: [{ host: dir, guest: '/d' }] })
    expect(ro.audit.map((a) => [a.function, a.path])).toEqual([['path_create_directory', 'made']])
    const rw = await rt.run(mkdir, { preopens: [{ host: dir, guest: '/d', readOnly: false }] })
    expect(rw.audit).toEqual([])
  })

  it('rejects bad run options with the option’s path', async () => {
    const mod = rt.compile(writer('x'))
    const cases: [object, string][] = [
      [{ args: 'x' }, 'args'],
      [{ args: ['ok', 3] }, 'args[1]'],
      [{ env: { A: 1 } }, 'env.A'],
      [{ preopens: [{ host: '', guest: '/x' }] }, 'preopens[0].host'],
      [{ preopens: [{ host: '/tmp', guest: '/x', bogus: 1 }] }, 'preopens[0].bogus'],
      [{ stdout: 'loud' }, 'stdout'],
      [{ stdin: 42 }, 'stdin'],
      [{ maxOutput: -1 }, 'maxOutput'],
      [{ timeout: 0 }, 'timeout'],
      [{ mode: 'lax' }, 'mode'],
      [{ clocks: 'yes' }, 'clocks'],
      [{ nope: true }, 'nope'],
    ]
    for (const [o, path] of cases) {
      const err = await rejection(rt.run(mod, o as never))
      expect(err, JSON.stringify(o)).toBeInstanceOf(InvalidArgumentError)
      expect(err.path).toBe(path)
    }
  })
})

describe('plugins', () => {
  function plugin(name: string, manifest: string, wat: string): string {
    const dir = join(tmp, name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'manifest.toml'), manifest)
    writeFileSync(join(dir, 'plugin.wat'), wat)
    return dir
  }

  const ENV_READER = `(module
    (import "${WASI}" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
    (import "${WASI}" "environ_get" (func $get (param i32 i32) (result i32)))
    ${FD_WRITE} (memory (export "memory") 1)
    (func (export "_start")
      (if (call $sizes (i32.const 0) (i32.const 4)) (then return))
      (if (call $get (i32.const 16) (i32.const 256)) (then return))
      (if (i32.eqz (i32.load (i32.const 0))) (then return))
      (i32.store (i32.const 32) (i32.const 256)) (i32.store (i32.const 36) (i32.sub (i32.load (i32.const 4)) (i32.const 1)))
      (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))))`

  it('runs a plugin in the sandbox its manifest asks for', async () => {
    const dir = plugin('envy', '[module]\nname = "envy"\n[capabilities]\nenv = ["MODE=fast"]\n', ENV_READER)
    const p = await rt.loadPlugin(dir, { policy: { env: ['MODE'] } })
    expect(p.name).toBe('envy')
    expect(p.sandbox.env).toEqual([{ name: 'MODE', value: 'fast' }])
    const r = await rt.run(p)
    expect(r.stdout.toString()).toBe('MODE=fast')
    expect(r.audit).toEqual([])
  })

  it('refuses a manifest asking for more than the policy allows, naming both keys', async () => {
    const dir = plugin('greedy', '[module]\nname = "greedy"\n[capabilities]\nclocks = true\n', writer('x'))
    const err = await rejection(rt.loadPlugin(dir))
    expect(err).toBeInstanceOf(CapabilityError)
    expect(err.manifestKey).toBe('capabilities.clocks')
    expect(err.policyKey).toBe('policy.clocks')
    expect(err.message).toContain('manifest.toml:4:10')
  })

  it('refuses a strict plugin importing what its sandbox lacks, at load of the run', async () => {
    const dir = plugin('noenv', '[module]\nname = "noenv"\n', ENV_READER)
    const p = await rt.loadPlugin(dir)
    const err = await rejection(rt.run(p))
    expect(err).toBeInstanceOf(CapabilityError)
    expect(err.imports.map((i: { name: string }) => i.name)).toEqual(['environ_sizes_get', 'environ_get'])
    // A permissive policy stubs them instead, and audits each call.
    const lax = await rt.loadPlugin(dir, { policy: { mode: 'permissive' } })
    const r = await rt.run(lax)
    expect(r.audit.map((a) => [a.function, a.errnoName])).toEqual([
      ['environ_sizes_get', 'success'],
      ['environ_get', 'success'],
    ])
    expect(r.stdout.length).toBe(0)
  })

  it('does not let run options widen a plugin’s sandbox', async () => {
    const dir = plugin('narrow', '[module]\nname = "narrow"\n', writer('x'))
    const p = await rt.loadPlugin(dir)
    for (const o of [{ clocks: true }, { random: true }, { env: { A: 'b' } }, { preopens: [{ host: tmp, guest: '/t' }] }, { args: ['x'] }, { stdout: 'inherit' as const }]) {
      await expect(rt.run(p, o), JSON.stringify(o)).rejects.toBeInstanceOf(CapabilityError)
    }
  })

  it('holds a plugin to its limits: instances, memory, fuel and time', async () => {
    const grower = `(module (memory (export "memory") 1) (func (export "_start") (drop (memory.grow (i32.const 100)))))`
    const dir = plugin('small', '[module]\nname = "small"\n[limits]\nmemory = 1000000\n', grower)
    const p = await rt.loadPlugin(dir, { policy: { limits: { memory: 2_000_000 } } })
    await expect(rt.run(p)).rejects.toMatchObject({ code: 'memory_limit' })

    const spin = `(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))`
    const fuel = await rt.loadPlugin(plugin('fuel', '[module]\nname = "fuel"\n[limits]\nfuel = 100000\n', spin))
    await expect(rt.run(fuel)).rejects.toMatchObject({ code: 'fuel_exhausted' })
    const time = await rt.loadPlugin(plugin('time', '[module]\nname = "time"\n[limits]\ntime_ms = 30\n', spin))
    await expect(rt.run(time)).rejects.toBeInstanceOf(TimeoutError)

    const one = await rt.loadPlugin(plugin('one', '[module]\nname = "one"\n[limits]\ninstances = 1\ntime_ms = 200\n', spin))
    const first = rt.run(one).catch((e) => e)
    await expect(rt.run(one)).rejects.toMatchObject({ code: 'memory_limit' })
    expect(await first).toBeInstanceOf(TimeoutError)
    expect(one.live).toBe(0)
  })

  it('asks the manifest for the host-function namespaces a plugin imports', async () => {
    const wat = `(module (import "host" "add" (func $add (param i32 i32) (result i32))) (memory (export "memory") 1)
      (func (export "sum") (result i32) (call $add (i32.const 40) (i32.const 2))))`
    const asked = plugin('host-ok', '[module]\nname = "host-ok"\nentry = "sum"\n[capabilities]\nimports = ["host"]\n', wat)
    const p = await rt.loadPlugin(asked, { policy: { imports: ['host'] } })
    expect(await rt.call(p, undefined, [], { imports: { host: { add: (a: number, b: number) => a + b } } })).toBe(42)
    const unasked = plugin('host-no', '[module]\nname = "host-no"\nentry = "sum"\n', wat)
    const q = await rt.loadPlugin(unasked, { policy: { imports: ['host'] } })
    const err = await rejection(rt.call(q, undefined, [], { imports: { host: { add: () => 0 } } }))
    expect(err).toBeInstanceOf(CapabilityError)
    expect(err.imports[0]).toMatchObject({ module: 'host', name: 'add', grantKey: 'capabilities.imports' })
  })

  it('refuses a module with a memory when the manifest says memory = false', async () => {
    const dir = plugin('nomem', '[module]\nname = "nomem"\n[capabilities]\nmemory = false\n', '(module (memory 1) (func (export "_start")))')
    const p = await rt.loadPlugin(dir)
    const err = await rejection(rt.run(p))
    expect(err).toBeInstanceOf(CapabilityError)
    expect(err.imports[0].grantKey).toBe('capabilities.memory')
  })
})

describe('the audit log', () => {
  it('is bounded and counts what it dropped', async () => {
    const { AuditLog } = await import('@cybernetic/wasm')
    const log = new AuditLog({ capacity: 3 })
    log.add([1, 2, 3, 4, 5].map(rec), 4)
    expect(log.records().map((r) => r.reason)).toEqual(['3', '4', '5'])
    expect(log.size).toBe(3)
    expect(log.dropped).toBe(2 + 4)
    log.clear()
    expect([log.size, log.dropped]).toEqual([0, 0])
  })

  it('yields records to a live iterator as they arrive, and lets go of it on break', async () => {
    const { AuditLog } = await import('@cybernetic/wasm')
    const log = new AuditLog({ capacity: 10 })
    const got: string[] = []
    const reading = (async () => {
      for await (const r of log) {
        got.push(r.reason)
        if (got.length === 5) break
      }
    })()
    await sleep(1)
    log.add([1, 2].map(rec))
    await sleep(1)
    log.add([3, 4, 5, 6].map(rec))
    await Promise.race([reading, sleep(5000).then(() => { throw new Error('the iterator never finished') })])
    expect(got).toEqual(['1', '2', '3', '4', '5'])
    expect(log.listenerCount('record')).toBe(0)
  })
})

function rec(n: number): AuditRecord {
  return { time: n, module: null, moduleHash: '', function: 'fd_write', capability: 'fs-write', fd: 1, path: null, errno: 76, errnoName: 'notcapable', reason: String(n) }
}

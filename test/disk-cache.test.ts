// The on-disk module cache through the runtime: a second process starts
// from verified entries; bad entries are detected, recompiled and reported.
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRuntime, registryStats, type CacheRejection } from '@cybernetic/wasm'

const root = fileURLToPath(new URL('..', import.meta.url))

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'cwasm-disk-cache-'))
}

/** A module no other test uses (so no process registry has it). */
function moduleText(tag: string): string {
  return `(module (func (export "f") (result i32) i32.const ${tag.length}) (func (export "${tag}")))`
}

/** Runs a child process that loads `file` with the cache in `dir`; prints its cache stats as JSON. */
function child(dir: string, file: string): Promise<{ hits: number; misses: number; writes: number; result: number }> {
  const script = `
    import { createRuntime } from '@cybernetic/wasm'
    const rt = await createRuntime({ cacheDir: ${JSON.stringify(dir)} })
    const mod = await rt.loadModule(${JSON.stringify(file)})
    const result = await rt.call(mod, 'f')
    const s = rt.cache.stats()
    console.log(JSON.stringify({ hits: s.hits, misses: s.misses, writes: s.writes, result }))`
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    p.stdout.on('data', (b) => (out += b))
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))))
  })
}

describe('the disk cache', () => {
  it('lets a second process load what the first compiled, without compiling', async () => {
    const dir = tmp()
    const file = join(dir, 'm.wat')
    writeFileSync(file, moduleText('second_process'))
    const first = await child(join(dir, 'cache'), file)
    expect(first).toMatchObject({ misses: 1, hits: 0, writes: 1, result: 14 })
    const second = await child(join(dir, 'cache'), file)
    expect(second).toMatchObject({ misses: 0, hits: 1, writes: 0, result: 14 })
    expect(statSync(join(dir, 'cache')).mode & 0o777).toBe(0o700)
  })

  it('leaves one valid entry when two processes fill it at once', async () => {
    const dir = tmp()
    const file = join(dir, 'm.wat')
    writeFileSync(file, moduleText('two_at_once'))
    const both = await Promise.all([child(join(dir, 'cache'), file), child(join(dir, 'cache'), file)])
    expect(both.map((r) => r.result)).toEqual([11, 11])
    const entries = readdirSync(join(dir, 'cache'))
    expect(entries.filter((f) => f.endsWith('.cwasm'))).toHaveLength(1)
    expect(entries.filter((f) => f.endsWith('.tmp'))).toHaveLength(0)
    expect(await child(join(dir, 'cache'), file)).toMatchObject({ hits: 1, misses: 0 })
  })

  it('detects a truncated, bit-flipped or swapped entry, recompiles and reports it', async () => {
    const dir = tmp()
    const rt = await createRuntime({ cacheDir: dir })
    const a = moduleText('entry_a')
    const b = moduleText('entry_bb')
    // Fill the cache from fresh processes' point of view: compile in a child.
    writeFileSync(join(dir, 'a.wat'), a)
    writeFileSync(join(dir, 'b.wat'), b)
    await child(dir, join(dir, 'a.wat'))
    await child(dir, join(dir, 'b.wat'))
    const [entryA, entryB] = readdirSync(dir).filter((f) => f.endsWith('.cwasm')).sort()
    const files = { a: '', b: '' }
    // Which entry is which: the name starts with the module's hash.
    for (const f of [entryA!, entryB!]) {
      const m = rt.compile(a)
      files[f.startsWith(m.hash) ? 'a' : 'b'] = join(dir, f)
    }
    const good = readFileSync(files.a)
    const flipped = Buffer.from(good)
    flipped[flipped.length >> 1]! ^= 0x10
    const cases: [string, Uint8Array, string][] = [
      ['truncated', good.subarray(0, good.length - 64), 'bad_signature'],
      ['bit-flipped', flipped, 'bad_signature'],
      ['swapped for another module', readFileSync(files.b), 'wrong_module'],
    ]
    for (const [what, entry, problem] of cases) {
      writeFileSync(files.a, entry)
      const script = `
        import { createRuntime } from '@cybernetic/wasm'
        const rt = await createRuntime({ cacheDir: ${JSON.stringify(dir)} })
        const seen = []
        rt.cache.on('rejected', (r) => seen.push(r))
        const mod = await rt.loadModule(${JSON.stringify(join(dir, 'a.wat'))})
        console.log(JSON.stringify({ seen, result: await rt.call(mod, 'f'), stats: rt.cache.stats() }))`
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
        let o = ''
        p.stdout.on('data', (d) => (o += d))
        p.on('close', (code) => (code === 0 ? resolve(o) : reject(new Error(`${what}: child exited ${code}`))))
      })
      const r = JSON.parse(out) as { seen: CacheRejection[]; result: number; stats: { rejected: number; misses: number; writes: number } }
      expect(r.result, what).toBe(7)
      expect(r.seen.map((x) => x.problem), what).toEqual([problem])
      expect(r.seen[0]!.file, what).toBe(join(dir, 'a.wat'))
      expect(r.stats, what).toMatchObject({ rejected: 1, misses: 1, writes: 1 })
      // The entry was replaced by a good one.
      expect((await child(dir, join(dir, 'a.wat'))).hits, what).toBe(1)
    }
  })

  it('is moved by cacheDir or CWASM_CACHE_DIR, and off with cacheDir: false or cacheCompiledModules: false', async () => {
    const dir = tmp()
    expect((await createRuntime({ cacheDir: dir })).cache!.dir).toBe(dir)
    const saved = process.env['CWASM_CACHE_DIR']
    process.env['CWASM_CACHE_DIR'] = join(dir, 'env')
    try {
      expect((await createRuntime()).cache!.dir).toBe(join(dir, 'env'))
    } finally {
      if (saved === undefined) delete process.env['CWASM_CACHE_DIR']
      else process.env['CWASM_CACHE_DIR'] = saved
    }
    expect((await createRuntime({ cacheDir: false })).cache).toBeNull()
    expect((await createRuntime({ cacheDir: dir, cacheCompiledModules: false })).cache).toBeNull()
    const off = await createRuntime({ cacheDir: false })
    const before = registryStats().compiled
    await off.loadModule(Buffer.from(moduleText('no_disk')))
    expect(registryStats().compiled).toBe(before + 1)
  })

  it('clears its entries and counts them in stats', async () => {
    const dir = tmp()
    const rt = await createRuntime({ cacheDir: dir })
    writeFileSync(join(dir, 'c.wat'), moduleText('to_clear'))
    await child(dir, join(dir, 'c.wat'))
    expect(rt.cache!.stats()).toMatchObject({ entries: 1, dir })
    expect(rt.cache!.clear()).toBe(1)
    expect(rt.cache!.stats().entries).toBe(0)
  })

  it('rejects bad cache options with their path', async () => {
    await expect(createRuntime({ cacheDir: '' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'cacheDir' })
    await expect(createRuntime({ maxCacheSize: -1 })).rejects.toMatchObject({ code: 'invalid_argument', path: 'maxCacheSize' })
    await expect(createRuntime({ trustedKeys: ['x', 3] as never })).rejects.toMatchObject({ code: 'invalid_argument', path: 'trustedKeys' })
  })
})

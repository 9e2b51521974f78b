// Hot reload: a watched module is swapped while calls run, and a broken
// new version never stops the old one from serving.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompileError, createRuntime, type ReloadFailure, type WatchedVersion } from '@cybernetic/wasm'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Version `n` of the module: `version()` returns n, after a little work. */
function version(n: number): string {
  return `(module (func (export "version") (result i32) (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 20000))))
    i32.const ${n}))`
}

/** Writes a file the way build tools do: a temporary file renamed over it. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
}

describe('hot reload', () => {
  it('swaps the module 50 times while calls run, with no failed call and every result from the version it started on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-reload-'))
    const file = join(dir, 'm.wat')
    replace(file, version(0))
    const rt = await createRuntime({ cacheDir: join(dir, 'cache') })
    const w = await rt.watch(file, { debounceMs: 5 })
    const byHash = new Map<string, number>([[w.version.hash, 0]])
    let calls = 0
    let stop = false
    const failures: unknown[] = []
    const caller = async () => {
      while (!stop) {
        const expected = byHash.get(w.version.hash)
        try {
          const got = await rt.call(w, 'version')
          if (got !== expected) failures.push(`a call that started on version ${expected} got ${got}`)
        } catch (e) {
          failures.push(e)
        }
        calls++
      }
    }
    const callers = [caller(), caller(), caller(), caller()]
    for (let n = 1; n <= 50; n++) {
      // Known before the swap, so a call starting right after it can look its version up.
      byHash.set(rt.compile(version(n)).hash, n)
      const reloaded = new Promise<WatchedVersion>((resolve) => w.once('reload', resolve))
      replace(file, version(n))
      const v = await reloaded
      expect(byHash.get(v.hash)).toBe(n)
      expect(v.generation).toBe(n)
      // Let some calls run on this version.
      await new Promise((r) => setTimeout(r, 2))
    }
    stop = true
    await Promise.all(callers)
    w.close()
    expect(failures).toEqual([])
    expect(calls).toBeGreaterThan(100)
    expect(w.version.generation).toBe(50)
  })

  it('keeps the old version serving when the new file does not compile, and reports why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-reload-'))
    const file = join(dir, 'm.wat')
    replace(file, version(1))
    const rt = await createRuntime({ cacheDir: false })
    const w = await rt.watch(file, { debounceMs: 5 })
    const failed = new Promise<ReloadFailure>((resolve) => w.once('failed', resolve))
    replace(file, '(module (func (export "version") (result i32) i64.const 1))')
    const f = await failed
    expect(f.error).toBeInstanceOf(CompileError)
    expect(f.version.generation).toBe(0)
    expect(await rt.call(w, 'version')).toBe(1)
    // A fixed file is picked up again.
    const reloaded = new Promise<WatchedVersion>((resolve) => w.once('reload', resolve))
    replace(file, version(2))
    expect((await reloaded).generation).toBe(1)
    expect(await rt.call(w, 'version')).toBe(2)
    w.close()
    expect(w.closed).toBe(true)
  })

  it('reloads a plugin when its manifest changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-reload-'))
    replace(join(dir, 'plugin.wat'), version(3))
    replace(join(dir, 'manifest.toml'), '[module]\nname = "p"\nentry = "version"\n')
    const rt = await createRuntime({ cacheDir: false })
    const w = await rt.watchPlugin(dir, { debounceMs: 5 })
    expect(await rt.call(w)).toBe(3)
    const reloaded = new Promise<WatchedVersion>((resolve) => w.once('reload', resolve))
    replace(join(dir, 'manifest.toml'), '[module]\nname = "p2"\nentry = "version"\n')
    await reloaded
    expect(w.current.name).toBe('p2')
    w.close()
  })

  it('does not keep the process alive while idle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-reload-'))
    const file = join(dir, 'm.wat')
    replace(file, version(1))
    const script = `
      import { createRuntime } from '@cybernetic/wasm'
      const rt = await createRuntime({ cacheDir: false })
      const w = await rt.watch(${JSON.stringify(file)})
      console.log(await rt.call(w, 'version'))`
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000 })
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('1')
  })
})

// `cwasm run` with WASI guests: wasmtime's grants and flags, our read-only
// preopens, manifests and policies, the audit, and the exit statuses.
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGuests } from './wasi/build-guests.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cwasm = join(root, 'packages/cli/bin/cwasm.js')
let guests: Record<string, string>
beforeAll(async () => {
  guests = await buildGuests()
}, 600_000)

function run(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(process.execPath, [cwasm, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...opts.env },
    input: opts.input ?? '',
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'cwasm-cli-wasi-'))
}

describe('cwasm run of a WASI command', () => {
  it('passes everything after MODULE to the guest, flags included, and exits with its code', () => {
    const r = run(['run', guests.args!, 'one', '-q', '--dir', 'x'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('argc=5')
    expect(r.stdout).toContain('argv[2]: "-q"')
    expect(r.stdout).toContain('argv[3]: "--dir"')
    expect(run(['run', guests.exitcode!, '42']).code).toBe(42)
    expect(run(['run', guests.exitcode!, '0']).code).toBe(0)
  })

  it('gives the guest clocks, random and this process’s stdio, as wasmtime run does', () => {
    const clocks = run(['run', guests.clocks!])
    expect(clocks.code).toBe(0)
    expect(clocks.stdout).toContain('realtime after 2020-01-01: yes')
    const random = run(['run', guests.random!])
    expect(random.code).toBe(0)
    expect(random.stdout).not.toContain('ENOTCAPABLE')
  })

  it('grants a directory with --dir HOST::GUEST and only what --env names', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'hello.txt'), 'hello\n')
    const r = run(['run', '--dir', `${dir}::.`, guests.fileio!])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(readFileSync(join(root, 'test/wasi/expected/fileio.txt'), 'utf8').replace(/^exit=0\n/, ''))
    const env = run(['run', '--env', 'GREETING=hello world', '--env', 'EMPTY=', '--env', 'WITH_EQ', guests.env!], { env: { WITH_EQ: 'a=b', SECRET: 'x' } })
    expect(env.code).toBe(0)
    expect(env.stdout).toContain('getenv GREETING: "hello world"')
    expect(env.stdout).toContain('getenv WITH_EQ: "a=b"')
    expect(env.stdout).not.toContain('SECRET')
  })

  it('keeps a --ro-dir read-only and prints every refusal with --audit', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'ro.txt'), 'read-only\n')
    for (const f of ['ro2.txt', 'ro3.txt']) writeFileSync(join(dir, f), 'x')
    mkdirSync(join(dir, 'full'))
    writeFileSync(join(dir, 'full', 'f.txt'), 'f')
    mkdirSync(join(dir, 'emptydir'))
    const r = run(['run', '--audit', '--ro-dir', `${dir}::.`, guests.esc_readonly!])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('verdict: confined')
    expect(r.stderr).toMatch(/^audit: path_create_directory fd 3 "newdir": perm \(fs-write; /m)
    expect(r.stderr).toMatch(/^audit: \d+ refusal\(s\)$/m)
    expect(readFileSync(join(dir, 'ro.txt'), 'utf8')).toBe('read-only\n')
    expect(existsSync(join(dir, 'newdir'))).toBe(false)
  })

  it('answers ungranted WASI calls with ERRNO_NOTCAPABLE, or refuses them at load with --strict (exit 126)', () => {
    const lax = run(['run', guests.esc_nopreopen!])
    expect(lax.code).toBe(0)
    expect(lax.stdout).toContain('errno=ENOTCAPABLE')
    const strict = run(['run', '--strict', guests.esc_nopreopen!])
    expect(strict.code).toBe(126)
    expect(strict.stderr).toMatch(/^error\[capability_denied\]: .*path_open \(fs-read; granted by capabilities\.filesystem\.read\)/)
  })

  it('exits 134 when the guest is stopped, and 126 when it never started', () => {
    const spin = join(tmp(), 'spin.wat')
    writeFileSync(spin, '(module (memory (export "memory") 1) (func (export "_start") (loop br 0)))')
    const r = run(['run', '--timeout', '100ms', spin])
    expect(r.code).toBe(134)
    expect(r.stderr).toMatch(/^error\[timeout\]/)
    const trap = run(['run', guests.traps!, 'whence'])
    expect(trap.code).toBe(134)
    expect(run(['run', join(tmp(), 'missing.wasm')]).code).toBe(126)
    expect(run(['run', '--dir', '/nonexistent/dir', guests.args!]).code).toBe(126)
  })
})

describe('cwasm run --manifest', () => {
  function plugin(manifest: string): string {
    const dir = tmp()
    copyFileSync(guests.env!, join(dir, 'plugin.wasm'))
    writeFileSync(join(dir, 'manifest.toml'), manifest)
    return dir
  }

  it('runs a plugin in the sandbox its manifest asks for', () => {
    const dir = plugin('[module]\nname = "envy"\n[capabilities]\nenv = ["GREETING=from the manifest"]\n')
    const r = run(['run', '--manifest', join(dir, 'manifest.toml')])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('getenv GREETING: "from the manifest"')
  })

  it('refuses a manifest that asks for more than --policy allows (exit 126)', () => {
    const dir = plugin('[module]\nname = "envy"\n[capabilities]\nenv = ["GREETING=x"]\nclocks = true\n')
    writeFileSync(join(dir, 'policy.toml'), 'env = ["GREETING"]\n')
    const r = run(['run', '--manifest', join(dir, 'manifest.toml'), '--policy', join(dir, 'policy.toml')])
    expect(r.code).toBe(126)
    expect(r.stderr).toMatch(/^error\[capability_denied\]: the manifest asks for capabilities\.clocks \(.*manifest\.toml:5:10\) but the host policy does not allow it \(policy\.clocks\)/)
  })

  it('reports a malformed manifest and a malformed policy with line and column (exit 126)', () => {
    const dir = plugin('[module]\nname = "envy"\n[limits]\nmemory = -5\n')
    const r = run(['run', '--manifest', join(dir, 'manifest.toml')])
    expect(r.code).toBe(126)
    expect(r.stderr).toMatch(/^error\[manifest_error\]: .*manifest\.toml:4:10: limits\.memory must be a whole number/)
    const ok = plugin('[module]\nname = "envy"\n')
    writeFileSync(join(ok, 'policy.toml'), 'clocks = true\nlimits = { memory = "big" }\n')
    const p = run(['run', '--manifest', join(ok, 'manifest.toml'), '--policy', join(ok, 'policy.toml')])
    expect(p.code).toBe(126)
    expect(p.stderr).toMatch(/^error\[manifest_error\]: .*policy\.toml:2:/)
  })
})

// WASI conformance and the escape suite: C guests built with Debian's clang
// for wasm32-wasi (test/wasi/guests), each run under Cybernetic WASM and
// compared with what `wasmtime run` (wasmtime-wasi 48) gave for the same
// case (test/wasi/expected, recorded by test/wasi/record-expected.mjs).
// Escape cases also check the host files afterwards and the audit log.
import { beforeAll, describe, expect, it } from 'vitest'
import { createRuntime, WasmError, type AuditRecord, type RunOptions, type Runtime } from '@cybernetic/wasm'
import { buildGuests } from './wasi/build-guests.mjs'
import { CASES, readExpected, runCase, type Case, type RunRequest, type RunResult } from './wasi/cases.mjs'

let rt: Runtime
let guests: Record<string, string>
beforeAll(async () => {
  rt = await createRuntime()
  guests = await buildGuests()
}, 600_000)

/** The audit records of the last run, by case id. */
const audits = new Map<string, AuditRecord[]>()

/** Runs a case as `cwasm run` would, but captured: wasmtime's grants (args, clocks, random) plus the case's. */
function runner(id: string, extra: RunOptions = {}) {
  return async (req: RunRequest): Promise<RunResult> => {
    const mod = await rt.loadModule(req.wasm)
    const options: RunOptions = {
      argv0: req.argv0,
      args: req.args,
      preopens: req.preopens,
      clocks: true,
      random: true,
      timeout: 60_000,
      ...(req.env ? { env: req.env } : {}),
      ...extra,
    }
    try {
      const r = await rt.run(mod, options)
      audits.set(id, r.audit)
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }
    } catch (e) {
      if (!(e instanceof WasmError) || !e.output) throw e
      audits.set(id, [])
      return { exitCode: -1, stdout: e.output.stdout, stderr: e.output.stderr, trap: true }
    }
  }
}

/**
 * Where the sandbox answers differently from `wasmtime run` on purpose; each
 * rewrites wasmtime's expected text into ours. Everything else must match.
 */
const DEVIATIONS: Record<string, { why: string; rewrite: (expected: string) => string }> = {
  // With no preopen the filesystem is not granted: path functions are the
  // permissive stubs, ERRNO_NOTCAPABLE, where wasmtime finds no descriptor.
  esc_nopreopen: {
    why: 'path functions without a filesystem grant answer ERRNO_NOTCAPABLE (stubs), not EBADF',
    rewrite: (t) => t.replace(/^(path_open\(.*\)): errno=EBADF$/gm, '$1: errno=ENOTCAPABLE'),
  },
  // Sockets are never granted: every socket call is refused the same way.
  esc_sock: { why: 'sockets are refused with ERRNO_NOTCAPABLE', rewrite: (t) => t.replace(/errno=(57 ENOTSOCK|8 EBADF)$/gm, 'errno=76 ENOTCAPABLE') },
  'esc_sock-preopen': { why: 'sockets are refused with ERRNO_NOTCAPABLE', rewrite: (t) => t.replace(/errno=(57 ENOTSOCK|8 EBADF)$/gm, 'errno=76 ENOTCAPABLE') },
}

async function check(c: Case): Promise<{ text: string; hostChanges: string[] }> {
  const recorded = readExpected(c.id)
  expect(recorded, `no expected output recorded for ${c.id}`).not.toBeNull()
  const expected = DEVIATIONS[c.id]?.rewrite(recorded!) ?? recorded
  const { text, hostChanges } = await runCase(c, guests[c.guest]!, runner(c.id))
  expect(text).toBe(expected)
  return { text, hostChanges }
}

describe('WASI conformance: the same results as wasmtime run', () => {
  for (const c of CASES.filter((c) => c.kind === 'conformance')) {
    it(`gives ${c.id} what wasmtime gives`, async () => {
      await check(c)
    })
  }
})

/** The audit records each escape case must leave: what was refused, and how. */
const AUDITED: Record<string, (records: AuditRecord[]) => void> = {
  esc_dotdot: (r) => {
    expect(r.some((a) => a.function === 'path_open' && a.path === '../outside.txt' && a.errnoName === 'perm')).toBe(true)
    for (const f of ['path_create_directory', 'path_rename', 'path_unlink_file', 'path_link', 'path_symlink']) {
      expect(r.some((a) => a.function === f), f).toBe(true)
    }
  },
  esc_abs: (r) => expect(r.some((a) => a.function === 'path_open' && a.path === '/etc/passwd')).toBe(true),
  esc_symlink: (r) => {
    expect(r.filter((a) => a.function === 'path_open' && a.errnoName === 'perm').length).toBeGreaterThan(3)
  },
  esc_toctou: (r) => expect(r.length).toBeGreaterThan(0),
  esc_readonly: (r) => {
    for (const f of ['path_open', 'path_create_directory', 'path_rename', 'path_unlink_file']) {
      expect(r.some((a) => a.function === f && a.errnoName === 'perm'), f).toBe(true)
    }
  },
  esc_nopreopen: (r) => expect(r.some((a) => a.capability === 'fs-read' || a.capability === 'fs-write')).toBe(true),
  'esc_env-none': (r) => expect(r.some((a) => a.capability === 'env' && a.function === 'environ_sizes_get')).toBe(true),
  esc_sock: (r) => expect(new Set(r.filter((a) => a.capability === 'sockets').map((a) => a.function))).toEqual(new Set(['sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown'])),
  'esc_sock-preopen': (r) => expect(new Set(r.filter((a) => a.capability === 'sockets').map((a) => a.function))).toEqual(new Set(['sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown'])),
}

describe('the escape suite: every attempt refused, the host untouched, the refusal audited', () => {
  for (const c of CASES.filter((c) => c.kind === 'escape')) {
    // esc_readonly-rw shows what a read-write preopen allows (wasmtime has no read-only one): it escapes by design.
    if (c.id === 'esc_readonly-rw') continue
    it(`refuses ${c.id} as wasmtime-wasi does`, async () => {
      const { text, hostChanges } = await check(c)
      if (c.id !== 'esc_output') {
        expect(text).toContain('verdict: confined')
        expect(hostChanges).toEqual([])
      }
      AUDITED[c.id]?.(audits.get(c.id) ?? [])
    })
  }

  it('lets a read-write preopen change what it holds, and nothing outside it', async () => {
    const c = CASES.find((c) => c.id === 'esc_readonly-rw')!
    const { text, hostChanges } = await check(c)
    expect(text).toContain('ESCAPED')
    expect(hostChanges).toEqual([])
  })

  it('cuts a guest writing more than its output cap and audits it', async () => {
    const c = CASES.find((c) => c.id === 'esc_output')!
    const { text } = await runCase(c, guests[c.guest]!, runner('capped', { maxOutput: 1 << 20 }))
    expect(text).toContain("stdout: 1048576 bytes, all 'x': yes")
    expect(text).toMatch(/write .*errno=EFBIG/)
    const r = audits.get('capped')!
    expect(r.some((a) => a.function === 'fd_write' && a.errnoName === 'fbig')).toBe(true)
  })

  it('hides an environment variable that was not granted', async () => {
    const c = CASES.find((c) => c.id === 'esc_env')!
    const { text } = await check(c)
    expect(text).not.toContain('host-secret')
  })
})

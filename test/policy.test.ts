import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CapabilityError, InvalidArgumentError, WasmError, intersect, parseManifest, validatePolicy, type Manifest, type SandboxPolicy } from '@cybernetic/wasm'

let tmp: string
let plugin: string

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'cwasm-policy-')))
  plugin = join(tmp, 'plugin')
  for (const d of ['data/sub', 'out', 'other']) mkdirSync(join(plugin, d), { recursive: true })
})

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

const HEAD = '[module]\nname = "m"\n'

function manifest(body: string): Manifest {
  return parseManifest(`${HEAD}${body}`, { dir: plugin, file: 'manifest.toml' })
}

function denial(m: Manifest, policy: SandboxPolicy): CapabilityError {
  try {
    intersect(m, policy)
  } catch (e) {
    expect(e).toBeInstanceOf(CapabilityError)
    return e as CapabilityError
  }
  throw new Error('intersect did not throw')
}

/** The refusal names both keys, and the manifest key's position when the manifest sets it. */
function refuses(m: Manifest, policy: SandboxPolicy, manifestKey: string, policyKey: string, at: string): CapabilityError {
  const e = denial(m, policy)
  expect(e.code).toBe('capability_denied')
  expect(e).toBeInstanceOf(WasmError)
  expect(e.manifestKey).toBe(manifestKey)
  expect(e.policyKey).toBe(policyKey)
  expect(e.imports).toEqual([])
  expect(e.message).toMatch(new RegExp(`^the manifest asks for ${manifestKey.replace(/[.[\]]/g, '\\$&')}[ =\\d]* \\(manifest\\.toml:${at}\\) but `))
  expect(e.message).toContain(`(${policyKey})`)
  return e
}

describe('policy intersection', () => {
  it('denies by default: {} gives only stdio to the host, no args unless asked, and a memory', () => {
    const s = intersect(manifest(''), {})
    expect(s).toEqual({
      preopens: [], env: null, args: false, stdin: false, stdout: true, stderr: true,
      clocks: false, random: false, imports: [], memory: true, threading: false, limits: {}, mode: 'strict',
    })
  })

  it('grants args and stdin under {} when the manifest asks', () => {
    const s = intersect(manifest('[capabilities]\nargs = true\nstdin = true\n'), {})
    expect([s.args, s.stdin]).toEqual([true, true])
  })

  it('grants what both sides allow', () => {
    const m = manifest(`[capabilities]
filesystem = { read = ["./data", "/in=./data/sub"], write = ["./out"] }
env = ["HOME", "MODE=fast"]
args = ["--x"]
stdout = "inherit"
clocks = true
random = true
imports = ["host"]
[limits]
memory = 1000
`)
    const s = intersect(m, {
      filesystem: { read: [join(plugin, 'data')], write: [join(plugin, 'out')] },
      env: ['HOME', 'MODE'],
      stdout: 'inherit',
      clocks: true,
      random: true,
      imports: ['host', 'other'],
      limits: { memory: 5000, fuel: 10 },
      mode: 'permissive',
    })
    expect(s).toEqual({
      preopens: [
        { guest: 'data', host: join(plugin, 'data'), readOnly: true },
        { guest: '/in', host: join(plugin, 'data', 'sub'), readOnly: true },
        { guest: 'out', host: join(plugin, 'out'), readOnly: false },
      ],
      env: [{ name: 'HOME', value: null }, { name: 'MODE', value: 'fast' }],
      args: ['--x'],
      stdin: false,
      stdout: 'inherit',
      stderr: true,
      clocks: true,
      random: true,
      imports: ['host'],
      memory: true,
      threading: false,
      limits: { memory: 1000, fuel: 10 },
      mode: 'permissive',
    })
  })

  it('lets a read mount lie inside a policy write directory', () => {
    const s = intersect(manifest('[capabilities]\nfilesystem = { read = ["./out"] }\n'), { filesystem: { write: [plugin] } })
    expect(s.preopens).toEqual([{ guest: 'out', host: join(plugin, 'out'), readOnly: true }])
  })

  it('resolves relative policy directories against the working directory', () => {
    const cwd = process.cwd()
    process.chdir(plugin)
    try {
      expect(intersect(manifest('[capabilities]\nfilesystem = { read = ["./data"] }\n'), { filesystem: { read: ['.'] } }).preopens).toHaveLength(1)
    } finally {
      process.chdir(cwd)
    }
  })

  it('gives env true to any name', () => {
    expect(intersect(manifest('[capabilities]\nenv = ["ANY"]\n'), { env: true }).env).toEqual([{ name: 'ANY', value: null }])
  })

  it('takes the policy’s limit where the manifest sets none, and the manifest’s when it is lower', () => {
    const s = intersect(manifest('[limits]\nfuel = 5\n'), { limits: { fuel: 10, timeMs: 100, hostCallBytes: 4096 } })
    expect(s.limits).toEqual({ fuel: 5, timeMs: 100, hostCallBytes: 4096 })
  })

  it('accepts a limit equal to the policy’s maximum', () => {
    expect(intersect(manifest('[limits]\nmemory = 10\n'), { limits: { memory: 10 } }).limits).toEqual({ memory: 10 })
  })

  it('narrows stdout and stderr the manifest leaves at their default instead of refusing', () => {
    const s = intersect(manifest(''), { stdout: false, stderr: false })
    expect([s.stdout, s.stderr]).toEqual([false, false])
  })

  it('allows inheriting stdin when the policy says inherit', () => {
    expect(intersect(manifest('[capabilities]\nstdin = "inherit"\n'), { stdin: 'inherit' }).stdin).toBe('inherit')
  })
})

describe('capability refusals', () => {
  it('refuses clocks the policy does not allow, naming both keys and the manifest position', () => {
    const e = refuses(manifest('[capabilities]\nclocks = true\n'), {}, 'capabilities.clocks', 'policy.clocks', '4:10')
    expect(e.message).toBe('the manifest asks for capabilities.clocks (manifest.toml:4:10) but the host policy does not allow it (policy.clocks)')
  })

  it('refuses random', () => {
    refuses(manifest('[capabilities]\nrandom = true\n'), { clocks: true }, 'capabilities.random', 'policy.random', '4:10')
  })

  it('refuses threading: the policy must allow it, and even then the runtime has none to give', () => {
    refuses(manifest('[capabilities]\nthreading = true\n'), {}, 'capabilities.threading', 'policy.threading', '4:13')
    expect(() => intersect(manifest('[capabilities]\nthreading = true\n'), { threading: true })).toThrow(/has no threads to give/)
  })

  it('refuses any mount when the policy grants no filesystem', () => {
    const m = manifest('[capabilities]\nfilesystem = { read = ["./data"] }\n')
    refuses(m, {}, 'capabilities.filesystem.read[0]', 'policy.filesystem', '4:24')
    refuses(m, { filesystem: false }, 'capabilities.filesystem.read[0]', 'policy.filesystem', '4:24')
  })

  it('refuses a read mount outside every policy directory', () => {
    const m = manifest('[capabilities]\nfilesystem = { read = ["./data", "./other"] }\n')
    const e = refuses(m, { filesystem: { read: [join(plugin, 'data')] } }, 'capabilities.filesystem.read[1]', 'policy.filesystem.read', '4:34')
    expect(e.message).toContain(`${join(plugin, 'other')} mounted read-only as other`)
  })

  it('refuses a write mount that only a policy read directory covers', () => {
    const m = manifest('[capabilities]\nfilesystem = { write = ["./out"] }\n')
    refuses(m, { filesystem: { read: [plugin] } }, 'capabilities.filesystem.write[0]', 'policy.filesystem.write', '4:25')
  })

  it('does not take a sibling with a common prefix for a subdirectory', () => {
    mkdirSync(join(plugin, 'data-2'), { recursive: true })
    const m = manifest('[capabilities]\nfilesystem = { read = ["./data-2"] }\n')
    refuses(m, { filesystem: { read: [join(plugin, 'data')] } }, 'capabilities.filesystem.read[0]', 'policy.filesystem.read', '4:24')
  })

  it('refuses a mount outside policy.root', () => {
    const m = manifest('[capabilities]\nfilesystem = { read = ["./other"] }\n')
    refuses(m, { root: join(plugin, 'data'), filesystem: { read: [plugin] } }, 'capabilities.filesystem.read[0]', 'policy.root', '4:24')
  })

  it('refuses env names the policy does not list, and any env under the default', () => {
    const m = manifest('[capabilities]\nenv = ["HOME", "SECRET"]\n')
    refuses(m, {}, 'capabilities.env[0]', 'policy.env', '4:8')
    const e = refuses(m, { env: ['HOME'] }, 'capabilities.env[1]', 'policy.env', '4:16')
    expect(e.message).toContain('SECRET is not in policy.env')
  })

  it('refuses args when the policy says args: false', () => {
    refuses(manifest('[capabilities]\nargs = ["x"]\n'), { args: false }, 'capabilities.args', 'policy.args', '4:8')
  })

  it('refuses stdin the policy does not allow, and inheriting it when the policy only allows true', () => {
    refuses(manifest('[capabilities]\nstdin = true\n'), { stdin: false }, 'capabilities.stdin', 'policy.stdin', '4:9')
    const e = refuses(manifest('[capabilities]\nstdin = "inherit"\n'), {}, 'capabilities.stdin', 'policy.stdin', '4:9')
    expect(e.message).toContain('does not allow inheriting it')
  })

  it('refuses stdout and stderr the manifest asks for explicitly', () => {
    refuses(manifest('[capabilities]\nstdout = true\n'), { stdout: false }, 'capabilities.stdout', 'policy.stdout', '4:10')
    refuses(manifest('[capabilities]\nstderr = "inherit"\n'), { stderr: true }, 'capabilities.stderr', 'policy.stderr', '4:10')
  })

  it('refuses host-function namespaces the policy does not list', () => {
    refuses(manifest('[capabilities]\nimports = ["env", "host"]\n'), { imports: ['env'] }, 'capabilities.imports[1]', 'policy.imports', '4:19')
  })

  it('refuses a limit above the policy’s maximum, naming both keys', () => {
    const e = refuses(manifest('[limits]\nmemory = 50000000\n'), { limits: { memory: 1000 } }, 'limits.memory', 'policy.limits.memory', '4:10')
    expect(e.message).toBe('the manifest asks for limits.memory = 50000000 (manifest.toml:4:10) but the host policy allows at most 1000 (policy.limits.memory)')
    refuses(manifest('[limits]\ntime_ms = 10\n'), { limits: { timeMs: 5 } }, 'limits.time_ms', 'policy.limits.timeMs', '4:11')
    refuses(manifest('[limits]\nhost_call_bytes = 10\n'), { limits: { hostCallBytes: 5 } }, 'limits.host_call_bytes', 'policy.limits.hostCallBytes', '4:19')
  })

  it('names <manifest> for a manifest that did not come from a file', () => {
    const m = parseManifest(`${HEAD}[capabilities]\nclocks = true\n`, { dir: plugin })
    expect(denial(m, {}).message).toContain('capabilities.clocks (<manifest>:4:10)')
  })
})

describe('policy validation', () => {
  const bad: Record<string, [unknown, string]> = {
    root: ['', 'policy.root'],
    filesystem: [true, 'policy.filesystem'],
    'filesystem.read': [{ read: 'dir' }, 'policy.filesystem.read'],
    'filesystem.write[1]': [{ write: ['a', 3] }, 'policy.filesystem.write[1]'],
    env: ['HOME', 'policy.env'],
    args: ['yes', 'policy.args'],
    stdin: ['pipe', 'policy.stdin'],
    stdout: [1, 'policy.stdout'],
    stderr: [null, 'policy.stderr'],
    clocks: ['on', 'policy.clocks'],
    random: [1, 'policy.random'],
    imports: ['host', 'policy.imports'],
    threading: ['no', 'policy.threading'],
    limits: [5, 'policy.limits'],
    mode: ['lax', 'policy.mode'],
  }
  for (const [name, [value, path]] of Object.entries(bad)) {
    it(`rejects policy.${name} = ${JSON.stringify(value)} naming ${path}`, () => {
      const key = name.split(/[.[]/)[0]!
      let err: unknown
      try {
        validatePolicy({ [key]: value })
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(InvalidArgumentError)
      expect((err as InvalidArgumentError).path).toBe(path)
    })
  }

  for (const [name, value] of Object.entries({ memory: -1, stack: 1.5, fuel: 'lots', timeMs: 2 ** 40, instances: -2, output: null, hostCallBytes: '1' })) {
    it(`rejects policy.limits.${name} = ${JSON.stringify(value)} naming its dotted path`, () => {
      expect(() => validatePolicy({ limits: { [name]: value } })).toThrow(expect.objectContaining({ path: `policy.limits.${name}` }))
    })
  }

  it('rejects an unknown policy key and lists the known ones', () => {
    expect(() => validatePolicy({ clock: true })).toThrow(/unknown option policy.clock; known options here are: root, filesystem, env/)
  })

  it('rejects a policy that is not an object', () => {
    expect(() => validatePolicy('strict')).toThrow(InvalidArgumentError)
  })

  it('accepts every documented key', () => {
    expect(() => validatePolicy({
      root: '/srv', filesystem: { read: ['/a'], write: ['/b'] }, env: ['A'], args: true, stdin: 'inherit', stdout: true, stderr: false,
      clocks: true, random: false, imports: ['h'], threading: false, limits: { memory: 1, stack: 65_536, fuel: 1, timeMs: 1, instances: 1, output: 1, hostCallBytes: 1 },
      mode: 'permissive',
    })).not.toThrow()
  })

  it('checks the policy inside intersect too', () => {
    expect(() => intersect(manifest(''), { limits: { memory: -1 } })).toThrow(InvalidArgumentError)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError, ManifestError, WasmError, locateKeys, parseManifest, readManifest, type ParseManifestOptions } from '@cybernetic/wasm'

let tmp: string
let plugin: string
let outside: string

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'cwasm-manifest-')))
  plugin = join(tmp, 'plugin')
  outside = join(tmp, 'outside')
  mkdirSync(join(plugin, 'data', 'sub'), { recursive: true })
  mkdirSync(join(plugin, 'out'))
  mkdirSync(outside)
  symlinkSync('../outside', join(plugin, 'escape'))
  symlinkSync('./data', join(plugin, 'inner'))
  symlinkSync('../outside/not-yet', join(plugin, 'dangling'))
})

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

const HEAD = '[module]\nname = "m"\n'

function errorOf(source: string, options: Partial<ParseManifestOptions> = {}): ManifestError {
  try {
    parseManifest(source, { dir: plugin, ...options })
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError)
    return e as ManifestError
  }
  throw new Error('parseManifest did not throw')
}

/** The error is at `line`:`column`, its frame shows that line and a caret under the column. */
function expectAt(source: string, e: ManifestError, line: number, column: number): void {
  expect([e.line, e.column]).toEqual([line, column])
  const text = source.split('\n')[line - 1]!.replace(/\r$/, '')
  const rows = e.frame.split('\n')
  const marked = rows.find((r) => r.startsWith('>'))!
  if (text.length <= 100) expect(marked).toBe(`> ${line} |${text ? ` ${text}` : ''}`)
  else expect(marked).toContain(text.slice(Math.max(0, column - 20), column + 20))
  const caret = rows[rows.length - 1]!
  expect(caret.endsWith('^')).toBe(true)
  // The caret sits under the character at the column (or just past the end of the line).
  expect(marked[caret.indexOf('^')]).toBe(text[column - 1])
  expect(e.message.startsWith(`${e.file ?? '<manifest>'}:${line}:${column}: `)).toBe(true)
  expect(e.message.endsWith(e.frame)).toBe(true)
}

function rejects(source: string, line: number, column: number, key: string | null, message: RegExp, options: Partial<ParseManifestOptions> = {}): ManifestError {
  const e = errorOf(source, options)
  expectAt(source, e, line, column)
  expect(e.key).toBe(key)
  expect(e.message).toMatch(message)
  return e
}

describe('manifest parsing', () => {
  it('returns the defaults for a manifest with only a name', () => {
    const m = parseManifest(HEAD, { dir: plugin })
    expect(m.module).toEqual({ name: 'm', version: null, entry: null, file: null })
    expect(m.capabilities).toEqual({
      memory: true, threading: false, filesystem: false, env: false, args: false,
      stdin: false, stdout: true, stderr: true, clocks: false, random: false, network: false, imports: [],
    })
    expect(m.limits).toEqual({})
    expect(m.file).toBeNull()
    expect(m.dir).toBe(plugin)
  })

  it('reads every key of the spec’s example manifest', () => {
    const m = parseManifest(
      `[module]
name = "compute_module"
version = "1.0.0"
entry = "process"
file = "compute.wasm"

[capabilities]
memory = true
threading = false
filesystem = { read = ["./data", "/guest=./data/sub"], write = ["./out"] }
env = ["NAME", "MODE=fast"]
args = ["--fast"]
stdin = "inherit"
stdout = true
stderr = false
clocks = true
random = true
network = false
imports = ["host"]

[limits]
memory = 50000000
stack = 1000000
fuel = 100000000
time_ms = 5000
instances = 4
output = 1048576
host_call_bytes = 16777216
`,
      { dir: plugin },
    )
    expect(m.module).toEqual({ name: 'compute_module', version: '1.0.0', entry: 'process', file: join(plugin, 'compute.wasm') })
    expect(m.capabilities.filesystem).toEqual({
      read: [
        { guest: 'data', host: join(plugin, 'data'), key: 'capabilities.filesystem.read[0]' },
        { guest: '/guest', host: join(plugin, 'data', 'sub'), key: 'capabilities.filesystem.read[1]' },
      ],
      write: [{ guest: 'out', host: join(plugin, 'out'), key: 'capabilities.filesystem.write[0]' }],
    })
    expect(m.capabilities.env).toEqual([
      { name: 'NAME', value: null, key: 'capabilities.env[0]' },
      { name: 'MODE', value: 'fast', key: 'capabilities.env[1]' },
    ])
    expect(m.capabilities).toMatchObject({ args: ['--fast'], stdin: 'inherit', stdout: true, stderr: false, clocks: true, random: true, imports: ['host'] })
    expect(m.limits).toEqual({ memory: 50000000, stack: 1000000, fuel: 100000000, timeMs: 5000, instances: 4, output: 1048576, hostCallBytes: 16777216 })
  })

  it('accepts [capabilities.filesystem] as a table header too', () => {
    const m = parseManifest(`${HEAD}[capabilities.filesystem]\nread = ["data"]\n`, { dir: plugin })
    expect(m.capabilities.filesystem).toEqual({ read: [{ guest: 'data', host: join(plugin, 'data'), key: 'capabilities.filesystem.read[0]' }], write: [] })
  })

  it('normalises guest paths to the name a program opens', () => {
    const m = parseManifest(`${HEAD}[capabilities]\nfilesystem = { read = ["./data/", "/a//b/=./out", "./=."] }\n`, { dir: plugin })
    expect(m.capabilities.filesystem && m.capabilities.filesystem.read.map((r) => r.guest)).toEqual(['data', '/a/b', '.'])
  })

  it('resolves a symbolic link that stays inside the root to its target', () => {
    const m = parseManifest(`${HEAD}[capabilities]\nfilesystem = { read = ["./inner"] }\n`, { dir: plugin })
    expect(m.capabilities.filesystem && m.capabilities.filesystem.read[0]!.host).toBe(join(plugin, 'data'))
  })

  it('allows host paths outside the manifest directory when the root is wider', () => {
    const m = parseManifest(`${HEAD}[capabilities]\nfilesystem = { read = ["/o=../outside"] }\n`, { dir: plugin, root: tmp })
    expect(m.capabilities.filesystem && m.capabilities.filesystem.read[0]!.host).toBe(outside)
  })

  it('says where each key is through locate()', () => {
    const src = `${HEAD}\n[capabilities]\nclocks = true\nfilesystem = { read = ["./data", "./out"] }\n`
    const m = parseManifest(src, { dir: plugin })
    expect(m.locate('capabilities.clocks')).toEqual({ line: 5, column: 10 })
    expect(m.locate('capabilities.filesystem.read[1]')).toEqual({ line: 6, column: 34 })
    expect(m.locate('capabilities')).toEqual({ line: 4, column: 1 })
    expect(m.locate('limits.memory')).toBeNull()
  })
})

describe('malformed manifests', () => {
  it('rejects bad TOML at smol-toml’s line and column, with our frame', () => {
    const src = '[module]\nname = "x"\nversion =\n'
    const e = rejects(src, 3, 10, null, /invalid TOML: invalid value/)
    expect(e.offset).toBe(src.indexOf('version =') + 9)
    expect(e.cause).toBeInstanceOf(Error)
    expect(e).toBeInstanceOf(WasmError)
    expect(e.code).toBe('manifest_error')
  })

  it('rejects an unterminated TOML table header', () => {
    rejects('[module\nname = "x"\n', 1, 8, null, /invalid TOML/)
  })

  it('rejects a key defined twice', () => {
    rejects('[module]\nname = "x"\nname = "y"\n', 3, 1, null, /invalid TOML: .*redefine/)
  })

  it('rejects an unknown top-level key at the key, listing the allowed keys', () => {
    rejects(`${HEAD}[limit]\nmemory = 1\n`, 3, 2, 'limit', /unknown key limit; the keys allowed at the top level are: module, capabilities, limits/)
  })

  it('rejects an unknown key in [limits] at the key', () => {
    rejects(`${HEAD}[limits]\nmemroy = 1\n`, 4, 1, 'limits.memroy', /unknown key limits.memroy; the keys allowed in \[limits\] are: memory, stack, fuel, time_ms, instances, output, host_call_bytes/)
  })

  it('rejects an unknown key inside an inline filesystem table', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = [], exec = [] }\n`, 4, 27, 'capabilities.filesystem.exec', /the keys allowed in \[capabilities.filesystem\] are: read, write/)
  })

  it('rejects an unknown dotted key at its last segment', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem.reed = []\n`, 4, 12, 'capabilities.filesystem.reed', /unknown key/)
  })

  it('rejects an unknown quoted key', () => {
    rejects(`${HEAD}"odd key" = 1\n`, 3, 1, 'module."odd key"', /unknown key module."odd key"/)
  })

  it('rejects a manifest without [module] at its first line', () => {
    rejects('[limits]\nmemory = 1\n', 1, 1, 'module', /no module.name: it needs a \[module\] table/)
  })

  it('rejects a [module] table without a name at its header', () => {
    rejects('# plugin\n\n[module]\nversion = "1"\n', 3, 1, 'module', /module.name is required/)
  })

  it('rejects a wrong type at the value', () => {
    rejects('[module]\nname = 5\n', 2, 8, 'module.name', /module.name must be a string; got the number 5/)
    rejects(`${HEAD}[capabilities]\nmemory = "yes"\n`, 4, 10, 'capabilities.memory', /must be true or false; got the string "yes"/)
    rejects(`${HEAD}[capabilities]\nstdout = "pipe"\n`, 4, 10, 'capabilities.stdout', /must be true, false or "inherit"/)
    rejects(`${HEAD}[capabilities]\nfilesystem = true\n`, 4, 14, 'capabilities.filesystem', /must be false or a table with read and write lists/)
    rejects(`${HEAD}[capabilities]\nimports = "host"\n`, 4, 11, 'capabilities.imports', /must be a list of strings/)
    rejects(`${HEAD}[capabilities]\nenv = true\n`, 4, 7, 'capabilities.env', /must be false or a list/)
    rejects(`${HEAD}[limits]\nmemory = "1MB"\n`, 4, 10, 'limits.memory', /must be a whole number, 0 or more; got the string "1MB"/)
    rejects(`${HEAD}[limits]\nmemory = 1979-05-27\n`, 4, 10, 'limits.memory', /got a date/)
    rejects('module = "m"\n', 1, 10, 'module', /module must be a table; got the string "m"/)
  })

  it('rejects a wrong type inside a list at the element', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["./data", 7] }\n`, 4, 34, 'capabilities.filesystem.read[1]', /must be a string; got the number 7/)
  })

  it('rejects a negative limit', () => {
    rejects(`${HEAD}[limits]\nmemory = -1\n`, 4, 10, 'limits.memory', /got the negative number -1/)
  })

  it('rejects a fractional limit, and a float written for an integer', () => {
    rejects(`${HEAD}[limits]\nfuel = 1.5\n`, 4, 8, 'limits.fuel', /got the fractional number 1.5/)
    rejects(`${HEAD}[limits]\nstack = 1.0\n`, 4, 9, 'limits.stack', /got the float 1.0/)
    rejects(`${HEAD}[limits]\nstack = 1e3\n`, 4, 9, 'limits.stack', /got the float 1e3/)
    rejects(`${HEAD}[limits]\nstack = inf\n`, 4, 9, 'limits.stack', /got inf/)
  })

  it('accepts integers written in hex, octal, binary and with underscores', () => {
    expect(parseManifest(`${HEAD}[limits]\nmemory = 0x10\nstack = 0o200000\nfuel = 0b10\noutput = 1_000\n`, { dir: plugin }).limits)
      .toEqual({ memory: 16, stack: 65536, fuel: 2, output: 1000 })
  })

  it('rejects an out-of-range limit and a too long name', () => {
    rejects(`${HEAD}[limits]\ntime_ms = 9999999999\n`, 4, 11, 'limits.time_ms', /out of range: at most 2147483648/)
    // The wasm stack has the engine's range (16 KiB to 64 MiB).
    rejects(`${HEAD}[limits]\nstack = 100\n`, 4, 9, 'limits.stack', /out of range: at least 16384 and at most 67108864, got 100/)
    rejects(`[module]\nname = "${'n'.repeat(129)}"\n`, 2, 8, 'module.name', /at most 128 characters, got 129/)
  })

  it('rejects an integer TOML cannot hand over losslessly', () => {
    rejects(`${HEAD}[limits]\nfuel = 9223372036854775807\n`, 4, 8, null, /invalid TOML: integer value cannot be represented losslessly/)
  })

  it('rejects empty strings', () => {
    rejects('[module]\nname = ""\n', 2, 8, 'module.name', /module.name must not be empty/)
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = [""] }\n`, 4, 24, 'capabilities.filesystem.read[0]', /must not be empty/)
    rejects(`${HEAD}[capabilities]\nimports = [""]\n`, 4, 12, 'capabilities.imports[0]', /must not be empty/)
  })

  it('rejects network = true: WASI preview 1 cannot grant sockets', () => {
    rejects(`${HEAD}[capabilities]\nnetwork = true\n`, 4, 11, 'capabilities.network', /WASI preview 1 has no way to grant sockets/)
  })

  it('rejects a host path outside the root at its string', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["/o=../outside"] }\n`, 4, 24, 'capabilities.filesystem.read[0]', /resolves to .*outside, outside the allowed root/)
    rejects(`${HEAD}[capabilities]\nfilesystem = { write = ["/etc"] }\n`, 4, 25, 'capabilities.filesystem.write[0]', /outside the allowed root/)
    rejects(`[module]\nname = "m"\nfile = "../x.wasm"\n`, 3, 8, 'module.file', /outside the allowed root/)
  })

  it('rejects a host path that leaves the root through a symbolic link', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["/o=./escape"] }\n`, 4, 24, 'capabilities.filesystem.read[0]', /symbolic link to .*outside, outside the allowed root/)
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["/o=./escape/deeper/still"] }\n`, 4, 24, 'capabilities.filesystem.read[0]', /symbolic link/)
  })

  it('rejects a dangling symbolic link that points outside the root', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { write = ["/o=dangling"] }\n`, 4, 25, 'capabilities.filesystem.write[0]', /symbolic link to .*not-yet/)
  })

  it('rejects bad GUEST=HOST syntax', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["=./data"] }\n`, 4, 24, 'capabilities.filesystem.read[0]', /must be "GUEST=HOST" or "HOST"/)
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["./data", "/g="] }\n`, 4, 34, 'capabilities.filesystem.read[1]', /must be "GUEST=HOST" or "HOST"/)
  })

  it('rejects a guest path with a .. segment', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["/a/../b=./data"] }\n`, 4, 24, 'capabilities.filesystem.read[0]', /guest path "\/a\/..\/b" must not contain '..'/)
  })

  it('rejects mounting one guest path twice', () => {
    rejects(`${HEAD}[capabilities]\nfilesystem = { read = ["data"], write = ["./data/=./out"] }\n`, 4, 42, 'capabilities.filesystem.write[0]', /"data" is already mounted by capabilities.filesystem.read\[0\]/)
  })

  it('rejects bad env entries', () => {
    rejects(`${HEAD}[capabilities]\nenv = ["A", "=x"]\n`, 4, 13, 'capabilities.env[1]', /must be "NAME" or "NAME=value"/)
    rejects(`${HEAD}[capabilities]\nenv = ["A", "A=1"]\n`, 4, 13, 'capabilities.env[1]', /A is listed twice/)
  })

  it('rejects WASI itself in capabilities.imports', () => {
    rejects(`${HEAD}[capabilities]\nimports = ["wasi_snapshot_preview1"]\n`, 4, 12, 'capabilities.imports[0]', /host-function namespaces only/)
  })

  it('counts positions the same way in CRLF files', () => {
    rejects('[module]\r\nname = "m"\r\n[limits]\r\nmemory = -1\r\n', 4, 10, 'limits.memory', /negative/)
  })

  it('names the file in the message', () => {
    const e = rejects(`${HEAD}[limits]\nmemory = -1\n`, 4, 10, 'limits.memory', /negative/, { file: 'plugin/manifest.toml' })
    expect(e.file).toBe('plugin/manifest.toml')
    expect(e.message).toMatch(/^plugin\/manifest\.toml:4:10: limits\.memory must be/)
  })

  it('refuses unsafe keys such as __proto__', () => {
    rejects(`${HEAD}[capabilities]\n__proto__ = 1\n`, 4, 1, null, /invalid TOML: .*unsafe/)
  })

  it('refuses TOML nested deeper than a manifest needs without overflowing', () => {
    rejects(`${HEAD}[capabilities]\nimports = ${'['.repeat(5000)}${']'.repeat(5000)}\n`, 4, 43, null, /invalid TOML: .*nested/)
  })

  it('requires options.dir', () => {
    expect(() => parseManifest(HEAD, {} as never)).toThrow(InvalidArgumentError)
  })
})

describe('JSON manifests', () => {
  it('reads the same schema as TOML', () => {
    const m = parseManifest(JSON.stringify({
      module: { name: 'm', entry: 'run' },
      capabilities: { filesystem: { read: ['./data'] }, env: ['A'], clocks: true },
      limits: { memory: 1024, time_ms: 10 },
    }), { dir: plugin })
    expect(m.module).toEqual({ name: 'm', version: null, entry: 'run', file: null })
    expect(m.capabilities.filesystem).toEqual({ read: [{ guest: 'data', host: join(plugin, 'data'), key: 'capabilities.filesystem.read[0]' }], write: [] })
    expect(m.capabilities.clocks).toBe(true)
    expect(m.limits).toEqual({ memory: 1024, timeMs: 10 })
  })

  it('picks JSON by the file name or a leading brace', () => {
    expect(parseManifest('  {"module": {"name": "m"}}', { dir: plugin }).module.name).toBe('m')
    expect(() => parseManifest('module = 1', { dir: plugin, file: 'm.json' })).toThrow(/invalid JSON: expected a value/)
  })

  /** A JSON manifest with one problem on line 4, 5 or 7 (chosen by the arguments), and the column of `token` there. */
  const json = ({ clocks = 'true', read = '"./data"', limits = '"memory": 5' } = {}): string =>
    `{\n  "module": { "name": "m" },\n  "capabilities": {\n    "clocks": ${clocks},\n    "filesystem": { "read": [${read}] }\n  },\n  "limits": { ${limits} }\n}\n`
  const col = (src: string, line: number, token: string): number => src.split('\n')[line - 1]!.indexOf(token) + 1

  it('accepts the JSON fixture of these tests when nothing is wrong', () => {
    expect(parseManifest(json(), { dir: plugin }).limits).toEqual({ memory: 5 })
  })

  it('points a wrong type in JSON at the value', () => {
    const src = json({ clocks: '"yes"' })
    expect(col(src, 4, '"yes"')).toBe(15)
    rejects(src, 4, 15, 'capabilities.clocks', /must be true or false; got the string "yes"/)
  })

  it('points a path outside the root in JSON at the string', () => {
    const src = json({ read: '"./data", "/x=../x"' })
    rejects(src, 5, col(src, 5, '"/x=../x"'), 'capabilities.filesystem.read[1]', /outside the allowed root/)
  })

  it('points a negative limit in JSON at the value', () => {
    const src = json({ limits: '"memory": -5' })
    rejects(src, 7, col(src, 7, '-5'), 'limits.memory', /negative/)
  })

  it('points an unknown key in JSON at the key', () => {
    const src = json({ limits: '"memory": 5, "stak": 1' })
    rejects(src, 7, col(src, 7, '"stak"'), 'limits.stak', /unknown key limits.stak; the keys allowed in limits are/)
  })

  it('points a missing name in JSON at the "module" key', () => {
    rejects('{\n  "module": {}\n}', 2, 3, 'module', /no module.name|module.name is required/)
  })

  it('points a JSON syntax error at the first character that does not fit', () => {
    rejects('{\n  "module": { "name": "m", }\n}', 2, 28, null, /invalid JSON: expected a property name in double quotes, got "}"/)
    rejects('{"module": {"name": "m"}', 1, 25, null, /invalid JSON: expected ',' or '}', but the text ended/)
    rejects('{"module": {"name": "m"}} x', 1, 27, null, /expected the end of the text/)
    rejects('{"module": {"name": 01}}', 1, 22, null, /expected ',' or '}', got "1"/)
  })

  it('rejects deeply nested JSON without overflowing the stack', () => {
    const deep = `{"module": {"name": "m"}, "capabilities": {"imports": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`
    const e = errorOf(deep)
    // The 31st bracket opens the 33rd level (the top object and "capabilities" are the first two): one too many.
    expect([e.line, e.column, e.key]).toEqual([1, 55 + 30, null])
    expect(e.message).toMatch(/invalid JSON: nesting deeper than 32 levels/)
  })

  it('rejects JSON that is not an object at its first character', () => {
    rejects('\n  [1]', 2, 3, null, /the manifest must be an object with module, capabilities and limits; got a list/, { format: 'json' })
    rejects('null', 1, 1, null, /got null/, { format: 'json' })
  })

  it('takes numbers by value, as JSON has no integer type', () => {
    expect(parseManifest('{"module": {"name": "m"}, "limits": {"memory": 1.0, "fuel": 1e3}}', { dir: plugin }).limits).toEqual({ memory: 1, fuel: 1000 })
  })
})

describe('readManifest', () => {
  it('reads a TOML file relative to its directory, ignoring a byte-order mark', async () => {
    const file = join(plugin, 'manifest.toml')
    writeFileSync(file, `\uFEFF${HEAD}[capabilities]\nfilesystem = { read = ["./data"] }\n`)
    const m = await readManifest(file)
    expect(m.file).toBe(file)
    expect(m.dir).toBe(plugin)
    expect(m.capabilities.filesystem && m.capabilities.filesystem.read[0]!.host).toBe(join(plugin, 'data'))
    expect(m.locate('module')).toEqual({ line: 1, column: 1 })
  })

  it('reads a .json file as JSON and names it in errors', async () => {
    const file = join(plugin, 'manifest.json')
    writeFileSync(file, '{\n  "module": { "name": 1 }\n}\n')
    const e = await readManifest(file).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ManifestError)
    expect((e as ManifestError).message.startsWith(`${file}:2:23: module.name must be a string`)).toBe(true)
  })

  it('checks paths against a given root', async () => {
    const file = join(plugin, 'wide.toml')
    writeFileSync(file, `${HEAD}[capabilities]\nfilesystem = { read = ["/o=../outside"] }\n`)
    await expect(readManifest(file)).rejects.toThrow(ManifestError)
    const m = await readManifest(file, { root: tmp })
    expect(m.capabilities.filesystem && m.capabilities.filesystem.read[0]!.host).toBe(outside)
  })

  it('rejects a file that cannot be read with InvalidArgumentError', async () => {
    await expect(readManifest(join(plugin, 'missing.toml'))).rejects.toThrow(InvalidArgumentError)
  })
})

describe('key locations', () => {
  const at = (src: string, key: string): [string, string | null] | undefined => {
    const p = locateKeys(src, 'toml').get(key)
    return p && [src.slice(p.value.start, p.value.end), p.key && src.slice(p.key.start, p.key.end)]
  }

  it('finds keys of tables, dotted keys and quoted keys', () => {
    const src = '[a.b]\nc.d = 1\n"e.f" = 2\n\'g\' = 3\n[ x . "y z" ]\nw = 4\n'
    expect(at(src, 'a')).toEqual(['a', 'a'])
    expect(at(src, 'a.b')).toEqual(['[a.b]', 'b'])
    expect(at(src, 'a.b.c')).toEqual(['c', 'c'])
    expect(at(src, 'a.b.c.d')).toEqual(['1', 'd'])
    expect(at(src, 'a.b."e.f"')).toEqual(['2', '"e.f"'])
    expect(at(src, 'a.b.g')).toEqual(['3', "'g'"])
    expect(at(src, 'x."y z".w')).toEqual(['4', 'w'])
  })

  it('finds elements of nested arrays and keys of inline tables', () => {
    const src = 'a = [ [1, 2], # note\n  [3, { k = "v" }], ]\n'
    expect(at(src, 'a[0][1]')).toEqual(['2', null])
    expect(at(src, 'a[1]')).toEqual(['[3, { k = "v" }]', null])
    expect(at(src, 'a[1][1].k')).toEqual(['"v"', 'k'])
  })

  it('numbers array-of-tables entries, nested ones within their parent', () => {
    const src = '[[x]]\ny = 1\n[[x]]\ny = 2\n[[x.z]]\nw = 3\n[x.t]\nu = 4\n'
    expect(at(src, 'x[0].y')).toEqual(['1', 'y'])
    expect(at(src, 'x[1].y')).toEqual(['2', 'y'])
    expect(at(src, 'x[1].z[0].w')).toEqual(['3', 'w'])
    expect(at(src, 'x[1].t.u')).toEqual(['4', 'u'])
  })

  it('skips strings of every kind, comments and dates', () => {
    const src = [
      's1 = "a \\" # not a comment"',
      "s2 = 'C:\\path'",
      's3 = """line',
      'k = "not a key" """',
      "s4 = '''x '' y'''",
      's5 = """ends with quotes"""""',
      'd = 1979-05-27 07:32:00Z # a date',
      'after = true',
    ].join('\n')
    expect(at(src, 's1')).toEqual(['"a \\" # not a comment"', 's1'])
    expect(at(src, 's2')).toEqual(["'C:\\path'", 's2'])
    expect(locateKeys(src, 'toml').has('k')).toBe(false)
    expect(at(src, 's4')?.[0]).toBe("'''x '' y'''")
    expect(at(src, 's5')?.[0]).toBe('"""ends with quotes"""""')
    expect(at(src, 'd')?.[0]).toBe('1979-05-27 07:32:00Z')
    expect(at(src, 'after')).toEqual(['true', 'after'])
  })

  it('finds JSON keys at their quotes and values at their first character', () => {
    const src = '{"a": {"b": [10, {"c": null}]}, "d e": "x"}'
    const map = locateKeys(src, 'json')
    expect(map.get('a.b[1].c')).toEqual({ key: { start: 18, end: 21 }, value: { start: 23, end: 27 } })
    expect(map.get('a.b[0]')).toEqual({ key: null, value: { start: 13, end: 15 } })
    expect(map.get('"d e"')?.value).toEqual({ start: 39, end: 42 })
  })

  it('never loops or throws on text that is not valid TOML', () => {
    for (const src of ['[', '[[', 'a = "', "a = '''", 'a = [1, {', '= = =', '"\\', 'a.', '}}}]]]']) {
      expect(locateKeys(src, 'toml')).toBeInstanceOf(Map)
    }
  })
})

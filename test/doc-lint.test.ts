// scripts/doc-lint.mjs on small files (test/fixtures/doc-lint/): each rule
// it enforces finds its gap, printed as `file:line  name: what is missing`,
// and exits 1; a file with everything documented has no gap and exits 0.
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const fixtures = 'test/fixtures/doc-lint'

function lint(...files: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/doc-lint.mjs'), '--entry', ...files.map((f) => join(root, fixtures, f))], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  })
  const lines = r.stdout.trim().split('\n')
  const summary = lines.pop() ?? ''
  return { code: r.status, gaps: lines.filter(Boolean), summary, stderr: r.stderr }
}

/** `file:line` of the first line of the fixture that contains `text` (1-based, as the lint prints). */
function at(file: string, text: string): string {
  const index = readFileSync(join(root, fixtures, file), 'utf8').split('\n').findIndex((l) => l.includes(text))
  if (index < 0) throw new Error(`${text} is not in ${file}`)
  return `${fixtures}/${file}:${index + 1}`
}

describe('doc lint', () => {
  it('reports a public function without any @throws tag, naming what it can throw', () => {
    const r = lint('missing-throws.ts')
    expect(r.gaps).toEqual([`${at('missing-throws.ts', 'export function double')}  double: no @throws (it can throw InvalidArgumentError)`])
    expect(r.summary).toMatch(/^doc-lint: \d+ public names checked, 1 gap\(s\)$/)
    expect(r.code).toBe(1)
  })

  it('reports an error thrown by a helper the function calls when its @throws name only another class', () => {
    const r = lint('helper-throws.ts')
    expect(r.gaps).toEqual([
      `${at('helper-throws.ts', 'export function greet')}  greet: can throw InvalidArgumentError (from its body or a function it calls) but its @throws do not name it`,
    ])
    expect(r.code).toBe(1)
  })

  it('reports @throws never on a function that throws', () => {
    const r = lint('throws-never.ts')
    expect(r.gaps).toEqual([
      `${at('throws-never.ts', 'export function first')}  first: can throw InvalidArgumentError (from its body or a function it calls) but says @throws never`,
    ])
    expect(r.code).toBe(1)
  })

  it('reports an optional option without @default and accepts the one that has it', () => {
    const r = lint('missing-default.ts')
    expect(r.gaps).toEqual([`${at('missing-default.ts', 'left?: boolean')}  PadOptions.left: optional input without @default`])
    expect(r.code).toBe(1)
  })

  it('finds no gap in a fully documented file and exits 0', () => {
    const r = lint('documented.ts')
    expect(r.gaps).toEqual([])
    expect(r.summary).toMatch(/^doc-lint: [1-9]\d* public names checked, 0 gap\(s\)$/)
    expect(r.code).toBe(0)
  })

  it('checks several entries in one run and reports every gap of each', () => {
    const r = lint('documented.ts', 'missing-throws.ts', 'missing-default.ts')
    expect(r.gaps).toHaveLength(2)
    expect(r.gaps).toContain(`${at('missing-throws.ts', 'export function double')}  double: no @throws (it can throw InvalidArgumentError)`)
    expect(r.gaps).toContain(`${at('missing-default.ts', 'left?: boolean')}  PadOptions.left: optional input without @default`)
    expect(r.summary).toMatch(/, 2 gap\(s\)$/)
    expect(r.code).toBe(1)
  })

  it('exits 2 with its usage when --entry has no file', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts/doc-lint.mjs'), '--entry'], { cwd: root, encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('usage: node scripts/doc-lint.mjs')
  })
})

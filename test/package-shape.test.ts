import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import * as api from '@cybernetic/wasm'

const pkg = (p: string) => JSON.parse(readFileSync(new URL(`../packages/${p}/package.json`, import.meta.url), 'utf8'))

describe('package shape', () => {
  it('exposes one ESM entry with types for @cybernetic/wasm', () => {
    const p = pkg('wasm')
    expect(p.type).toBe('module')
    expect(p.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' })
    expect(p.files).toEqual(['dist'])
  })

  it('lists the native targets once, with libc stated by the triple', () => {
    const p = pkg('native')
    expect(p.napi.targets).toEqual(['x86_64-unknown-linux-gnu'])
    expect(p.files).toEqual(['index.js', 'index.d.ts'])
  })

  it('ships the cwasm binary from the CLI package', () => {
    expect(pkg('cli').bin).toEqual({ cwasm: './bin/cwasm.js' })
  })

  it('exports the documented public names from the published entry', () => {
    for (const name of ['createRuntime', 'Runtime', 'Engine', 'Store', 'Module', 'Instance', 'Func', 'Memory', 'Table', 'Global',
      'precompile', 'loadArtifact', 'WasmError', 'CompileError', 'LinkError', 'TrapError', 'HostFunctionError',
      'FuelExhaustedError', 'TimeoutError', 'CancelledError', 'MemoryLimitError', 'ArtifactError', 'InvalidArgumentError', 'TRAP_CODES']) {
      expect(api, name).toHaveProperty(name)
    }
  })

  it('labels the generated native loader and types as generated', () => {
    for (const f of ['index.js', 'index.d.ts']) {
      const text = readFileSync(new URL(`../packages/native/${f}`, import.meta.url), 'utf8')
      expect(text.split('\n')[0]).toMatch(/auto-generated .* DO NOT EDIT/)
    }
  })
})

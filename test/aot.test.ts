import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArtifactError, Engine, Module, Store, createRuntime, loadArtifact, loadModuleFile, precompile, registryStats } from '@cybernetic/wasm'

const WAT = '(module (func (export "process") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))'

describe('AOT artifacts', () => {
  it('precompiles to bytes and loads them back', () => {
    const engine = Engine.shared()
    const art = precompile(engine, WAT, 'key')
    const before = registryStats().deserialized
    const mod = loadArtifact(engine, art, 'key')
    expect(registryStats().deserialized).toBe(before + 1)
    expect(new Store(engine).instantiate(mod).call('process', 21)).toBe(42)
  })

  it('refuses an artifact made by an engine with another config', () => {
    const art = precompile(Engine.shared(), WAT, 'key')
    let err: unknown
    try {
      loadArtifact(Engine.shared({ optLevel: 'none' }), art, 'key')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ArtifactError)
    expect((err as ArtifactError).code).toBe('artifact_rejected')
    expect((err as ArtifactError).problem).toBe('incompatible_engine')
  })

  it('refuses a tampered artifact before deserializing it', () => {
    const art = precompile(Engine.shared(), WAT, 'key')
    art[art.length - 100]! ^= 1
    expect(() => loadArtifact(Engine.shared(), art, 'key')).toThrow(/signature does not match/)
  })

  it('loads a .cwasm file by its path (the addon reads it), and refuses a tampered or truncated one with ArtifactError', async () => {
    const engine = Engine.shared()
    const art = precompile(engine, WAT, 'key')
    const dir = mkdtempSync(join(tmpdir(), 'cwasm-aot-file-'))
    const file = join(dir, 'good.cwasm')
    writeFileSync(file, art)
    const before = registryStats().deserialized
    const mod = await loadModuleFile(engine, file, { artifactKey: 'key' })
    expect(registryStats().deserialized).toBe(before + 1)
    expect(new Store(engine).instantiate(mod).call('process', 21)).toBe(42)
    const tampered = Uint8Array.from(art)
    tampered[tampered.length - 100]! ^= 1
    writeFileSync(join(dir, 'tampered.cwasm'), tampered)
    await expect(loadModuleFile(engine, join(dir, 'tampered.cwasm'), { artifactKey: 'key' })).rejects.toMatchObject({ problem: 'bad_signature' })
    writeFileSync(join(dir, 'short.cwasm'), art.subarray(0, art.length - 1))
    await expect(loadModuleFile(engine, join(dir, 'short.cwasm'), { artifactKey: 'key' })).rejects.toThrow(/truncated or padded/)
    await expect(loadModuleFile(engine, file, { artifactKey: 'another key' })).rejects.toBeInstanceOf(ArtifactError)
  })

  it('refuses an artifact signed with another key', () => {
    const art = precompile(Engine.shared(), WAT, 'key')
    expect(() => loadArtifact(Engine.shared(), art, 'not the key')).toThrow(ArtifactError)
  })

  it('loads .cwasm bytes through Runtime.loadModule by their header', async () => {
    const rt = await createRuntime({ artifactKey: 'rt-key' })
    const mod = await rt.loadModule(rt.precompile(WAT))
    expect(mod).toBeInstanceOf(Module)
    expect(await rt.call(mod, 'process', [5])).toBe(10)
  })
})

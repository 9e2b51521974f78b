// Build-time artifacts signed with Ed25519: a runtime holding only public
// keys can check them and cannot forge one.
import { describe, expect, it } from 'vitest'
import { generateKeyPairSync } from 'node:crypto'
import { ArtifactError, Engine, createRuntime, generateSigningKeys, loadArtifact, precompile, publicKeyBytes, readArtifactHeader } from '@cybernetic/wasm'

const WAT = '(module (func (export "process") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))'

function refusal(f: () => unknown): ArtifactError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ArtifactError)
    return e as ArtifactError
  }
  throw new Error('expected the artifact to be refused')
}

describe('signed artifacts', () => {
  const build = generateSigningKeys()
  const other = generateSigningKeys()

  it('load where the signer’s public key is trusted, and say who signed them', async () => {
    const art = precompile(Engine.shared(), WAT, undefined, { signKey: build.privateKey })
    const header = readArtifactHeader(art)
    expect(header.signature).toBe('ed25519')
    expect(header.keyId).toBe(build.publicKeyHex)
    const rt = await createRuntime({ trustedKeys: [build.publicKey], cacheDir: false })
    expect(await rt.call(await rt.loadModule(art), 'process', [21])).toBe(42)
    // A raw 32-byte key and a KeyObject are the same key.
    expect(() => loadArtifact(Engine.shared(), art, undefined, null, { trustedKeys: [publicKeyBytes(build.publicKey)] })).not.toThrow()
  })

  it('are refused when altered by one byte, before anything is deserialized', () => {
    const art = precompile(Engine.shared(), WAT, undefined, { signKey: build.privateKey })
    for (const at of [20, art.length >> 1, art.length - 1]) {
      const bad = Uint8Array.from(art)
      bad[at]! ^= 0x01
      const e = refusal(() => loadArtifact(Engine.shared(), bad, undefined, null, { trustedKeys: [build.publicKey] }))
      expect(['bad_signature', 'not_an_artifact', 'incompatible_engine', 'untrusted_key']).toContain(e.problem)
    }
    const mid = Uint8Array.from(art)
    mid[art.length >> 1]! ^= 0x01
    expect(refusal(() => loadArtifact(Engine.shared(), mid, undefined, null, { trustedKeys: [build.publicKey] })).problem).toBe('bad_signature')
  })

  it('are refused when signed by a key the runtime does not trust', () => {
    const art = precompile(Engine.shared(), WAT, undefined, { signKey: other.privateKey })
    const e = refusal(() => loadArtifact(Engine.shared(), art, undefined, null, { trustedKeys: [build.publicKey] }))
    expect(e.problem).toBe('untrusted_key')
    expect(e.message).toContain(other.publicKeyHex)
  })

  it('turn locally signed artifacts away when trusted keys are set, and the other way round', () => {
    const local = precompile(Engine.shared(), WAT, 'local key')
    expect(refusal(() => loadArtifact(Engine.shared(), local, 'local key', null, { trustedKeys: [build.publicKey] })).problem).toBe('untrusted_key')
    const signed = precompile(Engine.shared(), WAT, undefined, { signKey: build.privateKey })
    expect(refusal(() => loadArtifact(Engine.shared(), signed, 'local key')).problem).toBe('untrusted_key')
  })

  it('from another engine configuration are refused naming the setting that differs', () => {
    const art = precompile(Engine.shared(), WAT, 'k')
    const e = refusal(() => loadArtifact(Engine.shared({ fuel: true }), art, 'k'))
    expect(e.problem).toBe('incompatible_engine')
    expect(e.message).toMatch(/engine\.fuel is false in the artifact but true here/)
  })

  it('take keys only of the right kind', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
    expect(() => publicKeyBytes(rsa)).toThrow(/Ed25519/)
    expect(() => precompile(Engine.shared(), WAT, undefined, { signKey: build.publicKey })).toThrow(/private key/)
    expect(() => publicKeyBytes(new Uint8Array(31))).toThrow(/32 bytes/)
  })
})

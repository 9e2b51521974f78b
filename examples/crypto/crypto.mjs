// Cryptography: SHA-256 of a large buffer (32 MiB) in C and in AssemblyScript,
// each digest checked against node:crypto, and the padding edge cases (empty
// input, 55/56/63/64 bytes) too.
//
//   node examples/crypto/crypto.mjs
import { createHash, randomBytes } from 'node:crypto'
import { createRuntime } from '@cybernetic/wasm'
import { buildAS, buildC, here } from '../lib/build.mjs'
import { check, summary } from '../lib/check.mjs'

const LARGE = 32 << 20
// The guest holds the input and its own buffers: give it room beyond the 32 MiB.
const rt = await createRuntime({ maxMemory: 96 << 20 })
const hex = (bytes) => Buffer.from(bytes).toString('hex')
const nodeSha = (bytes) => createHash('sha256').update(bytes).digest('hex')

const large = randomBytes(LARGE)
const edges = [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 1000].map((n) => large.subarray(0, n))

for (const [language, file] of [['c', buildC(here(import.meta.url, 'sha256.c'))], ['assemblyscript', buildAS(here(import.meta.url, 'sha256.ts'))]]) {
  const mod = await rt.loadModule(file)
  check(`${language}: sha256("abc")`, hex(await rt.callBytes(mod, 'sha256', Buffer.from('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  for (const e of edges) check(`${language}: ${e.length} bytes`, hex(await rt.callBytes(mod, 'sha256', e)), nodeSha(e))
  check(`${language}: ${LARGE >> 20} MiB of random bytes`, hex(await rt.callBytes(mod, 'sha256', large)), nodeSha(large))
}

await rt.close()
summary('crypto')

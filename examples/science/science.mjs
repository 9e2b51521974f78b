// Scientific computing: a dense matrix multiply (f64, SIMD) in WAT and in C,
// each checked bit for bit against a JS reference that sums in the same order,
// and against a known identity (A x I = A).
//
//   node examples/science/science.mjs [N]        (default 192; even)
import { createRuntime, TrapError } from '@cybernetic/wasm'
import { buildC, here } from '../lib/build.mjs'
import { assert, check, summary } from '../lib/check.mjs'

const N = Number(process.argv[2] ?? 192)

// A small deterministic generator (xorshift32), so every run multiplies the same matrices.
function matrix(n, seed) {
  let s = seed >>> 0 || 1
  return Float64Array.from({ length: n * n }, () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return ((s >>> 0) / 2 ** 32) * 2 - 1
  })
}

function input(n, a, b) {
  const buf = new Uint8Array(8 + n * n * 16)
  new DataView(buf.buffer).setUint32(0, n, true)
  buf.set(new Uint8Array(a.buffer), 8)
  buf.set(new Uint8Array(b.buffer), 8 + n * n * 8)
  return buf
}

function matmulJs(n, a, b) {
  const c = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]
      for (let j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j]
    }
  }
  return c
}

const f64 = (bytes) => new Float64Array(bytes.slice().buffer)
const rt = await createRuntime()
const a = matrix(N, 1)
const b = matrix(N, 2)
const want = matmulJs(N, a, b)
const identity = Float64Array.from({ length: N * N }, (_, i) => (i % (N + 1) === 0 ? 1 : 0))

for (const [language, file] of [['wat', here(import.meta.url, 'matmul.wat')], ['c', buildC(here(import.meta.url, 'matmul.c'))]]) {
  const mod = await rt.loadModule(file)
  check(`${language}: ${N}x${N} product matches the JS reference bit for bit`, f64(await rt.callBytes(mod, 'matmul', input(N, a, b))), want)
  check(`${language}: A x I = A`, f64(await rt.callBytes(mod, 'matmul', input(N, a, identity))), a)
  check(`${language}: a 2x2 by hand`, f64(await rt.callBytes(mod, 'matmul', input(2, Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8)))), Float64Array.of(19, 22, 43, 50))
  const bad = await rt.callBytes(mod, 'matmul', input(N, a, b).subarray(0, 64)).then(() => null, (e) => e)
  assert(`${language}: a short input is a TrapError`, bad instanceof TrapError, String(bad))
}

await rt.close()
summary('science')

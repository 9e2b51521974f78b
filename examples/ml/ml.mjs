// Machine-learning inference: a digit classifier (16x16 images, 256-32-10,
// int8 weights) trained and quantised deterministically in JS (model.mjs),
// run with SIMD in C and in AssemblyScript; every logit of every test image
// is checked against the JS reference of the same quantised network, and the
// accuracy against the labels.
//
//   node examples/ml/ml.mjs
import { readFileSync } from 'node:fs'
import { createRuntime, inspectModule, TrapError } from '@cybernetic/wasm'
import { buildAS, buildC, here } from '../lib/build.mjs'
import { assert, check, summary } from '../lib/check.mjs'
import { argmax, classifyFloat, digits, pack, quantise, quantisedJs, train, INPUTS } from './model.mjs'

const train_ = digits(4000, 1)
const test = digits(1000, 2)
const net = train(train_)
const q = quantise(net, train_.images.subarray(0, 500 * INPUTS))
const want = quantisedJs(q, test.images)
const accuracy = (pred) => pred.filter((d, i) => d === test.labels[i]).length / test.labels.length
const floatAcc = accuracy(classifyFloat(net, test.images))
const input = pack(q, test.images)
console.log(`model: ${q.w1.length + q.w2.length} int8 weights, ${(q.b1.length + q.b2.length)} int32 biases, ${input.length - test.images.length} bytes; float accuracy ${(floatAcc * 100).toFixed(1)}%`)

const rt = await createRuntime()
for (const [language, file] of [['c', buildC(here(import.meta.url, 'mlp.c'))], ['assemblyscript', buildAS(here(import.meta.url, 'mlp.ts'))]]) {
  const bytes = readFileSync(file)
  assert(`${language}: the guest uses SIMD`, inspectModule(bytes).features.includes('simd'))
  const mod = await rt.loadModule(bytes)
  const out = await rt.callBytes(mod, 'classify', input)
  const logits = new Int32Array(out.slice().buffer)
  check(`${language}: ${test.labels.length} x 10 logits equal the JS reference`, logits, want)
  const acc = accuracy(argmax(logits))
  assert(`${language}: quantised accuracy ${(acc * 100).toFixed(1)}% (float ${(floatAcc * 100).toFixed(1)}%) is at least 90% and within 2 points`, acc >= 0.9 && floatAcc - acc <= 0.02)
  const broken = input.slice()
  broken[0] ^= 1 // the magic
  const bad = await rt.callBytes(mod, 'classify', broken).then(() => null, (e) => e)
  assert(`${language}: a model without its magic is a TrapError`, bad instanceof TrapError, String(bad))
}

// Three test digits drawn as text, side by side, with what the network said.
const shade = ' .:-=+*#%@'
const shown = [0, 1, 2]
for (let y = 0; y < 16; y++) {
  console.log(shown.map((n) => Array.from({ length: 16 }, (_, x) => shade[Math.min(9, Math.floor(test.images[n * INPUTS + y * 16 + x] / 13))]).join('')).join('   '))
}
console.log(shown.map((n) => `label ${test.labels[n]}, says ${argmax(want.subarray(n * 10, n * 10 + 10))}`.padEnd(16)).join('   '))

await rt.close()
summary('ml')

// Image processing: grayscale and a Gaussian blur over an RGBA buffer, in C
// and in AssemblyScript, both with SIMD; each result is checked byte for byte
// against a JS reference of the same formulas, and a PNG (original | grayscale
// | blurred) is written for a person to look at.
//
//   node examples/image/image.mjs [OUT.png]      (default examples/out/image.png)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { createRuntime, inspectModule, TrapError } from '@cybernetic/wasm'
import { buildAS, buildC, here } from '../lib/build.mjs'
import { assert, check, summary } from '../lib/check.mjs'
import { encodePng } from '../lib/png.mjs'

const W = 320
const H = 200
const PASSES = 6
const outFile = resolve(process.argv[2] ?? here(import.meta.url, '../out/image.png'))

// A test card, the same every run: colour gradients, rings and a checkerboard
// (sharp edges, so the blur shows).
function testCard(w, h) {
  const px = new Uint8Array(w * h * 4)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4
      let r = (x * 255) / (w - 1)
      let g = (y * 255) / (h - 1)
      let b = 255 - (r + g) / 2
      const d = Math.hypot(x - w * 0.3, y - h * 0.5)
      if (Math.floor(d / 12) % 2 === 0 && d < 70) [r, g, b] = [255, 240, 40]
      if (x > w * 0.62 && x < w * 0.92 && y > h * 0.2 && y < h * 0.8 && (Math.floor(x / 10) + Math.floor(y / 10)) % 2 === 0) [r, g, b] = [20, 20, 30]
      px[i] = r
      px[i + 1] = g
      px[i + 2] = b
      px[i + 3] = 255
    }
  }
  return px
}

function withHeader(w, h, passes, rgba) {
  const input = new Uint8Array(12 + rgba.length)
  const view = new DataView(input.buffer)
  view.setUint32(0, w, true)
  view.setUint32(4, h, true)
  view.setUint32(8, passes, true)
  input.set(rgba, 12)
  return input
}

// The JS reference: the formulas the guests implement, one pixel at a time.
function grayJs(rgba) {
  const out = new Uint8Array(rgba.length)
  for (let i = 0; i < rgba.length; i += 4) {
    const y = (77 * rgba[i] + 150 * rgba[i + 1] + 29 * rgba[i + 2] + 128) >> 8
    out[i] = out[i + 1] = out[i + 2] = y
    out[i + 3] = rgba[i + 3]
  }
  return out
}

function blurJs(w, h, passes, rgba) {
  let a = Uint8Array.from(rgba)
  let b = new Uint8Array(rgba.length)
  const clamp = (v, hi) => (v < 0 ? 0 : v > hi ? hi : v)
  for (let p = 0; p < passes; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 4; c++) {
          let sum = 0
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              sum += (dy ? 1 : 2) * (dx ? 1 : 2) * a[(clamp(y + dy, h - 1) * w + clamp(x + dx, w - 1)) * 4 + c]
            }
          }
          b[(y * w + x) * 4 + c] = (sum + 8) >> 4
        }
      }
    }
    ;[a, b] = [b, a]
  }
  return a
}

const rt = await createRuntime()
const card = testCard(W, H)
const input = withHeader(W, H, PASSES, card)
const wantGray = grayJs(card)
const wantBlur = blurJs(W, H, PASSES, card)

const results = {}
for (const [language, file] of [['c', buildC(here(import.meta.url, 'image.c'))], ['assemblyscript', buildAS(here(import.meta.url, 'image.ts'))]]) {
  const bytes = readFileSync(file)
  assert(`${language}: the guest uses SIMD`, inspectModule(bytes).features.includes('simd'))
  const mod = await rt.loadModule(bytes)
  const gray = await rt.callBytes(mod, 'grayscale', input)
  const blur = await rt.callBytes(mod, 'blur', input)
  check(`${language}: grayscale of ${W}x${H} matches the JS reference`, gray, wantGray)
  check(`${language}: ${PASSES} blur passes match the JS reference`, blur, wantBlur)
  // Odd sizes exercise the scalar edges and the SIMD remainder.
  for (const [w, h] of [[1, 1], [2, 3], [7, 5], [13, 9]]) {
    const small = testCard(w, h)
    const smallIn = withHeader(w, h, 2, small)
    check(`${language}: ${w}x${h} grayscale and blur`, [await rt.callBytes(mod, 'grayscale', smallIn), await rt.callBytes(mod, 'blur', smallIn)], [grayJs(small), blurJs(w, h, 2, small)])
  }
  // A header that does not match the buffer: the guest traps, the host gets a typed error.
  const bad = await rt.callBytes(mod, 'blur', input.subarray(0, 100)).then(() => null, (e) => e)
  assert(`${language}: a truncated image is a TrapError (unreachable)`, bad instanceof TrapError && bad.code === 'unreachable', String(bad))
  results[language] = { gray, blur }
}

// original | grayscale | blurred, side by side
const sheet = new Uint8Array(W * 3 * H * 4)
for (let y = 0; y < H; y++) {
  for (const [k, img] of [card, results.c.gray, results.c.blur].entries()) {
    sheet.set(img.subarray(y * W * 4, (y + 1) * W * 4), (y * W * 3 + k * W) * 4)
  }
}
mkdirSync(dirname(outFile), { recursive: true })
writeFileSync(outFile, encodePng(W * 3, H, sheet))
console.log(`wrote ${outFile} (${W * 3}x${H}: original | grayscale | blurred)`)
await rt.close()
summary('image')

// The digit classifier's data and weights, built deterministically in JS:
// 16x16 digit images drawn from a 5x7 font (scaled 2x, shifted, with noise),
// a 256-32-10 network trained by plain SGD from a seeded start, then
// quantised to int8 weights, int32 biases and one fixed-point multiplier.
// Same seed, same images, same weights, every run (no download).
//
// The quantised network (what the guests and quantisedJs compute):
//   x    u8 pixels 0..127
//   acc1 = b1 + W1 x                          (int32)
//   h    = clamp((acc1 * M + 2^23) >> 24, 0, 127)   (int8, ReLU folded into the clamp)
//   out  = b2 + W2 h                          (int32 logits; the digit is the argmax)

export const SIDE = 16
export const INPUTS = SIDE * SIDE
export const HIDDEN = 32
export const OUTPUTS = 10

const FONT = [
  ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  ['11111', '00010', '00100', '00010', '00001', '10001', '01110'],
  ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
]

/** A seeded generator (mulberry32): floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** `count` labelled images: { images: Uint8Array(count * 256, values 0..127), labels: number[] }. */
export function digits(count, seed) {
  const r = rng(seed)
  const images = new Uint8Array(count * INPUTS)
  const labels = []
  for (let n = 0; n < count; n++) {
    const d = Math.floor(r() * 10)
    labels.push(d)
    const img = images.subarray(n * INPUTS, (n + 1) * INPUTS)
    // 10x14 glyph, shifted anywhere inside 16x16
    const ox = Math.floor(r() * 7)
    const oy = Math.floor(r() * 3)
    const ink = 80 + Math.floor(r() * 48)
    for (let y = 0; y < 14; y++) for (let x = 0; x < 10; x++) if (FONT[d][y >> 1][x >> 1] === '1') img[(oy + y) * SIDE + ox + x] = ink
    // noise: speckles, and some ink dropped
    for (let i = 0; i < INPUTS; i++) {
      const u = r()
      if (u < 0.12) img[i] = Math.floor(r() * 128)
      else if (u < 0.3 && img[i]) img[i] = 0
    }
  }
  return { images, labels }
}

/** Trains the float network: { w1, b1, w2, b2 } as Float64Arrays. */
export function train({ images, labels }, { epochs = 4, rate = 0.02, seed = 7 } = {}) {
  const r = rng(seed)
  const init = (n, fan) => Float64Array.from({ length: n }, () => (r() * 2 - 1) * Math.sqrt(6 / fan))
  const w1 = init(HIDDEN * INPUTS, INPUTS)
  const b1 = new Float64Array(HIDDEN)
  const w2 = init(OUTPUTS * HIDDEN, HIDDEN)
  const b2 = new Float64Array(OUTPUTS)
  const x = new Float64Array(INPUTS)
  const h = new Float64Array(HIDDEN)
  const p = new Float64Array(OUTPUTS)
  const dh = new Float64Array(HIDDEN)
  for (let e = 0; e < epochs; e++) {
    for (let n = 0; n < labels.length; n++) {
      for (let i = 0; i < INPUTS; i++) x[i] = images[n * INPUTS + i] / 127
      for (let j = 0; j < HIDDEN; j++) {
        let s = b1[j]
        for (let i = 0; i < INPUTS; i++) s += w1[j * INPUTS + i] * x[i]
        h[j] = s > 0 ? s : 0
      }
      let max = -Infinity
      for (let o = 0; o < OUTPUTS; o++) {
        let s = b2[o]
        for (let j = 0; j < HIDDEN; j++) s += w2[o * HIDDEN + j] * h[j]
        p[o] = s
        if (s > max) max = s
      }
      let z = 0
      for (let o = 0; o < OUTPUTS; o++) z += p[o] = Math.exp(p[o] - max)
      // softmax cross-entropy: d logits = p - onehot
      dh.fill(0)
      for (let o = 0; o < OUTPUTS; o++) {
        const g = p[o] / z - (o === labels[n] ? 1 : 0)
        b2[o] -= rate * g
        for (let j = 0; j < HIDDEN; j++) {
          dh[j] += g * w2[o * HIDDEN + j]
          w2[o * HIDDEN + j] -= rate * g * h[j]
        }
      }
      for (let j = 0; j < HIDDEN; j++) {
        if (h[j] <= 0) continue
        b1[j] -= rate * dh[j]
        for (let i = 0; i < INPUTS; i++) w1[j * INPUTS + i] -= rate * dh[j] * x[i]
      }
    }
  }
  return { w1, b1, w2, b2 }
}

/** The float network's digit for each image (to compare the quantised one with). */
export function classifyFloat(net, images) {
  const out = []
  for (let n = 0; n < images.length / INPUTS; n++) {
    const h = new Float64Array(HIDDEN)
    for (let j = 0; j < HIDDEN; j++) {
      let s = net.b1[j]
      for (let i = 0; i < INPUTS; i++) s += net.w1[j * INPUTS + i] * (images[n * INPUTS + i] / 127)
      h[j] = Math.max(0, s)
    }
    let best = 0
    let bestScore = -Infinity
    for (let o = 0; o < OUTPUTS; o++) {
      let s = net.b2[o]
      for (let j = 0; j < HIDDEN; j++) s += net.w2[o * HIDDEN + j] * h[j]
      if (s > bestScore) [best, bestScore] = [o, s]
    }
    out.push(best)
  }
  return out
}

/**
 * Quantises the network, calibrating the hidden layer's scale on `calibration`
 * images: { w1: Int8Array, b1: Int32Array, w2: Int8Array, b2: Int32Array, m }.
 */
export function quantise(net, calibration) {
  const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
  const s1 = maxAbs(net.w1) / 127 // W1 real = s1 * q
  const sx = 1 / 127 // x real = sx * q
  const w1 = Int8Array.from(net.w1, (v) => Math.round(v / s1))
  const b1 = Int32Array.from(net.b1, (v) => Math.round(v / (s1 * sx)))
  // The hidden activations' range on real data sets their scale.
  let hmax = 0
  for (let n = 0; n < calibration.length / INPUTS; n++) {
    for (let j = 0; j < HIDDEN; j++) {
      let s = net.b1[j]
      for (let i = 0; i < INPUTS; i++) s += net.w1[j * INPUTS + i] * (calibration[n * INPUTS + i] / 127)
      hmax = Math.max(hmax, s)
    }
  }
  const sh = hmax / 127
  const m = Math.round(((s1 * sx) / sh) * 2 ** 24)
  const s2 = maxAbs(net.w2) / 127
  const w2 = Int8Array.from(net.w2, (v) => Math.round(v / s2))
  const b2 = Int32Array.from(net.b2, (v) => Math.round(v / (s2 * sh)))
  return { w1, b1, w2, b2, m }
}

/** The quantised network in JS, integer for integer what the guests compute: Int32Array logits. */
export function quantisedJs(q, images) {
  const count = images.length / INPUTS
  const logits = new Int32Array(count * OUTPUTS)
  const h = new Int32Array(HIDDEN)
  for (let n = 0; n < count; n++) {
    for (let j = 0; j < HIDDEN; j++) {
      let acc = q.b1[j]
      for (let i = 0; i < INPUTS; i++) acc += q.w1[j * INPUTS + i] * images[n * INPUTS + i]
      // |acc * m| stays far below 2^53, so this is exact, as int64 is in the guest
      h[j] = Math.min(127, Math.max(0, Math.floor((acc * q.m + 2 ** 23) / 2 ** 24)))
    }
    for (let o = 0; o < OUTPUTS; o++) {
      let acc = q.b2[o]
      for (let j = 0; j < HIDDEN; j++) acc += q.w2[o * HIDDEN + j] * h[j]
      logits[n * OUTPUTS + o] = acc
    }
  }
  return logits
}

/**
 * The guests' input: a 24-byte header (magic "CWNN", inputs, hidden,
 * outputs, m, count as little-endian u32), b1, b2 (int32), W1, W2 (int8,
 * row-major, one row per neuron), then the images.
 */
export function pack(q, images) {
  const count = images.length / INPUTS
  const size = 24 + (HIDDEN + OUTPUTS) * 4 + HIDDEN * INPUTS + OUTPUTS * HIDDEN + images.length
  const buf = new Uint8Array(size)
  const v = new DataView(buf.buffer)
  ;[0x4e4e5743, INPUTS, HIDDEN, OUTPUTS, q.m, count].forEach((x, i) => v.setUint32(i * 4, x, true))
  let at = 24
  for (const part of [q.b1, q.b2, q.w1, q.w2, images]) {
    buf.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at)
    at += part.byteLength
  }
  return buf
}

/** The argmax of each image's logits. */
export function argmax(logits) {
  const out = []
  for (let n = 0; n < logits.length / OUTPUTS; n++) {
    let best = 0
    for (let o = 1; o < OUTPUTS; o++) if (logits[n * OUTPUTS + o] > logits[n * OUTPUTS + best]) best = o
    out.push(best)
  }
  return out
}

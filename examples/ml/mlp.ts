// The quantised network of mlp.c in AssemblyScript with SIMD (v128): same
// input layout (model.mjs's pack()), same exact int32 logits out.

export function allocate(size: i32): i32 {
  return heap.alloc(<usize>size) as i32
}

// Sum of w[i] * x[i] for i < n (n a multiple of 16).
function dot(w: i32, x: i32, n: i32): i32 {
  let acc = i32x4.splat(0)
  for (let i = 0; i < n; i += 16) {
    const wv = v128.load(w + i)
    const xv = v128.load(x + i)
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(wv), i16x8.extend_low_i8x16_s(xv)))
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(wv), i16x8.extend_high_i8x16_s(xv)))
  }
  return i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3)
}

export function classify(ptr: i32, len: i32): i64 {
  if (len < 24) unreachable()
  const inputs = load<i32>(ptr, 4), hidden = load<i32>(ptr, 8), outputs = load<i32>(ptr, 12)
  const m = i64(load<u32>(ptr, 16)), count = load<i32>(ptr, 20)
  if (load<u32>(ptr) != 0x4e4e5743 || inputs % 16 != 0 || hidden % 16 != 0 || <u32>inputs > 4096 || <u32>hidden > 4096 || <u32>outputs > 4096 || <u32>count > (1 << 20)) unreachable()
  const need = 24 + i64(hidden + outputs) * 4 + i64(hidden) * inputs + i64(outputs) * hidden + i64(count) * inputs
  if (need != i64(len)) unreachable()
  const b1 = ptr + 24, b2 = b1 + hidden * 4
  const w1 = b2 + outputs * 4, w2 = w1 + hidden * inputs
  const images = w2 + outputs * hidden
  const logits = heap.alloc(<usize>(count * outputs * 4)) as i32
  const h = heap.alloc(<usize>hidden) as i32
  for (let n = 0; n < count; n++) {
    const x = images + n * inputs
    for (let j = 0; j < hidden; j++) {
      const v = (i64(load<i32>(b1 + j * 4) + dot(w1 + j * inputs, x, inputs)) * m + (1 << 23)) >> 24
      store<i8>(h + j, <i8>(v < 0 ? 0 : v > 127 ? 127 : v))
    }
    for (let o = 0; o < outputs; o++) store<i32>(logits + (n * outputs + o) * 4, load<i32>(b2 + o * 4) + dot(w2 + o * hidden, h, hidden))
  }
  return (i64(logits) << 32) | i64(count * outputs * 4)
}

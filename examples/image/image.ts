// Grayscale and a 3x3 Gaussian blur over an RGBA image in AssemblyScript,
// with SIMD (v128): the same interface and the same exact integer formulas
// as image.c (see there), 4 pixels per step.

export function allocate(size: i32): i32 {
  return heap.alloc(<usize>size) as i32
}

function packed(ptr: i32, len: i32): i64 {
  return (i64(ptr) << 32) | i64(len)
}

// Reads and checks the 12-byte header; a length that does not match traps.
function header(ptr: i32, len: i32): StaticArray<i32> {
  if (len < 12) unreachable()
  const w = load<i32>(ptr), h = load<i32>(ptr, 4), passes = load<i32>(ptr, 8)
  if (w <= 0 || h <= 0 || i64(w) * i64(h) * 4 != i64(len - 12)) unreachable()
  const out = new StaticArray<i32>(3)
  out[0] = w
  out[1] = h
  out[2] = passes
  return out
}

export function grayscale(ptr: i32, len: i32): i64 {
  const hd = header(ptr, len)
  const n = hd[0] * hd[1]
  const src = ptr + 12
  const dst = heap.alloc(<usize>(n * 4)) as i32
  const byte = i32x4.splat(0xff)
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const p = v128.load(src + i * 4)
    const r = v128.and(p, byte)
    const g = v128.and(i32x4.shr_u(p, 8), byte)
    const b = v128.and(i32x4.shr_u(p, 16), byte)
    let y = i32x4.add(i32x4.add(i32x4.mul(r, i32x4.splat(77)), i32x4.mul(g, i32x4.splat(150))), i32x4.add(i32x4.mul(b, i32x4.splat(29)), i32x4.splat(128)))
    y = i32x4.shr_u(y, 8)
    const alpha = v128.andnot(p, i32x4.splat(0x00ffffff))
    v128.store(dst + i * 4, v128.or(v128.or(y, i32x4.shl(y, 8)), v128.or(i32x4.shl(y, 16), alpha)))
  }
  for (; i < n; i++) {
    const p = src + i * 4
    const y = <u8>((77 * <i32>load<u8>(p) + 150 * <i32>load<u8>(p, 1) + 29 * <i32>load<u8>(p, 2) + 128) >> 8)
    store<u8>(dst + i * 4, y)
    store<u8>(dst + i * 4, y, 1)
    store<u8>(dst + i * 4, y, 2)
    store<u8>(dst + i * 4, load<u8>(p, 3), 3)
  }
  return packed(dst, n * 4)
}

function clamp(v: i32, hi: i32): i32 {
  return v < 0 ? 0 : v > hi ? hi : v
}

function blurPixel(src: i32, dst: i32, w: i32, h: i32, x: i32, y: i32): void {
  for (let c = 0; c < 4; c++) {
    let sum = 0
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const k = (dy == 0 ? 2 : 1) * (dx == 0 ? 2 : 1)
        sum += k * <i32>load<u8>(src + (clamp(y + dy, h - 1) * w + clamp(x + dx, w - 1)) * 4 + c)
      }
    }
    store<u8>(dst + (y * w + x) * 4 + c, <u8>((sum + 8) >> 4))
  }
}

// l + 2c + r for 8 channel values, widened to u16.
@inline function rowLo(p: i32): v128 {
  return i16x8.add(
    i16x8.add(i16x8.extend_low_i8x16_u(v128.load(p - 4)), i16x8.extend_low_i8x16_u(v128.load(p + 4))),
    i16x8.shl(i16x8.extend_low_i8x16_u(v128.load(p)), 1),
  )
}
@inline function rowHi(p: i32): v128 {
  return i16x8.add(
    i16x8.add(i16x8.extend_high_i8x16_u(v128.load(p - 4)), i16x8.extend_high_i8x16_u(v128.load(p + 4))),
    i16x8.shl(i16x8.extend_high_i8x16_u(v128.load(p)), 1),
  )
}

function blurPass(src: i32, dst: i32, w: i32, h: i32): void {
  const eight = i16x8.splat(8)
  for (let y = 0; y < h; y++) {
    let x = 0
    if (y > 0 && y + 1 < h && w > 2) {
      blurPixel(src, dst, w, h, 0, y)
      for (x = 1; x + 4 < w; x += 4) {
        const m = src + (y * w + x) * 4
        const u = m - w * 4, d = m + w * 4
        let lo = i16x8.add(i16x8.add(rowLo(u), rowLo(d)), i16x8.shl(rowLo(m), 1))
        let hi = i16x8.add(i16x8.add(rowHi(u), rowHi(d)), i16x8.shl(rowHi(m), 1))
        lo = i16x8.shr_u(i16x8.add(lo, eight), 4)
        hi = i16x8.shr_u(i16x8.add(hi, eight), 4)
        v128.store(dst + (y * w + x) * 4, i8x16.narrow_i16x8_u(lo, hi))
      }
    }
    for (; x < w; x++) blurPixel(src, dst, w, h, x, y)
  }
}

export function blur(ptr: i32, len: i32): i64 {
  const hd = header(ptr, len)
  const w = hd[0], h = hd[1], passes = hd[2]
  const bytes = w * h * 4
  let a = heap.alloc(<usize>bytes) as i32
  let b = heap.alloc(<usize>bytes) as i32
  memory.copy(a, ptr + 12, bytes)
  for (let p = 0; p < passes; p++) {
    blurPass(a, b, w, h)
    const t = a
    a = b
    b = t
  }
  return packed(a, bytes)
}

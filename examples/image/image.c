// Grayscale and a 3x3 Gaussian blur over an RGBA image, with wasm SIMD
// (wasm_simd128.h): 4 pixels per step, scalar code only at the edges.
//
// Both take the bytes convention's input: a 12-byte header (width, height,
// blur passes: little-endian u32) and then width * height * 4 bytes of RGBA,
// and return a new RGBA buffer. The arithmetic is integer and exact, so the
// JS reference in image.mjs matches byte for byte:
//   gray  Y = (77 R + 150 G + 29 B + 128) >> 8, alpha kept
//   blur  (1 2 1 / 2 4 2 / 1 2 1) / 16, rounded: (sum + 8) >> 4, edges clamped
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("allocate") void *allocate(int32_t size) { return malloc(size > 0 ? (size_t)size : 1); }
EXPORT("deallocate") void deallocate(void *p, int32_t size) {
  (void)size;
  free(p);
}

static uint64_t packed(const void *p, uint32_t len) { return ((uint64_t)(uintptr_t)p << 32) | len; }

// The header, checked: a length that does not match traps (unreachable).
static const uint8_t *pixels(const uint8_t *in, uint32_t len, uint32_t *w, uint32_t *h, uint32_t *passes) {
  if (len < 12) __builtin_trap();
  memcpy(w, in, 4);
  memcpy(h, in + 4, 4);
  memcpy(passes, in + 8, 4);
  if (*w == 0 || *h == 0 || (uint64_t)*w * *h * 4 != len - 12) __builtin_trap();
  return in + 12;
}

EXPORT("grayscale") uint64_t grayscale(const uint8_t *in, uint32_t len) {
  uint32_t w, h, passes;
  const uint8_t *src = pixels(in, len, &w, &h, &passes);
  uint32_t n = w * h;
  uint8_t *dst = malloc(n * 4);
  const v128_t byte = wasm_i32x4_splat(0xff);
  uint32_t i = 0;
  // One pixel per i32 lane: R in bits 0-7, G 8-15, B 16-23, A 24-31.
  for (; i + 4 <= n; i += 4) {
    v128_t p = wasm_v128_load(src + i * 4);
    v128_t r = wasm_v128_and(p, byte);
    v128_t g = wasm_v128_and(wasm_u32x4_shr(p, 8), byte);
    v128_t b = wasm_v128_and(wasm_u32x4_shr(p, 16), byte);
    v128_t y = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(r, wasm_i32x4_splat(77)), wasm_i32x4_mul(g, wasm_i32x4_splat(150))),
                              wasm_i32x4_add(wasm_i32x4_mul(b, wasm_i32x4_splat(29)), wasm_i32x4_splat(128)));
    y = wasm_u32x4_shr(y, 8);
    v128_t alpha = wasm_v128_andnot(p, wasm_i32x4_splat(0x00ffffff));
    v128_t out = wasm_v128_or(wasm_v128_or(y, wasm_i32x4_shl(y, 8)), wasm_v128_or(wasm_i32x4_shl(y, 16), alpha));
    wasm_v128_store(dst + i * 4, out);
  }
  for (; i < n; i++) {
    const uint8_t *p = src + i * 4;
    uint8_t y = (uint8_t)((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8);
    dst[i * 4] = dst[i * 4 + 1] = dst[i * 4 + 2] = y;
    dst[i * 4 + 3] = p[3];
  }
  return packed(dst, n * 4);
}

static uint32_t clampi(int64_t v, uint32_t hi) { return v < 0 ? 0 : v > hi ? hi : (uint32_t)v; }

// One output pixel with clamped neighbours (the edges, and what SIMD leaves over).
static void blur_pixel(const uint8_t *src, uint8_t *dst, uint32_t w, uint32_t h, uint32_t x, uint32_t y) {
  static const int k[3] = {1, 2, 1};
  for (int c = 0; c < 4; c++) {
    uint32_t sum = 0;
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++)
        sum += k[dy + 1] * k[dx + 1] * src[(clampi((int64_t)y + dy, h - 1) * w + clampi((int64_t)x + dx, w - 1)) * 4 + c];
    dst[(y * w + x) * 4 + c] = (uint8_t)((sum + 8) >> 4);
  }
}

// l + 2c + r for 8 channel values, widened to u16 (at most 4 * 255).
static inline v128_t row_lo(const uint8_t *p) {
  return wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(wasm_v128_load(p - 4)), wasm_u16x8_extend_low_u8x16(wasm_v128_load(p + 4))),
                        wasm_i16x8_shl(wasm_u16x8_extend_low_u8x16(wasm_v128_load(p)), 1));
}
static inline v128_t row_hi(const uint8_t *p) {
  return wasm_i16x8_add(wasm_i16x8_add(wasm_u16x8_extend_high_u8x16(wasm_v128_load(p - 4)), wasm_u16x8_extend_high_u8x16(wasm_v128_load(p + 4))),
                        wasm_i16x8_shl(wasm_u16x8_extend_high_u8x16(wasm_v128_load(p)), 1));
}

static void blur_pass(const uint8_t *src, uint8_t *dst, uint32_t w, uint32_t h) {
  const v128_t eight = wasm_i16x8_splat(8);
  for (uint32_t y = 0; y < h; y++) {
    uint32_t x = 0;
    if (y > 0 && y + 1 < h && w > 2) {
      blur_pixel(src, dst, w, h, 0, y);
      // 4 pixels (16 channel values) at a time, while x + 4 stays left of the right edge
      for (x = 1; x + 4 < w; x += 4) {
        const uint8_t *m = src + (y * w + x) * 4;
        const uint8_t *u = m - w * 4, *d = m + w * 4;
        v128_t lo = wasm_i16x8_add(wasm_i16x8_add(row_lo(u), row_lo(d)), wasm_i16x8_shl(row_lo(m), 1));
        v128_t hi = wasm_i16x8_add(wasm_i16x8_add(row_hi(u), row_hi(d)), wasm_i16x8_shl(row_hi(m), 1));
        lo = wasm_u16x8_shr(wasm_i16x8_add(lo, eight), 4);
        hi = wasm_u16x8_shr(wasm_i16x8_add(hi, eight), 4);
        wasm_v128_store(dst + (y * w + x) * 4, wasm_u8x16_narrow_i16x8(lo, hi));
      }
    }
    for (; x < w; x++) blur_pixel(src, dst, w, h, x, y);
  }
}

EXPORT("blur") uint64_t blur(const uint8_t *in, uint32_t len) {
  uint32_t w, h, passes;
  const uint8_t *src = pixels(in, len, &w, &h, &passes);
  uint32_t bytes = w * h * 4;
  uint8_t *a = malloc(bytes), *b = malloc(bytes);
  memcpy(a, src, bytes);
  for (uint32_t p = 0; p < passes; p++) {
    blur_pass(a, b, w, h);
    uint8_t *t = a;
    a = b;
    b = t;
  }
  free(b);
  return packed(a, bytes);
}

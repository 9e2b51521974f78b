// A quantised two-layer network (int8 weights, int32 accumulators) in C with
// wasm SIMD: classify(ptr, len) -> i64 takes the model and a batch of images
// (the layout is model.mjs's pack()) and returns each image's int32 logits.
// Dot products take 16 int8 pairs per step: widened to i16, multiplied and
// summed pairwise into i32 lanes (i32x4.dot_i16x8_s). Integer arithmetic is
// exact, so the logits equal model.mjs's quantisedJs to the last bit.
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

// Sum of w[i] * x[i] for i < n (n a multiple of 16); x holds values 0..127.
static int32_t dot(const int8_t *w, const int8_t *x, uint32_t n) {
  v128_t acc = wasm_i32x4_splat(0);
  for (uint32_t i = 0; i < n; i += 16) {
    v128_t wv = wasm_v128_load(w + i), xv = wasm_v128_load(x + i);
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_low_i8x16(wv), wasm_i16x8_extend_low_i8x16(xv)));
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_extend_high_i8x16(wv), wasm_i16x8_extend_high_i8x16(xv)));
  }
  return wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) + wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
}

EXPORT("classify") uint64_t classify(const uint8_t *in, uint32_t len) {
  uint32_t hd[6];
  if (len < sizeof hd) __builtin_trap();
  memcpy(hd, in, sizeof hd);
  uint32_t inputs = hd[1], hidden = hd[2], outputs = hd[3], count = hd[5];
  int64_t m = hd[4];
  // "CWNN", sizes SIMD can step through, and a length that adds up
  if (hd[0] != 0x4e4e5743 || inputs % 16 || hidden % 16 || inputs > 4096 || hidden > 4096 || outputs > 4096 || count > (1u << 20)) __builtin_trap();
  uint64_t need = 24 + (uint64_t)(hidden + outputs) * 4 + (uint64_t)hidden * inputs + (uint64_t)outputs * hidden + (uint64_t)count * inputs;
  if (need != len) __builtin_trap();
  const int32_t *b1 = (const int32_t *)(in + 24), *b2 = b1 + hidden;
  const int8_t *w1 = (const int8_t *)(b2 + outputs), *w2 = w1 + hidden * inputs;
  const int8_t *images = w2 + outputs * hidden;
  int32_t *logits = malloc((size_t)count * outputs * 4 + 1);
  int8_t *h = malloc(hidden);
  for (uint32_t n = 0; n < count; n++) {
    const int8_t *x = images + (size_t)n * inputs;
    for (uint32_t j = 0; j < hidden; j++) {
      int64_t v = ((int64_t)(b1[j] + dot(w1 + (size_t)j * inputs, x, inputs)) * m + (1 << 23)) >> 24;
      h[j] = (int8_t)(v < 0 ? 0 : v > 127 ? 127 : v);
    }
    for (uint32_t o = 0; o < outputs; o++) logits[(size_t)n * outputs + o] = b2[o] + dot(w2 + (size_t)o * hidden, h, hidden);
  }
  free(h);
  return ((uint64_t)(uintptr_t)logits << 32) | (count * outputs * 4);
}

// Matrix multiply, C = A x B for n x n f64 matrices, in C with SIMD
// (wasm_simd128.h, two columns per step; any n, the odd column scalar).
// Same interface as matmul.wat: n (u32), 4 bytes of padding, A, B row-major
// in; C row-major out. Loop order i-k-j with separate multiply and add (no
// FMA, no reassociation), so C[i][j] is summed in k order as in the JS
// reference, bit for bit.
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

EXPORT("matmul") uint64_t matmul(const uint8_t *in, uint32_t len) {
  uint32_t n;
  if (len < 8) __builtin_trap();
  memcpy(&n, in, 4);
  if ((uint64_t)n * n * 16 + 8 != len) __builtin_trap();
  const double *a = (const double *)(in + 8), *b = a + (size_t)n * n;
  double *c = calloc((size_t)n * n, sizeof(double));
  for (uint32_t i = 0; i < n; i++) {
    double *ci = c + (size_t)i * n;
    for (uint32_t k = 0; k < n; k++) {
      const double aik = a[(size_t)i * n + k];
      const double *bk = b + (size_t)k * n;
      const v128_t av = wasm_f64x2_splat(aik);
      uint32_t j = 0;
      for (; j + 2 <= n; j += 2) wasm_v128_store(ci + j, wasm_f64x2_add(wasm_v128_load(ci + j), wasm_f64x2_mul(av, wasm_v128_load(bk + j))));
      for (; j < n; j++) ci[j] += aik * bk[j];
    }
  }
  return ((uint64_t)(uintptr_t)c << 32) | (n * n * 8);
}

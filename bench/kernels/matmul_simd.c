/*
 * matmul_simd — single-precision matrix multiply C = A * B, 128x128, 128-bit SIMD.
 *
 *   uint32_t run(uint32_t n)
 *     n = number of 128x128x128 multiplies. Before multiply r, one element of
 *     B is bumped (B[r mod 16384] += 0.25), so each product differs. Returns a
 *     hash of the bit patterns of every C produced.
 *
 * Same algorithm on both targets: for each row i of C, 16 columns at a time
 * (four 4-lane accumulators), accumulate splat(A[i][k]) * B[k][j..j+15] over k.
 *   - wasm:   wasm_simd128.h intrinsics (v128 f32x4), compiled with -msimd128
 *   - native: GCC/Clang vector extensions (float x4, 16 bytes)
 * Inputs are small multiples of 1/8, so every product and partial sum is exact
 * in float32: the checksum does not depend on rounding or operation order.
 */
#include <stdint.h>

#define DIM 128u

static float A[DIM * DIM] __attribute__((aligned(16)));
static float B[DIM * DIM] __attribute__((aligned(16)));
static float C[DIM * DIM] __attribute__((aligned(16)));

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

static void matmul(void) {
    for (uint32_t i = 0; i < DIM; i++) {
        const float *arow = A + i * DIM;
        float *crow = C + i * DIM;
        for (uint32_t j = 0; j < DIM; j += 16) {
            v128_t c0 = wasm_f32x4_splat(0.0f), c1 = c0, c2 = c0, c3 = c0;
            for (uint32_t k = 0; k < DIM; k++) {
                const v128_t a = wasm_f32x4_splat(arow[k]);
                const float *b = B + k * DIM + j;
                c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(a, wasm_v128_load(b)));
                c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(a, wasm_v128_load(b + 4)));
                c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(a, wasm_v128_load(b + 8)));
                c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(a, wasm_v128_load(b + 12)));
            }
            wasm_v128_store(crow + j, c0);
            wasm_v128_store(crow + j + 4, c1);
            wasm_v128_store(crow + j + 8, c2);
            wasm_v128_store(crow + j + 12, c3);
        }
    }
}

#else /* native: GCC vector extensions */

typedef float f32x4 __attribute__((vector_size(16)));

static void matmul(void) {
    for (uint32_t i = 0; i < DIM; i++) {
        const float *arow = A + i * DIM;
        float *crow = C + i * DIM;
        for (uint32_t j = 0; j < DIM; j += 16) {
            f32x4 c0 = {0, 0, 0, 0}, c1 = c0, c2 = c0, c3 = c0;
            for (uint32_t k = 0; k < DIM; k++) {
                const float s = arow[k];
                const f32x4 a = {s, s, s, s};
                const f32x4 *b = (const f32x4 *)(B + k * DIM + j);
                c0 = c0 + a * b[0];
                c1 = c1 + a * b[1];
                c2 = c2 + a * b[2];
                c3 = c3 + a * b[3];
            }
            f32x4 *c = (f32x4 *)(crow + j);
            c[0] = c0;
            c[1] = c1;
            c[2] = c2;
            c[3] = c3;
        }
    }
}

#endif

static void init(void) {
    for (uint32_t i = 0; i < DIM; i++) {
        for (uint32_t j = 0; j < DIM; j++) {
            A[i * DIM + j] = (float)((int32_t)((i * 7u + j * 3u) % 17u) - 8) * 0.125f;
            B[i * DIM + j] = (float)((int32_t)((i * 5u + j * 11u) % 13u) - 6) * 0.125f;
        }
    }
}

uint32_t run(uint32_t n) {
    init();
    uint32_t h = 2166136261u;
    for (uint32_t r = 0; r < n; r++) {
        B[r % (DIM * DIM)] += 0.25f;
        matmul();
        uint32_t s = 0;
        for (uint32_t i = 0; i < DIM * DIM; i++) {
            union { float f; uint32_t u; } c;
            c.f = C[i];
            s += c.u * (2u * i + 1u); /* order-independent, vectorizable */
        }
        h = (h ^ s) * 16777619u;
    }
    return h;
}

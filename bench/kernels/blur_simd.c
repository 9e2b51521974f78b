/*
 * blur_simd — separable 3x3 Gaussian blur ([1 2 1] x [1 2 1] / 16, rounded)
 * of a 512x512 8-bit grayscale image, 128-bit SIMD on 8 x u16 lanes.
 *
 *   uint32_t run(uint32_t n)
 *     n = number of blur passes. The image is regenerated from a fixed seed on
 *     every call; passes ping-pong between two buffers (each pass blurs the
 *     previous result). Border pixels are copied unchanged. Returns a hash of
 *     the final image.
 *
 * Same algorithm on both targets:
 *   horizontal: t[y][x] = s[y][x-1] + 2*s[y][x] + s[y][x+1]           (u16)
 *   vertical:   d[y][x] = (t[y-1][x] + 2*t[y][x] + t[y+1][x] + 8) >> 4  (u8)
 * for interior pixels, 8 at a time, with a scalar loop for the remainder.
 *   - wasm:   wasm_simd128.h intrinsics (load8x8_u, i16x8 add/shl/shr, narrow)
 *   - native: GCC vector extensions (u16 x 8, __builtin_convertvector)
 * Integer-only, so results are identical everywhere.
 */
#include <stdint.h>

#define W 512u
#define H 512u

static uint8_t img0[W * H] __attribute__((aligned(16)));
static uint8_t img1[W * H] __attribute__((aligned(16)));
static uint16_t tmp[W * H] __attribute__((aligned(16)));

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

static void hpass_row(const uint8_t *s, uint16_t *t, uint32_t *x) {
    uint32_t i = *x;
    for (; i + 8 <= W - 1; i += 8) {
        v128_t l = wasm_u16x8_load8x8(s + i - 1);
        v128_t c = wasm_u16x8_load8x8(s + i);
        v128_t r = wasm_u16x8_load8x8(s + i + 1);
        v128_t sum = wasm_i16x8_add(wasm_i16x8_add(l, r), wasm_i16x8_shl(c, 1));
        wasm_v128_store(t + i, sum);
    }
    *x = i;
}

static void vpass_row(const uint16_t *up, const uint16_t *mid, const uint16_t *dn, uint8_t *d,
                      uint32_t *x) {
    const v128_t eight = wasm_i16x8_splat(8);
    uint32_t i = *x;
    for (; i + 8 <= W - 1; i += 8) {
        v128_t a = wasm_v128_load(up + i);
        v128_t b = wasm_v128_load(mid + i);
        v128_t c = wasm_v128_load(dn + i);
        v128_t sum = wasm_i16x8_add(wasm_i16x8_add(a, c), wasm_i16x8_add(wasm_i16x8_shl(b, 1), eight));
        sum = wasm_u16x8_shr(sum, 4);
        v128_t packed = wasm_u8x16_narrow_i16x8(sum, sum);
        wasm_v128_store64_lane(d + i, packed, 0);
    }
    *x = i;
}

#else /* native: GCC vector extensions */

typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));

/* Load 8 bytes and zero-extend them to 8 x u16 (like wasm's load8x8_u). */
static inline u16x8 load_u8x8_widen(const uint8_t *p) {
    uint64_t q;
    __builtin_memcpy(&q, p, 8);
#if defined(__GNUC__) && !defined(__clang__)
    /* Interleave with zero bytes (punpcklbw); GCC 12 expands the 8-lane
       __builtin_convertvector below into a much slower sequence. */
    const u64x2 w = {q, 0};
    const u8x16 zero = {0};
    const u8x16 mask = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23};
    return (u16x8)__builtin_shuffle((u8x16)w, zero, mask);
#else
    u8x8 v;
    __builtin_memcpy(&v, &q, 8);
    return __builtin_convertvector(v, u16x8);
#endif
}

static inline u16x8 load_u16x8(const uint16_t *p) {
    u16x8 v;
    __builtin_memcpy(&v, p, 16);
    return v;
}

static void hpass_row(const uint8_t *s, uint16_t *t, uint32_t *x) {
    uint32_t i = *x;
    for (; i + 8 <= W - 1; i += 8) {
        u16x8 l = load_u8x8_widen(s + i - 1);
        u16x8 c = load_u8x8_widen(s + i);
        u16x8 r = load_u8x8_widen(s + i + 1);
        u16x8 sum = (l + r) + (c << 1);
        __builtin_memcpy(t + i, &sum, 16);
    }
    *x = i;
}

static void vpass_row(const uint16_t *up, const uint16_t *mid, const uint16_t *dn, uint8_t *d,
                      uint32_t *x) {
    uint32_t i = *x;
    for (; i + 8 <= W - 1; i += 8) {
        u16x8 a = load_u16x8(up + i);
        u16x8 b = load_u16x8(mid + i);
        u16x8 c = load_u16x8(dn + i);
        u16x8 sum = ((a + c) + ((b << 1) + 8)) >> 4;
        u8x8 packed = __builtin_convertvector(sum, u8x8);
        __builtin_memcpy(d + i, &packed, 8);
    }
    *x = i;
}

#endif

static void blur(const uint8_t *s, uint8_t *d) {
    /* Horizontal pass over every row, interior columns. */
    for (uint32_t y = 0; y < H; y++) {
        const uint8_t *srow = s + y * W;
        uint16_t *trow = tmp + y * W;
        uint32_t x = 1;
        hpass_row(srow, trow, &x);
        for (; x < W - 1; x++) trow[x] = (uint16_t)(srow[x - 1] + 2u * srow[x] + srow[x + 1]);
    }
    /* Vertical pass, interior rows; borders copied. */
    for (uint32_t x = 0; x < W; x++) {
        d[x] = s[x];
        d[(H - 1) * W + x] = s[(H - 1) * W + x];
    }
    for (uint32_t y = 1; y < H - 1; y++) {
        const uint16_t *up = tmp + (y - 1) * W, *mid = tmp + y * W, *dn = tmp + (y + 1) * W;
        uint8_t *drow = d + y * W;
        drow[0] = s[y * W];
        drow[W - 1] = s[y * W + W - 1];
        uint32_t x = 1;
        vpass_row(up, mid, dn, drow, &x);
        for (; x < W - 1; x++) drow[x] = (uint8_t)((up[x] + 2u * mid[x] + dn[x] + 8u) >> 4);
    }
}

uint32_t run(uint32_t n) {
    /* Smooth gradient + rings + xorshift noise, so blurring has work to do. */
    uint32_t r = 0x2545f491u;
    for (uint32_t y = 0; y < H; y++) {
        for (uint32_t x = 0; x < W; x++) {
            r ^= r << 13; r ^= r >> 17; r ^= r << 5;
            uint32_t ring = ((x - W / 2) * (x - W / 2) + (y - H / 2) * (y - H / 2)) >> 9;
            uint32_t v = ((x + y) >> 2) + ((ring & 8u) ? 96u : 0u) + (r >> 27);
            img0[y * W + x] = (uint8_t)(v > 255u ? 255u : v);
        }
    }
    uint8_t *src = img0, *dst = img1;
    for (uint32_t p = 0; p < n; p++) {
        blur(src, dst);
        uint8_t *t = src; src = dst; dst = t;
    }
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < W * H; i += 4) {
        uint32_t w = (uint32_t)src[i] | ((uint32_t)src[i + 1] << 8) | ((uint32_t)src[i + 2] << 16) |
                     ((uint32_t)src[i + 3] << 24);
        h = (h ^ w) * 16777619u;
    }
    return h ^ n;
}

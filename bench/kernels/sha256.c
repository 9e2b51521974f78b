/*
 * sha256 — SHA-256 (FIPS 180-4) over a chain of 16 KiB messages.
 *
 *   uint32_t run(uint32_t n)
 *     n = number of 16 KiB messages hashed. The message buffer is regenerated
 *     from a fixed seed on every call, and after each hash the digest is written
 *     back over the first 32 bytes of the buffer, so every hash depends on the
 *     previous one. Returns a 32-bit fold of all digests.
 *
 * Freestanding C: no libc, static buffers only. Built for wasm32 with clang and
 * natively with gcc (see bench/build-kernels.mjs).
 */
#include <stdint.h>

#define MSG_BYTES 16384u

static uint8_t msg[MSG_BYTES];

static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static inline uint32_t rotr32(uint32_t x, unsigned r) { return (x >> r) | (x << (32u - r)); }

static inline uint32_t load_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Process one 64-byte block. */
static void compress(uint32_t st[8], const uint8_t *block) {
    uint32_t w[64];
    for (unsigned t = 0; t < 16; t++) w[t] = load_be32(block + 4 * t);
    for (unsigned t = 16; t < 64; t++) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
    for (unsigned t = 0; t < 64; t++) {
        uint32_t S1 = rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + K[t] + w[t];
        uint32_t S0 = rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d;
    st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

/* Hash len bytes (any length) into out[8]. */
static void sha256(const uint8_t *data, uint32_t len, uint32_t out[8]) {
    uint32_t st[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                      0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    uint32_t off = 0;
    for (; off + 64 <= len; off += 64) compress(st, data + off);

    /* Padding: remaining bytes, 0x80, zeros, 64-bit big-endian bit length. */
    uint8_t tail[128];
    uint32_t rem = len - off, i;
    for (i = 0; i < rem; i++) tail[i] = data[off + i];
    tail[i++] = 0x80;
    uint32_t total = (rem + 9 <= 64) ? 64u : 128u;
    for (; i < total - 8; i++) tail[i] = 0;
    uint64_t bits = (uint64_t)len * 8u;
    store_be32(tail + total - 8, (uint32_t)(bits >> 32));
    store_be32(tail + total - 4, (uint32_t)bits);
    compress(st, tail);
    if (total == 128) compress(st, tail + 64);
    for (i = 0; i < 8; i++) out[i] = st[i];
}

uint32_t run(uint32_t n) {
    uint32_t x = 0x9e3779b9u; /* xorshift32 seed */
    for (uint32_t i = 0; i < MSG_BYTES; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        msg[i] = (uint8_t)(x >> 24);
    }
    uint32_t acc = 0, d[8];
    for (uint32_t r = 0; r < n; r++) {
        sha256(msg, MSG_BYTES, d);
        for (unsigned k = 0; k < 8; k++) store_be32(msg + 4 * k, d[k]);
        acc = ((acc << 5) | (acc >> 27)) ^ d[0] ^ d[7];
    }
    return acc;
}

#ifdef SHA256_SELFTEST
/* gcc -DSHA256_SELFTEST sha256.c && ./a.out : known-answer tests. */
#include <stdio.h>
int main(void) {
    static const uint8_t abc[3] = {'a', 'b', 'c'};
    uint32_t d[8];
    sha256(abc, 3, d);
    int ok = d[0] == 0xba7816bfu && d[7] == 0xf20015adu;
    static uint8_t m56[56];
    const char *s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (int i = 0; i < 56; i++) m56[i] = (uint8_t)s[i];
    sha256(m56, 56, d);
    ok &= d[0] == 0x248d6a61u && d[7] == 0x19db06c1u;
    printf("%s\n", ok ? "ok" : "FAIL");
    return !ok;
}
#endif

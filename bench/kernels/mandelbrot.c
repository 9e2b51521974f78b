/*
 * mandelbrot — escape-time Mandelbrot set, double precision, scalar.
 *
 *   uint32_t run(uint32_t n)
 *     n = number of 192x192 frames rendered (max 256 iterations per pixel).
 *     Frame f is shifted slightly along the real axis, so frames differ and
 *     none of the work can be hoisted. Returns a hash of all iteration counts.
 *
 * Floating-point results are bit-exact across wasm and native as long as the
 * native build does not contract a*b+c into FMA (build with -ffp-contract=off).
 */
#include <stdint.h>

#define SIDE 192u
#define MAX_ITER 256u

uint32_t run(uint32_t n) {
    const double x0 = -2.1, y0 = -1.25, span = 2.5;
    const double step = span / (double)SIDE;
    uint32_t h = 2166136261u;
    for (uint32_t f = 0; f < n; f++) {
        const double shift = (double)(f % 64u) * (1.0 / 4096.0);
        for (uint32_t py = 0; py < SIDE; py++) {
            const double ci = y0 + (double)py * step;
            uint32_t row = 0;
            for (uint32_t px = 0; px < SIDE; px++) {
                const double cr = x0 + shift + (double)px * step;
                double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
                uint32_t it = 0;
                while (it < MAX_ITER && zr2 + zi2 <= 4.0) {
                    zi = 2.0 * zr * zi + ci;
                    zr = zr2 - zi2 + cr;
                    zr2 = zr * zr;
                    zi2 = zi * zi;
                    it++;
                }
                row = row * 31u + it;
            }
            h = (h ^ row) * 16777619u;
        }
    }
    return h;
}

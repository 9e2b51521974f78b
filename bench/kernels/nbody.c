/*
 * nbody — gravitational n-body simulation of five bodies (a Sun and four
 * planets), symplectic Euler steps of dt = 0.01 years, double precision.
 *
 *   uint32_t run(uint32_t n)
 *     n = number of time steps. The system is reset from fixed initial
 *     conditions on every call. Returns a fold of the bit patterns of the
 *     total energy before and after and of the final positions.
 *
 * Bit-exact across wasm and native only without FMA contraction
 * (native build uses -ffp-contract=off); sqrt is IEEE-correctly rounded in both.
 */
#include <stdint.h>

#define NB 5
#define PI_ 3.141592653589793
#define SOLAR_MASS (4.0 * PI_ * PI_)

typedef struct { double x, y, z, vx, vy, vz, m; } body;

static body bodies[NB];

/*
 * Initial conditions: a Sun plus four planets on roughly circular orbits
 * (units: AU, years, G*M_sun = 4*pi^2). Directions use Pythagorean triples so
 * no trigonometry is needed; each planet gets a small out-of-plane tilt.
 *   { radius AU, cos, sin, mass in solar masses, z tilt }
 */
static const double planets[NB - 1][5] = {
    {5.2, 3.0 / 5.0, 4.0 / 5.0, 9.5e-4, 0.010},
    {9.6, -8.0 / 17.0, 15.0 / 17.0, 2.9e-4, -0.020},
    {19.2, 5.0 / 13.0, -12.0 / 13.0, 4.4e-5, 0.015},
    {30.1, -7.0 / 25.0, -24.0 / 25.0, 5.2e-5, -0.005},
};

static double sqrt_(double x) { return __builtin_sqrt(x); }

static void reset(void) {
    bodies[0].x = bodies[0].y = bodies[0].z = 0.0;
    bodies[0].vx = bodies[0].vy = bodies[0].vz = 0.0;
    bodies[0].m = SOLAR_MASS;
    for (int i = 1; i < NB; i++) {
        const double *p = planets[i - 1];
        double r = p[0], c = p[1], s = p[2];
        double v = 2.0 * PI_ / sqrt_(r); /* circular orbit speed, AU/year */
        bodies[i].x = r * c;
        bodies[i].y = r * s;
        bodies[i].z = p[4] * r;
        bodies[i].vx = -s * v;
        bodies[i].vy = c * v;
        bodies[i].vz = -p[4] * v;
        bodies[i].m = p[3] * SOLAR_MASS;
    }
    /* Give the Sun the opposite of the planets' total momentum. */
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NB; i++) {
        px += bodies[i].vx * bodies[i].m;
        py += bodies[i].vy * bodies[i].m;
        pz += bodies[i].vz * bodies[i].m;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(void) {
    double e = 0.0;
    for (int i = 0; i < NB; i++) {
        const body *a = &bodies[i];
        e += 0.5 * a->m * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < NB; j++) {
            const body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= (a->m * b->m) / sqrt_(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void step(double dt) {
    for (int i = 0; i < NB; i++) {
        body *a = &bodies[i];
        for (int j = i + 1; j < NB; j++) {
            body *b = &bodies[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt_(d2));
            double mb = b->m * mag, ma = a->m * mag;
            a->vx -= dx * mb; a->vy -= dy * mb; a->vz -= dz * mb;
            b->vx += dx * ma; b->vy += dy * ma; b->vz += dz * ma;
        }
    }
    for (int i = 0; i < NB; i++) {
        body *a = &bodies[i];
        a->x += dt * a->vx;
        a->y += dt * a->vy;
        a->z += dt * a->vz;
    }
}

static uint32_t fold(uint32_t h, double v) {
    union { double d; uint64_t u; } c;
    c.d = v;
    h = (h ^ (uint32_t)c.u) * 16777619u;
    h = (h ^ (uint32_t)(c.u >> 32)) * 16777619u;
    return h;
}

uint32_t run(uint32_t n) {
    reset();
    uint32_t h = fold(2166136261u, energy());
    for (uint32_t s = 0; s < n; s++) step(0.01);
    h = fold(h, energy());
    for (int i = 0; i < NB; i++) {
        h = fold(h, bodies[i].x);
        h = fold(h, bodies[i].y);
        h = fold(h, bodies[i].z);
    }
    return h;
}

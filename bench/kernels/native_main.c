/*
 * Native timing driver for the compute kernels.
 *
 * Linked with one kernel's <name>.c (which defines uint32_t run(uint32_t n)),
 * built by bench/build-kernels.mjs with -DKERNEL_NAME="<name>".
 *
 *   usage: <exe> <n> [reps=10] [warmup=1]
 *
 * Calls run(n) `warmup` times untimed, then `reps` times, each timed with
 * clock_gettime(CLOCK_MONOTONIC), and prints one line of JSON:
 *   {"name":"sha256","n":640,"reps":10,"warmup":1,"times_ns":[...],"checksum":123}
 * Exits 2 if run(n) ever returns a different checksum (non-determinism).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef KERNEL_NAME
#define KERNEL_NAME "unknown"
#endif

uint32_t run(uint32_t n);

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long arg(int argc, char **argv, int i, long def) {
    if (i >= argc) return def;
    char *endp;
    long v = strtol(argv[i], &endp, 10);
    if (*argv[i] == '\0' || *endp != '\0' || v < 0) {
        fprintf(stderr, "%s: bad argument '%s'\n", KERNEL_NAME, argv[i]);
        exit(64);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <n> [reps=10] [warmup=1]\n", argv[0]);
        return 64;
    }
    uint32_t n = (uint32_t)arg(argc, argv, 1, 0);
    long reps = arg(argc, argv, 2, 10);
    long warmup = arg(argc, argv, 3, 1);

    int64_t *times = malloc(sizeof(int64_t) * (size_t)(reps > 0 ? reps : 1));
    if (!times) return 70;

    uint32_t checksum = 0;
    int have = 0, unstable = 0;
    for (long i = 0; i < warmup + reps; i++) {
        int64_t t0 = now_ns();
        uint32_t c = run(n);
        int64_t t1 = now_ns();
        if (i >= warmup) times[i - warmup] = t1 - t0;
        if (have && c != checksum) unstable = 1;
        checksum = c;
        have = 1;
    }

    printf("{\"name\":\"%s\",\"n\":%u,\"reps\":%ld,\"warmup\":%ld,\"times_ns\":[", KERNEL_NAME, n, reps, warmup);
    for (long i = 0; i < reps; i++) printf("%s%lld", i ? "," : "", (long long)times[i]);
    printf("],\"checksum\":%u}\n", checksum);
    free(times);
    if (unstable) {
        fprintf(stderr, "%s: run(%u) returned different checksums across calls\n", KERNEL_NAME, n);
        return 2;
    }
    return 0;
}

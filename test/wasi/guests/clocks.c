/* Clocks: realtime is plausibly now, monotonic never goes back and advances
 * across a sleep (poll_oneoff), resolutions are positive, the CPU-time clocks as
 * the host answers them (called directly, not through libc). (An unknown clock id
 * traps in wasmtime-wasi: traps.c.)
 *
 * No preopen needed.
 *
 * WASI imports (wasm-objdump -x): clock_res_get clock_time_get fd_close fd_fdstat_get
 *   fd_seek fd_write poll_oneoff proc_exit
 */
#include <sys/time.h>
#include <time.h>
#include <wasi/api.h>

#include "common.h"

#define Y2020 1577836800LL
#define Y2100 4102444800LL

static long long ns(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

static void raw_clock(const char *label, __wasi_clockid_t id) {
  __wasi_timestamp_t t = 0, res = 0;
  __wasi_errno_t e1 = __wasi_clock_time_get(id, 1, &t);
  __wasi_errno_t e2 = __wasi_clock_res_get(id, &res);
  printf("%s: time_get %s, res_get %s", label, e1 ? errname(e1) : "ok", e2 ? errname(e2) : "ok");
  if (!e2) printf(", res > 0: %s", res > 0 ? "yes" : "no");
  putchar('\n');
}

int main(void) {
  struct timespec rt, m0, m1, res;
  check("clock_gettime CLOCK_REALTIME", clock_gettime(CLOCK_REALTIME, &rt));
  printf("realtime after 2020-01-01: %s\n", rt.tv_sec > Y2020 ? "yes" : "no");
  printf("realtime before 2100-01-01: %s\n", rt.tv_sec < Y2100 ? "yes" : "no");
  time_t t = time(NULL);
  printf("time() within 2 s of realtime: %s\n", t - rt.tv_sec <= 2 && rt.tv_sec - t <= 2 ? "yes" : "no");
  struct timeval tv;
  check("gettimeofday", gettimeofday(&tv, NULL));
  printf("gettimeofday within 2 s of realtime: %s\n",
         tv.tv_sec - rt.tv_sec <= 2 && rt.tv_sec - tv.tv_sec <= 2 ? "yes" : "no");

  check("clock_gettime CLOCK_MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &m0));
  int ok = 1;
  struct timespec prev = m0;
  for (int i = 0; i < 10000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &m1);
    if (ns(&m1) < ns(&prev)) ok = 0;
    prev = m1;
  }
  printf("monotonic non-decreasing over 10000 reads: %s\n", ok ? "yes" : "no");

  struct timespec nap = {0, 5 * 1000000}; /* 5 ms */
  clock_gettime(CLOCK_MONOTONIC, &m0);
  check("nanosleep 5 ms", nanosleep(&nap, NULL));
  clock_gettime(CLOCK_MONOTONIC, &m1);
  printf("monotonic advanced >= 5 ms across the sleep: %s\n", ns(&m1) - ns(&m0) >= 5000000LL ? "yes" : "no");
  printf("... and < 5 s: %s\n", ns(&m1) - ns(&m0) < 5000000000LL ? "yes" : "no");

  check("clock_getres CLOCK_REALTIME", clock_getres(CLOCK_REALTIME, &res));
  printf("realtime resolution in (0, 1 ms]: %s\n", ns(&res) > 0 && ns(&res) <= 1000000 ? "yes" : "no");
  check("clock_getres CLOCK_MONOTONIC", clock_getres(CLOCK_MONOTONIC, &res));
  printf("monotonic resolution in (0, 1 ms]: %s\n", ns(&res) > 0 && ns(&res) <= 1000000 ? "yes" : "no");

  raw_clock("raw realtime (0)", __WASI_CLOCKID_REALTIME);
  raw_clock("raw monotonic (1)", __WASI_CLOCKID_MONOTONIC);
  raw_clock("raw process cputime (2)", __WASI_CLOCKID_PROCESS_CPUTIME_ID);
  raw_clock("raw thread cputime (3)", __WASI_CLOCKID_THREAD_CPUTIME_ID);
  return 0;
}

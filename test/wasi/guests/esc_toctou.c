/* Escape: a symlink swapped in during the run (time of check vs time of use).
 * While the guest runs, the test keeps swapping sandbox/swap between a real
 * directory (whose file holds "inside") and a symlink to the outside directory
 * (whose file holds MARKER). The guest opens swap/file ITERATIONS times, and
 * every 8th time tries to create swap/made-<i>.
 *
 * stdout (stable): the iteration count and whether any open read outside.
 * stderr (timing-dependent): how many opens read inside / failed, by errno.
 * Preopen: sandbox/ at "." (read-write).
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_prestat_dir_name
 *   fd_prestat_get fd_read fd_seek fd_write path_open proc_exit
 */
#include "escape.h"

#ifndef ITERATIONS
#define ITERATIONS 20000
#endif

int main(void) {
  int inside = 0, outside = 0, created = 0;
  int errs[128] = {0};
  char buf[64];
  for (int i = 0; i < ITERATIONS; i++) {
    int fd = open("swap/file", O_RDONLY);
    if (fd < 0) {
      errs[errno & 127]++;
    } else {
      long n = read(fd, buf, sizeof buf - 1);
      buf[n < 0 ? 0 : n] = 0;
      close(fd);
      if (looks_outside(buf, n)) outside++;
      else inside++;
    }
    if (i % 8 == 0) {
      char name[32];
      snprintf(name, sizeof name, "swap/made-%d", i);
      fd = open(name, O_CREAT | O_WRONLY | O_EXCL, 0644);
      if (fd >= 0) {
        created++;
        close(fd);
      }
    }
  }
  printf("iterations: %d\n", ITERATIONS);
  printf("read outside content: %s\n", outside ? "yes" : "no");
  if (outside) {
    escaped = 1;
    printf("ESCAPED swap/file read outside %d times\n", outside);
  }
  fprintf(stderr, "inside reads %d, outside reads %d, files created %d\n", inside, outside, created);
  for (int e = 0; e < 128; e++)
    if (errs[e]) fprintf(stderr, "open failed %d times with %s\n", errs[e], errname(e));
  return finish();
}

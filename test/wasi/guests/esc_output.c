/* Output cap: write 2 MiB to stdout in 64 KiB chunks with write(2) (no stdio
 * buffering) and report on stderr each short write and the first failed write
 * with its errno. Exits 0 either way: a runtime may also stop it with a limit
 * error instead. No preopen needed.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_seek fd_write proc_exit
 */
#include "escape.h"

#define CHUNK (64 * 1024)
#define TOTAL (2 * 1024 * 1024)

static char chunk[CHUNK];

int main(void) {
  memset(chunk, 'x', sizeof chunk);
  long total = 0;
  int writes = 0;
  while (total < TOTAL) {
    long n = write(1, chunk, CHUNK);
    writes++;
    if (n < 0) {
      fprintf(stderr, "write %d failed: errno=%s after %ld bytes\n", writes, errname(errno), total);
      break;
    }
    if (n < CHUNK) fprintf(stderr, "write %d short: %ld of %d bytes\n", writes, n, CHUNK);
    if (n == 0) break;
    total += n;
  }
  fprintf(stderr, "wrote %ld bytes in %d writes\n", total, writes);
  return 0;
}

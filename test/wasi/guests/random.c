/* Random: getentropy of 64 bytes twice gives different, not-all-zero bytes;
 * more than 256 bytes at once is refused by libc (POSIX's limit); random_get
 * called directly fills a larger buffer. No preopen needed.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_seek fd_write proc_exit
 *   random_get
 */
#include <unistd.h>
#include <wasi/api.h>

#include "common.h"

static int all_zero(const unsigned char *b, int n) {
  for (int i = 0; i < n; i++)
    if (b[i]) return 0;
  return 1;
}

int main(void) {
  unsigned char a[64], b[64];
  static unsigned char big[4096];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  check("getentropy 64", getentropy(a, sizeof a));
  check("getentropy 64 again", getentropy(b, sizeof b));
  printf("first all zero: %s\n", all_zero(a, 64) ? "yes" : "no");
  printf("second all zero: %s\n", all_zero(b, 64) ? "yes" : "no");
  printf("the two differ: %s\n", memcmp(a, b, 64) ? "yes" : "no");
  check("getentropy 256", getentropy(big, 256));
  expect_fail("getentropy 257", getentropy(big, 257));
  __wasi_errno_t e = __wasi_random_get(big, sizeof big);
  printf("random_get 4096: %s\n", e ? errname(e) : "ok");
  int zeros = 0;
  for (int i = 0; i < 4096; i++) zeros += big[i] == 0;
  printf("zero bytes in 4096 below 64: %s\n", zeros < 64 ? "yes" : "no");
  return 0;
}

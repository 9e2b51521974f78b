/* Escape: reading environment variables that were not granted. The host
 * process has SECRET set (the test sets it); only ALLOWED is granted (or
 * nothing, in the no-env case). getenv(SECRET) must be NULL and environ must
 * hold only what was granted. Imports environ_get/environ_sizes_get, so strict
 * mode refuses it at load unless env is granted. No preopen needed.
 *
 * WASI imports (wasm-objdump -x): environ_get environ_sizes_get fd_close fd_fdstat_get
 *   fd_seek fd_write proc_exit
 */
#include <stdlib.h>

#include "escape.h"

extern char **environ;

int main(void) {
  const char *names[] = {"SECRET", "HOME", "PATH", "USER", "ALLOWED"};
  for (int i = 0; i < 5; i++) {
    const char *v = getenv(names[i]);
    printf("getenv %s: ", names[i]);
    if (v)
      print_quoted(v, (long)strlen(v));
    else
      fputs("(null)", stdout);
    putchar('\n');
    if (i == 0 && v) {
      escaped = 1;
      printf("ESCAPED getenv SECRET returned the host's value\n");
    }
  }
  int n = 0;
  while (environ[n]) n++;
  printf("environ: %d entries\n", n);
  for (int i = 0; i < n; i++) {
    printf("  ");
    print_quoted(environ[i], (long)strlen(environ[i]));
    putchar('\n');
    if (!strncmp(environ[i], "SECRET=", 7)) escaped = 1;
  }
  return finish();
}

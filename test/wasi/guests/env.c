/* Environment: getenv of the names the host grants, a name it did not grant,
 * and the whole environ sorted (so the order the host passes does not matter).
 *
 * Run with GREETING="hello world", EMPTY="", WITH_EQ="a=b" and nothing else.
 * No preopen needed.
 *
 * WASI imports (wasm-objdump -x): environ_get environ_sizes_get fd_close fd_fdstat_get
 *   fd_seek fd_write proc_exit
 */
#include <stdlib.h>

#include "common.h"

extern char **environ;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void show(const char *name) {
  const char *v = getenv(name);
  printf("getenv %s: ", name);
  if (v)
    print_quoted(v, (long)strlen(v));
  else
    fputs("(null)", stdout);
  putchar('\n');
}

int main(void) {
  show("GREETING");
  show("EMPTY");
  show("WITH_EQ");
  show("MISSING");
  show("PATH");
  show("HOME");
  int n = 0;
  while (environ[n]) n++;
  char **copy = malloc(sizeof(char *) * (n + 1));
  for (int i = 0; i < n; i++) copy[i] = environ[i];
  qsort(copy, n, sizeof *copy, cmp);
  printf("environ: %d entries\n", n);
  for (int i = 0; i < n; i++) {
    printf("  ");
    print_quoted(copy[i], (long)strlen(copy[i]));
    putchar('\n');
  }
  /* the guest's own setenv stays inside the guest */
  setenv("ADDED", "1", 1);
  show("ADDED");
  return 0;
}

/* Arguments: argc and every argv entry exactly (argv[0] only by its basename,
 * since hosts pass the module path in different forms).
 *
 * Run with: one "two words" "" --flag=x "ünï" "-q". No preopen needed.
 *
 * WASI imports (wasm-objdump -x): args_get args_sizes_get fd_close fd_fdstat_get
 *   fd_seek fd_write proc_exit
 */
#include "common.h"

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  const char *base = argv[0];
  for (const char *p = argv[0]; *p; p++)
    if (*p == '/') base = p + 1;
  printf("argv[0] basename: ");
  print_quoted(base, (long)strlen(base));
  putchar('\n');
  for (int i = 1; i < argc; i++) {
    printf("argv[%d]: ", i);
    print_quoted(argv[i], (long)strlen(argv[i]));
    printf(" (%ld bytes)\n", (long)strlen(argv[i]));
  }
  printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
  return 0;
}

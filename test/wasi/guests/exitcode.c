/* Exit codes. argv[1] says how to end:
 *   N        exit(N)            (stdio flushed by exit)
 *   _exit:N  _Exit(N)           (buffered stdout is lost)
 *   ret:N    return N from main
 *   (none)   return 0 from main
 * Before ending it writes one line to stdout (buffered) and one to stderr
 * (unbuffered). No preopen needed.
 *
 * WASI imports (wasm-objdump -x): args_get args_sizes_get fd_close fd_fdstat_get
 *   fd_seek fd_write proc_exit
 */
#include <stdlib.h>
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "";
  printf("stdout before exit (%s)\n", how[0] ? how : "return from main");
  fprintf(stderr, "stderr before exit\n");
  if (!how[0]) return 0;
  if (!strncmp(how, "ret:", 4)) return atoi(how + 4);
  if (!strncmp(how, "_exit:", 6)) _Exit(atoi(how + 6));
  exit(atoi(how));
}

/* Arguments the host cannot decode. wasmtime-wasi does not answer these with
 * EINVAL: converting the argument to its enum or flags type fails and the call
 * traps ("Invalid enum value Whence", ...). argv[1] picks the call:
 *   whence     fd_seek(1, 0, whence=42)
 *   clockid    clock_time_get(clock id 99)
 *   advice     fd_advise(1, 0, 0, advice=99)
 *   fstflags   fd_filestat_set_times(1, 0, 0, flags=0x10)
 *   oflags     path_open(3, "x", oflags=0x10)
 *   raise      proc_raise(SIGTERM)
 * Each prints what it calls to stderr (unbuffered), and what came back if the
 * call returned. No preopen needed.
 *
 * WASI imports (wasm-objdump -x): args_get args_sizes_get clock_time_get fd_advise
 *   fd_close fd_filestat_set_times fd_seek fd_write path_open proc_exit proc_raise
 */
#include <stdint.h>
#include <wasi/api.h>

#include "common.h"

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))
/* Declared here with plain integer types so that any value can be passed. */
WASI("fd_seek") int32_t raw_fd_seek(int32_t fd, int64_t off, int32_t whence, uint64_t *out);
WASI("clock_time_get") int32_t raw_clock_time_get(int32_t id, int64_t precision, uint64_t *out);
WASI("fd_advise") int32_t raw_fd_advise(int32_t fd, int64_t off, int64_t len, int32_t advice);
WASI("fd_filestat_set_times") int32_t raw_set_times(int32_t fd, int64_t atim, int64_t mtim, int32_t flags);
WASI("path_open")
int32_t raw_path_open(int32_t fd, int32_t dirflags, const char *path, int32_t path_len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t *out);
WASI("proc_raise") int32_t raw_proc_raise(int32_t sig);

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  uint64_t u = 0;
  int32_t fd = 0, e;
  fprintf(stderr, "calling %s\n", what);
  if (!strcmp(what, "whence")) e = raw_fd_seek(1, 0, 42, &u);
  else if (!strcmp(what, "clockid")) e = raw_clock_time_get(99, 1, &u);
  else if (!strcmp(what, "advice")) e = raw_fd_advise(1, 0, 0, 99);
  else if (!strcmp(what, "fstflags")) e = raw_set_times(1, 0, 0, 0x10);
  else if (!strcmp(what, "oflags")) e = raw_path_open(3, 0, "x", 1, 0x10, 0, 0, 0, &fd);
  else if (!strcmp(what, "raise")) e = raw_proc_raise(15 /* SIGTERM */);
  else {
    fprintf(stderr, "unknown call %s\n", what);
    return 2;
  }
  fprintf(stderr, "returned errno=%d %s\n", (int)e, errname(e));
  return 0;
}

/* Helpers for the escape guests (esc_*.c). Each attempt prints one line:
 *   `<label>: errno=<NAME>`            refused (what we want)
 *   `<label>: ok, read inside "..."`   allowed but stayed inside the sandbox
 *   `ESCAPED <label>: ...`             it got out; the guest then exits 99
 * The fixture's outside files hold MARKER, so a read that returns it is an escape.
 */
#ifndef CWASM_GUEST_ESCAPE_H
#define CWASM_GUEST_ESCAPE_H

#include <fcntl.h>
#include <unistd.h>
#include <wasi/api.h>

#include "common.h"

#define MARKER "OUTSIDE-SECRET"

static int escaped = 0;

static inline int looks_outside(const char *buf, long n) {
  if (n <= 0) return 0;
  return strstr(buf, MARKER) != NULL || strstr(buf, "root:x:0:0") != NULL;
}

static inline void report_read(const char *label, const char *buf, long n) {
  if (looks_outside(buf, n)) {
    escaped = 1;
    printf("ESCAPED %s: read outside content\n", label);
  } else {
    printf("%s: ok, read inside ", label);
    print_quoted(buf, n < 0 ? 0 : (n > 24 ? 24 : n));
    putchar('\n');
  }
}

/* open(path) through wasi-libc (which resolves it against the preopens) and read. */
static inline void try_read(const char *label, const char *path) {
  char buf[256] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: errno=%s\n", label, errname(errno));
    return;
  }
  long n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0)
    printf("%s: opened, read errno=%s\n", label, errname(errno));
  else
    report_read(label, buf, n);
}

/* path_open(dirfd, path) straight to the host, bypassing libc's path handling. */
static inline void try_raw_read(const char *label, __wasi_fd_t dirfd, const char *path) {
  char buf[256] = {0};
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(dirfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                      __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_READDIR, 0, 0, &fd);
  if (e) {
    printf("%s: errno=%s\n", label, errname(e));
    return;
  }
  __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
  __wasi_size_t n = 0;
  e = __wasi_fd_read(fd, &iov, 1, &n);
  (void)__wasi_fd_close(fd);
  if (e)
    printf("%s: opened, read errno=%s\n", label, errname(e));
  else
    report_read(label, buf, (long)n);
}

/* A modifying call that must be refused: rc < 0 is good, success is an escape. */
static inline void must_fail(const char *label, int rc) {
  if (rc < 0) {
    printf("%s: errno=%s\n", label, errname(errno));
  } else {
    escaped = 1;
    printf("ESCAPED %s: succeeded\n", label);
  }
}

static inline int finish(void) {
  printf("verdict: %s\n", escaped ? "ESCAPED" : "confined");
  fflush(stdout);
  return escaped ? 99 : 0;
}

#endif

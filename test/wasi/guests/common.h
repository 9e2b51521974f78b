/* Helpers shared by the WASI test guests (test/wasi/guests/NAME.c).
 *
 * Everything here is `static` and only pulls in stdio/errno, so a guest's WASI
 * imports are decided by what the guest itself calls. Output is one line per
 * check, never a time, a size that depends on the host, an inode or a pointer,
 * so that it can be compared byte for byte with test/wasi/expected/<case>.txt.
 */
#ifndef CWASM_GUEST_COMMON_H
#define CWASM_GUEST_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* errno values of wasi-libc are WASI's own numbers (ENOENT is 44), so name them
 * by the symbolic constants rather than printing numbers. */
static inline const char *errname(int e) {
  static char other[16];
  switch (e) {
  case 0: return "0";
  case E2BIG: return "E2BIG";
  case EACCES: return "EACCES";
  case EADDRINUSE: return "EADDRINUSE";
  case EAGAIN: return "EAGAIN";
  case EBADF: return "EBADF";
  case EBUSY: return "EBUSY";
  case ECONNREFUSED: return "ECONNREFUSED";
  case EEXIST: return "EEXIST";
  case EFAULT: return "EFAULT";
  case EFBIG: return "EFBIG";
  case EINVAL: return "EINVAL";
  case EIO: return "EIO";
  case EISDIR: return "EISDIR";
  case ELOOP: return "ELOOP";
  case EMFILE: return "EMFILE";
  case EMLINK: return "EMLINK";
  case ENAMETOOLONG: return "ENAMETOOLONG";
  case ENOENT: return "ENOENT";
  case ENOSPC: return "ENOSPC";
  case ENOSYS: return "ENOSYS";
  case ENOTCAPABLE: return "ENOTCAPABLE";
  case ENOTDIR: return "ENOTDIR";
  case ENOTEMPTY: return "ENOTEMPTY";
  case ENOTSOCK: return "ENOTSOCK";
  case ENOTSUP: return "ENOTSUP";
  case ENXIO: return "ENXIO";
  case EPERM: return "EPERM";
  case EPIPE: return "EPIPE";
  case EROFS: return "EROFS";
  case ESPIPE: return "ESPIPE";
  case EXDEV: return "EXDEV";
  default:
    snprintf(other, sizeof other, "E#%d", e);
    return other;
  }
}

/* `label: ok` when rc >= 0, else `label: errno=NAME`. Returns rc. */
static inline int check(const char *label, int rc) {
  if (rc < 0)
    printf("%s: errno=%s\n", label, errname(errno));
  else
    printf("%s: ok\n", label);
  return rc;
}

/* `label: errno=NAME` for a call expected to fail; `label: ok (unexpected)` if it did not. */
static inline int expect_fail(const char *label, int rc) {
  if (rc < 0)
    printf("%s: errno=%s\n", label, errname(errno));
  else
    printf("%s: ok (unexpected)\n", label);
  return rc;
}

/* Print bytes as a C-like quoted string: printable ASCII as is, the rest as \xNN. */
static inline void print_quoted(const char *buf, long n) {
  putchar('"');
  for (long i = 0; i < n; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '\n')
      fputs("\\n", stdout);
    else if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c >= 0x20 && c < 0x7f)
      putchar(c);
    else
      printf("\\x%02x", c);
  }
  putchar('"');
}

#endif

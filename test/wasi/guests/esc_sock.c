/* Escape: socket calls. wasi-libc has no socket functions for preview 1, so the
 * guest imports sock_accept/sock_recv/sock_send/sock_shutdown itself and calls
 * them on stdio, on fd 3 (the preopen when there is one) and on a made-up fd.
 * Each line gives the WASI errno number and its name; a success is an escape.
 * No preopen needed (the case runs with and without one).
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_seek fd_write proc_exit
 *   sock_accept sock_recv sock_send sock_shutdown
 */
#include <stdint.h>

#include "escape.h"

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(name)))

WASI("sock_accept") int32_t sock_accept(int32_t fd, int32_t flags, int32_t *out_fd);
WASI("sock_recv")
int32_t sock_recv(int32_t fd, const __wasi_iovec_t *iov, int32_t iov_len, int32_t ri_flags, int32_t *out_len,
                  int32_t *out_flags);
WASI("sock_send")
int32_t sock_send(int32_t fd, const __wasi_ciovec_t *iov, int32_t iov_len, int32_t si_flags, int32_t *out_len);
WASI("sock_shutdown") int32_t sock_shutdown(int32_t fd, int32_t how);

static void result(const char *call, int32_t fd, int32_t e) {
  if (e == 0) {
    escaped = 1;
    printf("ESCAPED %s(fd=%d): succeeded\n", call, (int)fd);
  } else {
    printf("%s(fd=%d): errno=%d %s\n", call, (int)fd, (int)e, errname(e));
  }
}

int main(void) {
  const int32_t fds[] = {0, 1, 3, 1000};
  char buf[16];
  for (int i = 0; i < 4; i++) {
    int32_t fd = fds[i], out = 0, oflags = 0;
    result("sock_accept", fd, sock_accept(fd, 0, &out));
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    result("sock_recv", fd, sock_recv(fd, &iov, 1, 0, &out, &oflags));
    __wasi_ciovec_t ciov = {(const uint8_t *)"ping", 4};
    result("sock_send", fd, sock_send(fd, &ciov, 1, 0, &out));
    result("sock_shutdown", fd, sock_shutdown(fd, 3 /* RD|WR */));
  }
  return finish();
}

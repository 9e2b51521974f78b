/* Escape: opening files when the host gave no preopen at all. wasi-libc finds
 * no preopen for any path and fails with ENOTCAPABLE before asking the host;
 * the raw calls ask the host with made-up descriptors anyway.
 *
 * Preopen: none. (Strict mode refuses this module at load unless filesystem is
 * granted, since it imports path_open; run it permissive or with an empty grant.)
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_prestat_dir_name
 *   fd_prestat_get fd_read fd_seek fd_write path_create_directory path_open proc_exit
 */
#include <sys/stat.h>

#include "escape.h"

int main(void) {
  try_read("open hello.txt", "hello.txt");
  try_read("open /etc/passwd", "/etc/passwd");
  try_read("open .", ".");
  must_fail("create new.txt", open("new.txt", O_CREAT | O_WRONLY, 0644));
  must_fail("mkdir newdir", mkdir("newdir", 0755));

  __wasi_prestat_t ps;
  __wasi_errno_t e = __wasi_fd_prestat_get(3, &ps);
  printf("fd_prestat_get(3): %s\n", e ? errname(e) : "ok (a preopen exists)");
  for (__wasi_fd_t fd = 3; fd <= 5; fd++) {
    char label[48];
    snprintf(label, sizeof label, "path_open(%u, /etc/passwd)", (unsigned)fd);
    try_raw_read(label, fd, "/etc/passwd");
    snprintf(label, sizeof label, "path_open(%u, hello.txt)", (unsigned)fd);
    try_raw_read(label, fd, "hello.txt");
  }
  try_raw_read("path_open(0 = stdin, x)", 0, "x");
  try_raw_read("path_open(1 = stdout, x)", 1, "x");
  try_raw_read("path_open(2 = stderr, x)", 2, "x");
  try_raw_read("path_open(4294967295, x)", 0xffffffffu, "x");
  return finish();
}

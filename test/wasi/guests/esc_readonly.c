/* Escape: modifying a read-only preopen. Every attempt is its own line; any
 * success is an escape (exit 99). Run with a read-write preopen it shows what
 * each call does when allowed (wasmtime run has no read-only preopens).
 *
 * Preopen: sandbox/ at "." READ-ONLY. Fixture: ro.txt ("read-only\n"),
 * ro2.txt, ro3.txt, emptydir/, full/f.txt.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_filestat_set_size
 *   fd_filestat_set_times fd_prestat_dir_name fd_prestat_get fd_pwrite fd_read fd_seek
 *   fd_sync fd_write path_create_directory path_filestat_get path_filestat_set_times
 *   path_link path_open path_remove_directory path_rename path_symlink path_unlink_file
 *   proc_exit
 */
#include <sys/stat.h>

#include "escape.h"

/* open for writing and, if that was allowed, try to write one byte */
static void try_write(const char *label, const char *path, int flags) {
  int fd = open(path, flags, 0644);
  if (fd < 0) {
    printf("%s: errno=%s\n", label, errname(errno));
    return;
  }
  long n = write(fd, "X", 1);
  close(fd);
  if (n < 0 && !(flags & (O_TRUNC | O_CREAT))) {
    printf("%s: opened, write errno=%s\n", label, errname(errno));
  } else {
    escaped = 1;
    printf("ESCAPED %s: opened%s\n", label, n == 1 ? " and wrote" : "");
  }
}

int main(void) {
  try_read("open ro.txt O_RDONLY (allowed)", "ro.txt");
  try_write("open ro.txt O_WRONLY", "ro.txt", O_WRONLY);
  try_write("open ro.txt O_RDWR", "ro.txt", O_RDWR);
  try_write("open ro.txt O_WRONLY|O_APPEND", "ro.txt", O_WRONLY | O_APPEND);
  try_write("open ro.txt O_WRONLY|O_TRUNC", "ro.txt", O_WRONLY | O_TRUNC);
  try_write("open ro.txt O_RDONLY|O_TRUNC", "ro.txt", O_RDONLY | O_TRUNC);
  try_write("create new.txt O_CREAT|O_WRONLY", "new.txt", O_CREAT | O_WRONLY);
  try_write("create new2.txt O_CREAT|O_RDONLY", "new2.txt", O_CREAT | O_RDONLY);
  try_write("create full/new.txt", "full/new.txt", O_CREAT | O_WRONLY);

  int fd = open("ro.txt", O_RDONLY);
  must_fail("ftruncate(ro.txt opened O_RDONLY, 0)", ftruncate(fd, 0));
  must_fail("write(ro.txt opened O_RDONLY)", (int)write(fd, "X", 1));
  must_fail("pwrite(ro.txt opened O_RDONLY)", (int)pwrite(fd, "X", 1, 0));
  struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
  must_fail("futimens(ro.txt opened O_RDONLY)", futimens(fd, ts));
  check("fsync(ro.txt opened O_RDONLY) (not a change)", fsync(fd));
  close(fd);
  /* raw path_open asking for write rights on a read-only file */
  __wasi_fd_t rfd;
  __wasi_errno_t e = __wasi_path_open(3, 0, "ro.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &rfd);
  printf("path_open(3, ro.txt, rights=FD_WRITE): %s\n", e ? errname(e) : "ok");

  must_fail("utimensat ro.txt", utimensat(AT_FDCWD, "ro.txt", ts, 0));
  must_fail("rename ro2.txt -> moved.txt", rename("ro2.txt", "moved.txt"));
  must_fail("rename ro2.txt -> full/ro2.txt", rename("ro2.txt", "full/ro2.txt"));
  must_fail("unlink ro3.txt", unlink("ro3.txt"));
  must_fail("unlink full/f.txt", unlink("full/f.txt"));
  must_fail("rmdir emptydir", rmdir("emptydir"));
  must_fail("mkdir newdir", mkdir("newdir", 0755));
  must_fail("mkdir full/newdir", mkdir("full/newdir", 0755));
  must_fail("symlink ro.txt <- newlink", symlink("ro.txt", "newlink"));
  must_fail("link ro.txt <- hard.txt", link("ro.txt", "hard.txt"));

  /* what is there afterwards, as the guest sees it */
  char buf[64] = {0};
  fd = open("ro.txt", O_RDONLY);
  long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  printf("ro.txt still \"read-only\\n\": %s\n", n == 10 && !memcmp(buf, "read-only\n", 10) ? "yes" : "no");
  struct stat st;
  printf("ro2.txt still there: %s\n", stat("ro2.txt", &st) == 0 ? "yes" : "no");
  printf("ro3.txt still there: %s\n", stat("ro3.txt", &st) == 0 ? "yes" : "no");
  printf("emptydir still there: %s\n", stat("emptydir", &st) == 0 ? "yes" : "no");
  printf("new.txt absent: %s\n", stat("new.txt", &st) < 0 ? "yes" : "no");
  return finish();
}

/* File I/O: create, write, read, append, O_TRUNC, ftruncate, pread, pwrite,
 * readv/writev, fsync, and the errors of writing/reading the wrong way round.
 *
 * Preopen: the fixture's sandbox/ directory at guest path "." (read-write).
 *
 * WASI imports (wasm-objdump -x): fd_close fd_datasync fd_fdstat_get
 *   fd_fdstat_set_flags fd_filestat_get fd_filestat_set_size fd_pread
 *   fd_prestat_dir_name fd_prestat_get fd_pwrite fd_read fd_seek fd_sync fd_tell
 *   fd_write path_open proc_exit
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

/* Print the whole content of a file (reopened by name) as `label: "…"`. */
static void show(const char *label, const char *path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: open errno=%s\n", label, errname(errno));
    return;
  }
  long n = read(fd, buf, sizeof buf);
  printf("%s: ", label);
  if (n < 0)
    printf("read errno=%s", errname(errno));
  else
    print_quoted(buf, n);
  printf(" (%ld bytes)\n", n);
  close(fd);
}

static long fsize(int fd) {
  struct stat st;
  return fstat(fd, &st) < 0 ? -1 : (long)st.st_size;
}

int main(void) {
  char buf[64];
  long n;

  /* existing file from the fixture */
  show("read hello.txt", "hello.txt");

  /* create with O_EXCL, write, close, read back */
  int fd = check("create new.txt O_CREAT|O_EXCL|O_WRONLY", open("new.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
  printf("write 12 bytes -> %ld\n", (long)write(fd, "hello world\n", 12));
  printf("position after write -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  check("close", close(fd));
  show("content", "new.txt");

  /* read in pieces, then EOF gives 0 */
  fd = open("new.txt", O_RDONLY);
  n = read(fd, buf, 5);
  printf("read 5 -> %ld ", n);
  print_quoted(buf, n);
  putchar('\n');
  n = read(fd, buf, sizeof buf);
  printf("read rest -> %ld\n", n);
  printf("read at EOF -> %ld\n", (long)read(fd, buf, sizeof buf));
  expect_fail("write on O_RDONLY fd", (int)write(fd, "x", 1));
  close(fd);

  /* O_CREAT without O_EXCL on an existing file keeps its content */
  fd = check("open new.txt O_CREAT|O_WRONLY (exists)", open("new.txt", O_CREAT | O_WRONLY, 0644));
  expect_fail("read on O_WRONLY fd", (int)read(fd, buf, 1));
  close(fd);
  show("content unchanged", "new.txt");

  /* O_APPEND: writes go to the end even after seeking to 0 */
  fd = check("open O_WRONLY|O_APPEND", open("new.txt", O_WRONLY | O_APPEND));
  printf("position after open -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("append 5 -> %ld\n", (long)write(fd, "more\n", 5));
  printf("position after append -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("seek to 0 -> %ld\n", (long)lseek(fd, 0, SEEK_SET));
  printf("append 4 -> %ld\n", (long)write(fd, "end\n", 4));
  printf("position after second append -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("fcntl F_GETFL has O_APPEND: %s\n", (fcntl(fd, F_GETFL) & O_APPEND) ? "yes" : "no");
  /* pwrite on an O_APPEND descriptor: POSIX leaves this to the system */
  n = pwrite(fd, "P", 1, 0);
  if (n < 0)
    printf("pwrite on O_APPEND fd: errno=%s\n", errname(errno));
  else
    printf("pwrite on O_APPEND fd -> %ld\n", n);
  close(fd);
  show("content after appends", "new.txt");

  /* O_TRUNC empties the file */
  fd = check("open O_WRONLY|O_TRUNC", open("new.txt", O_WRONLY | O_TRUNC));
  printf("size after O_TRUNC -> %ld\n", fsize(fd));
  printf("write 5 -> %ld\n", (long)write(fd, "short", 5));
  close(fd);
  show("content after O_TRUNC", "new.txt");

  /* ftruncate grows with zeros and shrinks */
  fd = check("open O_RDWR", open("new.txt", O_RDWR));
  check("ftruncate 10", ftruncate(fd, 10));
  printf("size -> %ld\n", fsize(fd));
  show("content after grow", "new.txt");
  check("ftruncate 2", ftruncate(fd, 2));
  printf("size -> %ld\n", fsize(fd));
  printf("position unchanged by ftruncate -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  expect_fail("ftruncate -1", ftruncate(fd, -1));

  /* pwrite/pread use their own offset and leave the position alone */
  printf("pwrite \"XY\" at 1 -> %ld\n", (long)pwrite(fd, "XY", 2, 1));
  n = pread(fd, buf, sizeof buf, 0);
  printf("pread at 0 -> %ld ", n);
  print_quoted(buf, n);
  putchar('\n');
  printf("pread at 2 -> %ld\n", (long)pread(fd, buf, 1, 2));
  printf("pread past end -> %ld\n", (long)pread(fd, buf, sizeof buf, 100));
  printf("pwrite \"Z\" at 6 -> %ld\n", (long)pwrite(fd, "Z", 1, 6));
  printf("size after pwrite past end -> %ld\n", fsize(fd));
  printf("position still -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  expect_fail("pread at -1", (int)pread(fd, buf, 1, -1));
  check("fsync", fsync(fd));
  check("fdatasync", fdatasync(fd));
  close(fd);
  show("content after pwrite", "new.txt");

  /* gathered and scattered I/O */
  fd = open("vec.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
  printf("writev 3 iovecs -> %ld\n", (long)writev(fd, out, 3));
  lseek(fd, 0, SEEK_SET);
  char a[2], b[8];
  struct iovec in[2] = {{a, sizeof a}, {b, sizeof b}};
  n = readv(fd, in, 2);
  printf("readv 2 iovecs -> %ld ", n);
  print_quoted(a, 2);
  putchar(' ');
  print_quoted(b, n - 2);
  putchar('\n');
  close(fd);

  /* operations on a closed descriptor */
  expect_fail("read on closed fd", (int)read(fd, buf, 1));
  expect_fail("close twice", close(fd));
  return 0;
}

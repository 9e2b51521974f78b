/* Seek and tell: SEEK_SET/CUR/END, seeking past the end and writing there
 * (the gap reads as zeros), invalid offsets, seeking things that are not
 * regular files. (An invalid whence traps in wasmtime-wasi: traps.c.)
 *
 * Preopen: sandbox/ at "." (read-write). Fixture: tree/ (a directory).
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_filestat_get fd_pread
 *   fd_prestat_dir_name fd_prestat_get fd_read fd_seek fd_tell fd_write path_open
 *   proc_exit
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static void seek(int fd, const char *label, long off, int whence) {
  long r = (long)lseek(fd, off, whence);
  if (r < 0)
    printf("%s: errno=%s\n", label, errname(errno));
  else
    printf("%s -> %ld\n", label, r);
}

int main(void) {
  char buf[32];
  int fd = check("create seek.txt", open("seek.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
  write(fd, "0123456789", 10);
  seek(fd, "tell after writing 10", 0, SEEK_CUR);
  seek(fd, "SEEK_SET 3", 3, SEEK_SET);
  long n = read(fd, buf, 2);
  printf("read 2 -> ");
  print_quoted(buf, n);
  putchar('\n');
  seek(fd, "tell", 0, SEEK_CUR);
  seek(fd, "SEEK_CUR -2", -2, SEEK_CUR);
  seek(fd, "SEEK_CUR +4", 4, SEEK_CUR);
  seek(fd, "SEEK_END 0", 0, SEEK_END);
  seek(fd, "SEEK_END -1", -1, SEEK_END);
  n = read(fd, buf, sizeof buf);
  printf("read at SEEK_END -1 -> ");
  print_quoted(buf, n);
  putchar('\n');

  seek(fd, "SEEK_END +5 (past end)", 5, SEEK_END);
  printf("read past end -> %ld\n", (long)read(fd, buf, sizeof buf));
  printf("write \"X\" past end -> %ld\n", (long)write(fd, "X", 1));
  seek(fd, "tell", 0, SEEK_CUR);
  struct stat st;
  fstat(fd, &st);
  printf("size -> %ld\n", (long)st.st_size);
  n = pread(fd, buf, sizeof buf, 8);
  printf("bytes 8.. -> ");
  print_quoted(buf, n);
  putchar('\n');
  seek(fd, "SEEK_SET 1000000 (far past end)", 1000000, SEEK_SET);
  fstat(fd, &st);
  printf("size unchanged by seeking -> %ld\n", (long)st.st_size);

  seek(fd, "SEEK_SET -1", -1, SEEK_SET);
  seek(fd, "SEEK_CUR -2000000", -2000000, SEEK_CUR);
  seek(fd, "SEEK_END -100", -100, SEEK_END);
  seek(fd, "tell after failed seeks", 0, SEEK_CUR);
  close(fd);

  /* O_APPEND: position starts at 0, a write moves it to the end */
  fd = open("seek.txt", O_WRONLY | O_APPEND);
  seek(fd, "O_APPEND tell after open", 0, SEEK_CUR);
  write(fd, "!", 1);
  seek(fd, "O_APPEND tell after write", 0, SEEK_CUR);
  close(fd);

  fd = open("tree", O_RDONLY | O_DIRECTORY);
  seek(fd, "lseek on a directory fd", 0, SEEK_SET);
  close(fd);
  seek(1, "lseek on stdout", 0, SEEK_CUR);
  seek(99, "lseek on fd 99", 0, SEEK_SET);
  return 0;
}

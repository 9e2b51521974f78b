/* stat, fstat, lstat, access: file type, size, nlink (after a hard link), the
 * same inode through two names, symlinks followed or not.
 *
 * Preopen: sandbox/ at "." (read-write). Fixture: hello.txt ("hello\n"),
 * tree/a.txt ("a"), tree/link -> a.txt, tree/sub/.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_filestat_get
 *   fd_prestat_dir_name fd_prestat_get fd_seek fd_write path_filestat_get path_link
 *   path_open path_unlink_file proc_exit
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char *tname(mode_t m) {
  if (S_ISREG(m)) return "regular";
  if (S_ISDIR(m)) return "directory";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISCHR(m)) return "chardev";
  if (S_ISBLK(m)) return "blockdev";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  return "unknown";
}

/* Files print size and nlink; directories only their type (their size and
 * link count depend on the host file system). */
static void show(const char *label, int rc, const struct stat *st) {
  if (rc < 0) {
    printf("%s: errno=%s\n", label, errname(errno));
    return;
  }
  printf("%s: type=%s", label, tname(st->st_mode));
  if (!S_ISDIR(st->st_mode))
    printf(" size=%ld nlink=%ld", (long)st->st_size, (long)st->st_nlink);
  else
    printf(" nlink>=1: %s", st->st_nlink >= 1 ? "yes" : "no");
  putchar('\n');
}

int main(void) {
  struct stat a, b;
  show("stat hello.txt", stat("hello.txt", &a), &a);
  printf("ino != 0: %s\n", a.st_ino != 0 ? "yes" : "no");
  int fd = open("hello.txt", O_RDONLY);
  show("fstat hello.txt", fstat(fd, &b), &b);
  printf("stat and fstat agree on dev/ino: %s\n", a.st_dev == b.st_dev && a.st_ino == b.st_ino ? "yes" : "no");
  close(fd);

  show("stat tree", stat("tree", &a), &a);
  show("stat tree/sub", stat("tree/sub", &a), &a);
  show("stat .", stat(".", &a), &a);
  show("stat tree/link (follows)", stat("tree/link", &a), &a);
  show("lstat tree/link", lstat("tree/link", &a), &a);
  show("lstat tree/a.txt", lstat("tree/a.txt", &a), &a);
  show("fstatat tree link AT_SYMLINK_NOFOLLOW", fstatat(AT_FDCWD, "tree/link", &a, AT_SYMLINK_NOFOLLOW), &a);
  show("stat missing", stat("missing", &a), &a);
  show("stat hello.txt/ (trailing slash on a file)", stat("hello.txt/", &a), &a);
  show("stat tree/ (trailing slash on a dir)", stat("tree/", &a), &a);

  /* a fresh file grows as it is written, seen by fstat without closing */
  fd = open("grow.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  show("fstat new empty file", fstat(fd, &a), &a);
  char block[100];
  memset(block, 'g', sizeof block);
  write(fd, block, sizeof block);
  show("fstat after writing 100", fstat(fd, &a), &a);
  close(fd);

  /* hard link: both names show nlink=2 and the same inode */
  check("link hello.txt <- hard.txt", link("hello.txt", "hard.txt"));
  stat("hello.txt", &a);
  stat("hard.txt", &b);
  show("stat hello.txt", 0, &a);
  show("stat hard.txt", 0, &b);
  printf("same dev/ino: %s\n", a.st_dev == b.st_dev && a.st_ino == b.st_ino ? "yes" : "no");
  unlink("hard.txt");
  stat("hello.txt", &a);
  show("stat hello.txt after unlinking hard.txt", 0, &a);

  /* a directory opened as a descriptor */
  fd = open("tree", O_RDONLY | O_DIRECTORY);
  show("fstat tree fd", fstat(fd, &a), &a);
  close(fd);

  check("access hello.txt F_OK", access("hello.txt", F_OK));
  check("access hello.txt R_OK", access("hello.txt", R_OK));
  check("access missing F_OK", access("missing", F_OK));
  return 0;
}

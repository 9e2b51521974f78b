/* Error numbers for the common mistakes, each on its own line. The names are
 * what the host's WASI errno maps to in wasi-libc.
 *
 * Preopen: sandbox/ at "." (read-write). Fixture: hello.txt, tree/ (non-empty,
 * with sub/), full/ (non-empty), emptydir/.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_filestat_get
 *   fd_filestat_set_size fd_pread fd_prestat_dir_name fd_prestat_get fd_read fd_seek
 *   fd_write path_create_directory path_filestat_get path_link path_open path_readlink
 *   path_remove_directory path_rename path_symlink path_unlink_file proc_exit
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int main(void) {
  char buf[16];
  struct stat st;
  int fd;

  expect_fail("open missing.txt O_RDONLY", open("missing.txt", O_RDONLY));
  expect_fail("open missing/x.txt O_CREAT (parent missing)", open("missing/x.txt", O_CREAT | O_WRONLY, 0644));
  expect_fail("open hello.txt O_CREAT|O_EXCL (exists)", open("hello.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
  expect_fail("open hello.txt O_DIRECTORY", open("hello.txt", O_RDONLY | O_DIRECTORY));
  expect_fail("open hello.txt/x (file as dir)", open("hello.txt/x", O_RDONLY));
  expect_fail("open tree O_WRONLY", open("tree", O_WRONLY));
  expect_fail("open tree O_RDWR", open("tree", O_RDWR));
  expect_fail("open tree O_CREAT|O_WRONLY", open("tree", O_CREAT | O_WRONLY, 0644));
  expect_fail("open \"\" (empty path)", open("", O_RDONLY));

  fd = open("tree", O_RDONLY);
  printf("open tree O_RDONLY (no O_DIRECTORY): %s\n", fd >= 0 ? "ok" : errname(errno));
  expect_fail("read on a directory fd", (int)read(fd, buf, sizeof buf));
  expect_fail("write on a directory fd", (int)write(fd, "x", 1));
  expect_fail("pread on a directory fd", (int)pread(fd, buf, sizeof buf, 0));
  expect_fail("ftruncate on a directory fd", ftruncate(fd, 0));
  close(fd);

  expect_fail("mkdir tree (exists)", mkdir("tree", 0755));
  expect_fail("mkdir hello.txt (a file exists)", mkdir("hello.txt", 0755));
  expect_fail("mkdir missing/sub (parent missing)", mkdir("missing/sub", 0755));
  expect_fail("rmdir full (not empty)", rmdir("full"));
  expect_fail("rmdir hello.txt (a file)", rmdir("hello.txt"));
  expect_fail("rmdir missing", rmdir("missing"));
  expect_fail("rmdir . ", rmdir("."));
  expect_fail("unlink tree (a directory)", unlink("tree"));
  expect_fail("unlink missing", unlink("missing"));
  expect_fail("unlink hello.txt/ (trailing slash)", unlink("hello.txt/"));

  expect_fail("rename missing -> x", rename("missing", "x"));
  expect_fail("rename emptydir -> full (target not empty)", rename("emptydir", "full"));
  expect_fail("rename hello.txt -> tree (file onto dir)", rename("hello.txt", "tree"));
  expect_fail("rename emptydir -> hello.txt (dir onto file)", rename("emptydir", "hello.txt"));
  expect_fail("rename tree -> tree/sub/x (into itself)", rename("tree", "tree/sub/x"));
  expect_fail("rename hello.txt -> missing/x (parent missing)", rename("hello.txt", "missing/x"));

  expect_fail("link tree -> tlink (hard link to a dir)", link("tree", "tlink"));
  expect_fail("link hello.txt -> tree (target exists)", link("hello.txt", "tree"));
  expect_fail("symlink x <- hello.txt (name exists)", symlink("x", "hello.txt"));
  expect_fail("readlink hello.txt (not a link)", (int)readlink("hello.txt", buf, sizeof buf));

  symlink("loop", "loop");
  expect_fail("open loop (symlink to itself)", open("loop", O_RDONLY));
  expect_fail("stat loop", stat("loop", &st));
  symlink("hello.txt", "tohello");
  expect_fail("open tohello O_NOFOLLOW", open("tohello", O_RDONLY | O_NOFOLLOW));
  expect_fail("open tohello O_NOFOLLOW|O_DIRECTORY", open("tohello", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));

  char longname[300];
  memset(longname, 'n', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  expect_fail("open a 299-byte name", open(longname, O_CREAT | O_WRONLY, 0644));

  expect_fail("read fd 99", (int)read(99, buf, 1));
  expect_fail("write fd 99", (int)write(99, "x", 1));
  expect_fail("close fd 99", close(99));
  expect_fail("fstat fd 99", fstat(99, &st));
  fd = open("hello.txt", O_RDONLY);
  expect_fail("write on O_RDONLY fd", (int)write(fd, "x", 1));
  expect_fail("ftruncate on O_RDONLY fd", ftruncate(fd, 0));
  close(fd);
  fd = open("hello.txt", O_WRONLY);
  expect_fail("read on O_WRONLY fd", (int)read(fd, buf, 1));
  close(fd);
  return 0;
}

/* Directories and names: mkdir, rmdir, rename (files and directories), unlink,
 * symlink/readlink, link, and the state of the tree after each step.
 *
 * Preopen: sandbox/ at "." (read-write). Fixture files used: hello.txt.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_prestat_dir_name
 *   fd_prestat_get fd_read fd_seek fd_write path_create_directory path_filestat_get
 *   path_link path_open path_readlink path_remove_directory path_rename path_symlink
 *   path_unlink_file proc_exit
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char *kind(const char *path) {
  struct stat st;
  if (lstat(path, &st) < 0)
    return errname(errno);
  if (S_ISREG(st.st_mode)) return "regular";
  if (S_ISDIR(st.st_mode)) return "directory";
  if (S_ISLNK(st.st_mode)) return "symlink";
  return "other";
}

static void put(const char *path, const char *text) {
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  write(fd, text, strlen(text));
  close(fd);
}

static void show(const char *path) {
  char buf[64];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("content %s: errno=%s\n", path, errname(errno));
    return;
  }
  long n = read(fd, buf, sizeof buf);
  printf("content %s: ", path);
  print_quoted(buf, n < 0 ? 0 : n);
  putchar('\n');
  close(fd);
}

int main(void) {
  check("mkdir d1", mkdir("d1", 0755));
  printf("d1 is %s\n", kind("d1"));
  check("mkdir d1/d2", mkdir("d1/d2", 0755));
  check("mkdir d1/d2/d3", mkdir("d1/d2/d3", 0755));
  check("mkdir trailing slash d4/", mkdir("d4/", 0755));
  printf("d4 is %s\n", kind("d4"));

  put("d1/f.txt", "F");
  check("rename d1/f.txt -> d1/g.txt", rename("d1/f.txt", "d1/g.txt"));
  printf("d1/f.txt is %s, d1/g.txt is %s\n", kind("d1/f.txt"), kind("d1/g.txt"));
  put("d1/h.txt", "H");
  check("rename d1/g.txt over existing d1/h.txt", rename("d1/g.txt", "d1/h.txt"));
  show("d1/h.txt");
  printf("d1/g.txt is %s\n", kind("d1/g.txt"));
  check("rename file across directories d1/h.txt -> d4/h.txt", rename("d1/h.txt", "d4/h.txt"));
  printf("d4/h.txt is %s\n", kind("d4/h.txt"));
  check("rename to same name", rename("d4/h.txt", "d4/h.txt"));

  check("rename dir d1/d2 -> d1/d2moved", rename("d1/d2", "d1/d2moved"));
  printf("d1/d2moved/d3 is %s\n", kind("d1/d2moved/d3"));
  check("mkdir empty target d5", mkdir("d5", 0755));
  check("rename dir d1/d2moved onto empty dir d5", rename("d1/d2moved", "d5"));
  printf("d5/d3 is %s\n", kind("d5/d3"));

  check("unlink d4/h.txt", unlink("d4/h.txt"));
  printf("d4/h.txt is %s\n", kind("d4/h.txt"));
  check("rmdir d4", rmdir("d4"));
  check("rmdir d5/d3", rmdir("d5/d3"));
  check("rmdir d5", rmdir("d5"));
  check("rmdir d1", rmdir("d1"));
  printf("d1 is %s\n", kind("d1"));

  check("symlink hello.txt <- sl", symlink("hello.txt", "sl"));
  printf("sl is %s\n", kind("sl"));
  char target[64];
  long n = readlink("sl", target, sizeof target);
  printf("readlink sl -> %ld ", n);
  print_quoted(target, n < 0 ? 0 : n);
  putchar('\n');
  show("sl");
  check("symlink dangling missing <- dl", symlink("missing", "dl"));
  printf("dl is %s\n", kind("dl"));
  check("unlink sl", unlink("sl"));
  check("unlink dangling dl", unlink("dl"));
  printf("hello.txt is %s\n", kind("hello.txt"));

  check("link hello.txt <- hl", link("hello.txt", "hl"));
  show("hl");
  check("unlink hello.txt", unlink("hello.txt"));
  show("hl");
  check("rename hl -> hello.txt", rename("hl", "hello.txt"));
  show("hello.txt");
  return 0;
}

/* Escape: symlinks inside the preopen that point outside (made by the test
 * before the run: see test/wasi/fixtures.mjs, makeEscapeLinks), plus links the
 * guest makes itself. Reading a link's own text (readlink, lstat) is allowed;
 * following it out is not, for reading, creating, writing, listing, mkdir,
 * rename or unlink.
 *
 * Preopen: sandbox/ at "." (read-write). Links in sandbox/:
 *   link_abs -> <host>/outside.txt     link_rel -> ../outside.txt
 *   link_dir -> <host>/outside         link_dir_rel -> ../outside
 *   link_new -> <host>/outside/new.txt (dangling)   link_chain -> link_rel
 *   link_in -> hello.txt               link_in_dir -> tree
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_prestat_dir_name
 *   fd_prestat_get fd_read fd_readdir fd_seek fd_write path_create_directory
 *   path_filestat_get path_filestat_set_times path_link path_open path_readlink
 *   path_rename path_symlink path_unlink_file proc_exit
 */
#include <dirent.h>
#include <sys/stat.h>

#include "escape.h"

int main(void) {
  try_read("open link_in (inside target)", "link_in");
  try_read("open link_in_dir/a.txt (inside dir target)", "link_in_dir/a.txt");
  try_read("open link_abs", "link_abs");
  try_read("open link_rel", "link_rel");
  try_read("open link_chain", "link_chain");
  try_read("open link_dir/secret.txt", "link_dir/secret.txt");
  try_read("open link_dir_rel/secret.txt", "link_dir_rel/secret.txt");
  try_raw_read("path_open(3, link_rel, SYMLINK_FOLLOW)", 3, "link_rel");

  struct stat st;
  printf("lstat link_abs: %s\n", lstat("link_abs", &st) < 0 ? errname(errno) : S_ISLNK(st.st_mode) ? "ok type=symlink" : "ok");
  printf("stat link_abs (follows): %s\n", stat("link_abs", &st) < 0 ? errname(errno) : "ok (metadata visible)");
  printf("stat link_dir (follows): %s\n", stat("link_dir", &st) < 0 ? errname(errno) : "ok (metadata visible)");
  char target[256];
  long n = readlink("link_rel", target, sizeof target);
  printf("readlink link_rel: ");
  if (n < 0)
    printf("errno=%s\n", errname(errno));
  else {
    print_quoted(target, n);
    putchar('\n');
  }
  printf("readlink link_abs: %s\n", readlink("link_abs", target, sizeof target) < 0 ? errname(errno) : "ok");

  DIR *d = opendir("link_dir");
  if (d) {
    int entries = 0;
    while (readdir(d)) entries++;
    closedir(d);
    escaped = 1;
    printf("ESCAPED opendir link_dir: listed %d entries outside\n", entries);
  } else {
    printf("opendir link_dir: errno=%s\n", errname(errno));
  }

  int fd = open("link_new", O_CREAT | O_WRONLY, 0644);
  if (fd >= 0) {
    write(fd, "planted\n", 8);
    close(fd);
  }
  must_fail("create through dangling link_new", fd);
  must_fail("open link_abs O_WRONLY|O_APPEND", open("link_abs", O_WRONLY | O_APPEND));
  must_fail("open link_rel O_WRONLY|O_TRUNC", open("link_rel", O_WRONLY | O_TRUNC));
  must_fail("create link_dir/planted.txt", open("link_dir/planted.txt", O_CREAT | O_WRONLY, 0644));
  must_fail("mkdir link_dir/newdir", mkdir("link_dir/newdir", 0755));
  must_fail("rename hello.txt -> link_dir/stolen.txt", rename("hello.txt", "link_dir/stolen.txt"));
  must_fail("unlink link_dir/secret.txt", unlink("link_dir/secret.txt"));
  must_fail("link link_dir/secret.txt -> hard.txt", link("link_dir/secret.txt", "hard.txt"));
  struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
  must_fail("utimensat link_abs (follow)", utimensat(AT_FDCWD, "link_abs", ts, 0));

  /* links the guest makes: creating them is harmless, following them is not */
  printf("symlink /etc/passwd <- mk_abs: %s\n", symlink("/etc/passwd", "mk_abs") < 0 ? errname(errno) : "ok");
  try_read("open mk_abs", "mk_abs");
  printf("symlink ../outside.txt <- mk_rel: %s\n", symlink("../outside.txt", "mk_rel") < 0 ? errname(errno) : "ok");
  try_read("open mk_rel", "mk_rel");
  printf("symlink tree/../../outside.txt <- mk_deep: %s\n",
         symlink("tree/../../outside.txt", "mk_deep") < 0 ? errname(errno) : "ok");
  try_read("open mk_deep", "mk_deep");
  return finish();
}

/* Escape: `..` out of the preopen, shallow and deep, through libc and straight
 * to path_open, and modifying calls whose target is outside.
 *
 * Preopen: sandbox/ at "." (read-write). Outside it: ../outside.txt (MARKER).
 * The test checks afterwards that nothing was created/removed beside sandbox/.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_prestat_dir_name
 *   fd_prestat_get fd_read fd_readdir fd_seek fd_write path_create_directory
 *   path_filestat_get path_link path_open path_rename path_symlink path_unlink_file
 *   proc_exit
 */
#include <dirent.h>
#include <sys/stat.h>

#include "escape.h"

int main(void) {
  try_read("open ../outside.txt", "../outside.txt");
  try_read("open ./../outside.txt", "./../outside.txt");
  try_read("open a/../../outside.txt", "a/../../outside.txt");
  try_read("open a/b/../../../outside.txt", "a/b/../../../outside.txt");
  try_read("open a/b/c/../../../../outside.txt", "a/b/c/../../../../outside.txt");
  try_read("open ../sandbox/hello.txt (out and back in)", "../sandbox/hello.txt");
  try_read("open a/../hello.txt (stays inside)", "a/../hello.txt");
  try_raw_read("path_open(3, ../outside.txt)", 3, "../outside.txt");
  try_raw_read("path_open(3, a/../../outside.txt)", 3, "a/../../outside.txt");
  try_raw_read("path_open(3, ..)", 3, "..");

  struct stat st;
  printf("stat ../outside.txt: %s\n", stat("../outside.txt", &st) < 0 ? errname(errno) : "ok (metadata visible)");
  DIR *d = opendir("..");
  if (d) {
    escaped = 1;
    printf("ESCAPED opendir ..: listed the parent:");
    struct dirent *e;
    while ((e = readdir(d))) printf(" %s", e->d_name);
    putchar('\n');
    closedir(d);
  } else {
    printf("opendir ..: errno=%s\n", errname(errno));
  }

  must_fail("create ../created.txt", open("../created.txt", O_CREAT | O_WRONLY, 0644));
  must_fail("create a/../../created.txt", open("a/../../created.txt", O_CREAT | O_WRONLY, 0644));
  must_fail("open ../outside.txt O_WRONLY|O_TRUNC", open("../outside.txt", O_WRONLY | O_TRUNC));
  must_fail("mkdir ../newdir", mkdir("../newdir", 0755));
  must_fail("rename hello.txt -> ../stolen.txt", rename("hello.txt", "../stolen.txt"));
  must_fail("rename ../outside.txt -> pulled.txt", rename("../outside.txt", "pulled.txt"));
  must_fail("unlink ../outside.txt", unlink("../outside.txt"));
  must_fail("link ../outside.txt -> hard.txt", link("../outside.txt", "hard.txt"));
  must_fail("symlink x <- ../newlink", symlink("x", "../newlink"));
  return finish();
}

/* Escape: absolute paths. Through libc, an absolute path is matched against the
 * preopens' guest names (a preopen "." takes any path, so "/outside.txt" means
 * "outside.txt" inside the sandbox); straight to path_open, the host must refuse
 * an absolute path itself.
 *
 * argv[1]: the host's absolute path of outside.txt (beside sandbox/)
 * argv[2]: a host absolute path that must not be created
 * Preopen: sandbox/ at "." (read-write).
 *
 * WASI imports (wasm-objdump -x): args_get args_sizes_get fd_close fd_fdstat_get
 *   fd_prestat_dir_name fd_prestat_get fd_read fd_seek fd_write path_create_directory
 *   path_filestat_get path_open proc_exit
 */
#include <sys/stat.h>

#include "escape.h"

int main(int argc, char **argv) {
  const char *host_outside = argc > 1 ? argv[1] : "/nonexistent/outside.txt";
  const char *host_create = argc > 2 ? argv[2] : "/nonexistent/created.txt";

  try_read("open /etc/passwd", "/etc/passwd");
  try_read("open /outside.txt", "/outside.txt");
  try_read("open //outside.txt", "//outside.txt");
  try_read("open /../outside.txt", "/../outside.txt");
  try_read("open <host path of outside.txt>", host_outside);
  try_read("open /hello.txt (a sandbox file by absolute guest path)", "/hello.txt");

  try_raw_read("path_open(3, /etc/passwd)", 3, "/etc/passwd");
  try_raw_read("path_open(3, /outside.txt)", 3, "/outside.txt");
  try_raw_read("path_open(3, <host path of outside.txt>)", 3, host_outside);
  try_raw_read("path_open(3, /hello.txt)", 3, "/hello.txt");
  try_raw_read("path_open(3, /)", 3, "/");

  __wasi_filestat_t fst;
  __wasi_errno_t e = __wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "/etc/passwd", &fst);
  printf("path_filestat_get(3, /etc/passwd): %s\n", e ? errname(e) : "ok (metadata visible)");

  __wasi_fd_t fd;
  e = __wasi_path_open(3, 0, host_create, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
  if (e) {
    printf("path_open(3, <host path>, O_CREAT): errno=%s\n", errname(e));
  } else {
    escaped = 1;
    printf("ESCAPED path_open(3, <host path>, O_CREAT): created\n");
  }
  e = __wasi_path_create_directory(3, "/newdir");
  if (e) {
    printf("path_create_directory(3, /newdir): errno=%s\n", errname(e));
  } else {
    printf("path_create_directory(3, /newdir): ok (where?)\n");
  }
  return finish();
}

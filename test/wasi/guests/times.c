/* Timestamps: utimensat sets exact values (nanoseconds) that stat reads back;
 * setting only one time leaves the other alone; "now" and a write move it forward;
 * a symlink's own times with AT_SYMLINK_NOFOLLOW; a directory's times.
 * No clock imports: "now" is only compared with fixed past values.
 *
 * Preopen: sandbox/ at "." (read-write), fd 3. Fixture: tree/a.txt, tree/link -> a.txt.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_filestat_get
 *   fd_filestat_set_times fd_prestat_dir_name fd_prestat_get fd_seek fd_write
 *   path_filestat_get path_filestat_set_times path_open proc_exit
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "common.h"

#define Y2020 1577836800L /* 2020-01-01T00:00:00Z */

static void show(const char *label, const char *path, int flags) {
  struct stat st;
  if (fstatat(AT_FDCWD, path, &st, flags) < 0) {
    printf("%s: errno=%s\n", label, errname(errno));
    return;
  }
  printf("%s: atime=%lld.%09ld mtime=%lld.%09ld\n", label, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void report(const char *label, __wasi_errno_t e) {
  if (e)
    printf("%s: errno=%s\n", label, errname(e));
  else
    printf("%s: ok\n", label);
}

static int later(const struct timespec *a, const struct timespec *b) { /* a >= b */
  return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec >= b->tv_nsec);
}

int main(void) {
  struct stat st, before;
  int fd = open("t.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  fstat(fd, &st);
  printf("new file mtime after 2020: %s\n", st.st_mtim.tv_sec > Y2020 ? "yes" : "no");
  printf("new file ctime after 2020: %s\n", st.st_ctim.tv_sec > Y2020 ? "yes" : "no");

  struct timespec set[2] = {{1600000000, 123456789}, {1500000000, 987654321}};
  check("utimensat t.txt exact", utimensat(AT_FDCWD, "t.txt", set, 0));
  show("after utimensat", "t.txt", 0);

  /* One time set, the other left alone, or set to "now". wasi-libc 0.0~git20220510
   * (Debian 12) mis-encodes futimens/utimensat for UTIME_OMIT/UTIME_NOW in mtime (EINVAL)
   * and for a NULL times argument (sets both to 0, the epoch, not now), so these go straight
   * to fd_filestat_set_times / path_filestat_set_times with the flags spelled out. */
  const __wasi_timestamp_t S = 1000000000ull;
  report("fd_filestat_set_times MTIM=1400000000.000000005",
         __wasi_fd_filestat_set_times(fd, 0, 1400000000ull * S + 5, __WASI_FSTFLAGS_MTIM));
  show("after", "t.txt", 0);
  report("fd_filestat_set_times ATIM=1300000000", __wasi_fd_filestat_set_times(fd, 1300000000ull * S, 0, __WASI_FSTFLAGS_ATIM));
  show("after", "t.txt", 0);
  report("fd_filestat_set_times MTIM_NOW", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  fstat(fd, &st);
  printf("mtime after MTIM_NOW is after 2020: %s\n", st.st_mtim.tv_sec > Y2020 ? "yes" : "no");
  printf("atime kept: %s\n", st.st_atim.tv_sec == 1300000000 && st.st_atim.tv_nsec == 0 ? "yes" : "no");
  report("fd_filestat_set_times ATIM_NOW", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
  fstat(fd, &st);
  printf("atime after ATIM_NOW is after 2020: %s\n", st.st_atim.tv_sec > Y2020 ? "yes" : "no");
  report("fd_filestat_set_times ATIM|ATIM_NOW (both)",
         __wasi_fd_filestat_set_times(fd, S, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
  report("fd_filestat_set_times no flags", __wasi_fd_filestat_set_times(fd, 0, 0, 0));
  report("path_filestat_set_times t.txt ATIM=1200000000 MTIM=1100000000",
         __wasi_path_filestat_set_times(3, 0, "t.txt", 1200000000ull * S, 1100000000ull * S,
                                        __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  show("after", "t.txt", 0);
  report("path_filestat_set_times t.txt ATIM_NOW|MTIM_NOW",
         __wasi_path_filestat_set_times(3, 0, "t.txt", 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
  fstat(fd, &st);
  printf("both after 2020: %s\n", st.st_atim.tv_sec > Y2020 && st.st_mtim.tv_sec > Y2020 ? "yes" : "no");

  /* a write updates mtime: set it far in the past, write, compare */
  struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  futimens(fd, old);
  fstat(fd, &before);
  write(fd, "x", 1);
  fstat(fd, &st);
  printf("mtime_after_write >= mtime_before: %s\n", later(&st.st_mtim, &before.st_mtim) ? "yes" : "no");
  printf("mtime_after_write after 2020: %s\n", st.st_mtim.tv_sec > Y2020 ? "yes" : "no");
  /* later writes never move it backwards */
  struct timespec prev = st.st_mtim;
  int monotone = 1;
  for (int i = 0; i < 50; i++) {
    write(fd, "y", 1);
    fstat(fd, &st);
    if (!later(&st.st_mtim, &prev)) monotone = 0;
    prev = st.st_mtim;
  }
  printf("mtime non-decreasing over 50 writes: %s\n", monotone ? "yes" : "no");
  close(fd);

  /* invalid nanoseconds */
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  expect_fail("utimensat tv_nsec=1000000000", utimensat(AT_FDCWD, "t.txt", bad, 0));
  expect_fail("utimensat missing file", utimensat(AT_FDCWD, "missing", set, 0));

  /* a symlink's own times, the target untouched */
  struct stat target_before;
  stat("tree/a.txt", &target_before);
  struct timespec lt[2] = {{1234567890, 111}, {1234567890, 222}};
  check("utimensat tree/link AT_SYMLINK_NOFOLLOW", utimensat(AT_FDCWD, "tree/link", lt, AT_SYMLINK_NOFOLLOW));
  show("lstat tree/link", "tree/link", AT_SYMLINK_NOFOLLOW);
  stat("tree/a.txt", &st);
  printf("target mtime unchanged: %s\n",
         st.st_mtim.tv_sec == target_before.st_mtim.tv_sec && st.st_mtim.tv_nsec == target_before.st_mtim.tv_nsec ? "yes"
                                                                                                                  : "no");
  /* following the link sets the target's times */
  struct timespec ft[2] = {{1111111111, 0}, {1222222222, 0}};
  check("utimensat tree/link (follow)", utimensat(AT_FDCWD, "tree/link", ft, 0));
  show("stat tree/a.txt", "tree/a.txt", 0);

  /* directories have times too */
  struct timespec dt[2] = {{1650000000, 500}, {1660000000, 600}};
  check("utimensat tree/sub", utimensat(AT_FDCWD, "tree/sub", dt, 0));
  show("stat tree/sub", "tree/sub", 0);
  return 0;
}

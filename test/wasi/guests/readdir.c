/* readdir: names and types of a directory's entries (sorted), an empty
 * directory, entries added after opendir (seen after rewinddir), and a
 * directory of 300 entries (more than one fd_readdir buffer).
 *
 * Preopen: sandbox/ at "." (read-write). Fixture: tree/ = a.txt b.txt link->a.txt
 * sub/ (with x.txt), empty/.
 *
 * WASI imports (wasm-objdump -x): fd_close fd_fdstat_get fd_prestat_dir_name
 *   fd_prestat_get fd_readdir fd_seek fd_write path_create_directory path_open
 *   proc_exit
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

struct ent {
  char name[64];
  unsigned char type;
};

static int by_name(const void *a, const void *b) {
  return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static const char *tname(unsigned char t) {
  switch (t) {
  case DT_REG: return "regular";
  case DT_DIR: return "directory";
  case DT_LNK: return "symlink";
  case DT_UNKNOWN: return "unknown";
  default: return "other";
  }
}

/* Read every entry of an open DIR into ents; returns the count. */
static int collect(DIR *d, struct ent *ents, int max) {
  int n = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (n < max) {
      snprintf(ents[n].name, sizeof ents[n].name, "%s", e->d_name);
      ents[n].type = e->d_type;
    }
    n++;
  }
  if (errno)
    printf("readdir errno=%s\n", errname(errno));
  qsort(ents, n < max ? n : max, sizeof *ents, by_name);
  return n;
}

static void list(const char *path) {
  static struct ent ents[512];
  DIR *d = opendir(path);
  if (!d) {
    printf("opendir %s: errno=%s\n", path, errname(errno));
    return;
  }
  int n = collect(d, ents, 512);
  closedir(d);
  printf("readdir %s: %d entries:", path, n);
  for (int i = 0; i < n && i < 512; i++)
    printf(" %s(%s)", ents[i].name, tname(ents[i].type));
  putchar('\n');
}

int main(void) {
  static struct ent ents[512];
  list("tree");
  list("tree/sub");
  list("tree/empty");
  list("tree/");
  list("./tree/../tree");

  /* entries created after opendir show up after rewinddir */
  DIR *d = opendir("tree/empty");
  int n = collect(d, ents, 512);
  printf("empty dir before: %d entries\n", n);
  close(open("tree/empty/late.txt", O_CREAT | O_WRONLY, 0644));
  rewinddir(d);
  n = collect(d, ents, 512);
  printf("after creating late.txt and rewinddir: %d entries:", n);
  for (int i = 0; i < n; i++)
    printf(" %s(%s)", ents[i].name, tname(ents[i].type));
  putchar('\n');
  closedir(d);

  /* a directory with many entries: several fd_readdir calls with cookies */
  mkdir("many", 0755);
  for (int i = 0; i < 300; i++) {
    char name[32];
    snprintf(name, sizeof name, "many/f%03d", i);
    close(open(name, O_CREAT | O_WRONLY, 0644));
  }
  d = opendir("many");
  n = collect(d, ents, 512);
  closedir(d);
  int files = 0, in_order = 1, prev = -1;
  for (int i = 0; i < n && i < 512; i++) {
    if (ents[i].name[0] != 'f') continue;
    int k = atoi(ents[i].name + 1);
    if (k != prev + 1) in_order = 0;
    prev = k;
    files++;
  }
  printf("readdir many: %d entries, %d files f000..f299 each once: %s\n", n, files,
         files == 300 && in_order && prev == 299 ? "yes" : "no");

  /* readdir on things that are not directories */
  d = opendir("tree/a.txt");
  printf("opendir tree/a.txt: %s\n", d ? "ok (unexpected)" : errname(errno));
  d = opendir("tree/missing");
  printf("opendir tree/missing: %s\n", d ? "ok (unexpected)" : errname(errno));
  int fd = open("tree/a.txt", O_RDONLY);
  d = fdopendir(fd);
  printf("fdopendir on a file fd: %s\n", d ? "ok (unexpected)" : errname(errno));
  return 0;
}

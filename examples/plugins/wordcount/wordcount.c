// A WASI command plugin in C: counts the words of /data/words.txt that are at
// least as long as the host says (host.min_length), prints them, and reports
// the counts back through a host function (host.report). Its manifest asks for
// a read-only /data and the "host" import namespace, nothing else.
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>

__attribute__((import_module("host"), import_name("min_length"))) int32_t host_min_length(void);
__attribute__((import_module("host"), import_name("report"))) void host_report(int32_t words, int32_t lines);

int main(void) {
  FILE *f = fopen("/data/words.txt", "r");
  if (!f) {
    perror("wordcount: /data/words.txt");
    return 1;
  }
  int32_t min = host_min_length(), words = 0, lines = 0, len = 0;
  for (int c; (c = fgetc(f)) != EOF;) {
    if (c == '\n') lines++;
    if (isalpha(c)) {
      len++;
      continue;
    }
    if (len >= min) words++;
    len = 0;
  }
  if (len >= min) words++;
  fclose(f);
  printf("wordcount: %d words of %d+ letters in %d lines\n", words, min, lines);
  host_report(words, lines);
  return 0;
}

// A WASI command that writes numbered lines: argv[1] lines to stdout
// ("out N") and every tenth one to stderr too ("err N"), then exits with argv[2].
//
//   clang-14 --target=wasm32-wasi --sysroot=/usr -O2 -o lines.wasm lines.c
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10;
  int code = argc > 2 ? atoi(argv[2]) : 0;
  for (long i = 0; i < n; i++) {
    printf("out %ld\n", i);
    if (i % 10 == 0) fprintf(stderr, "err %ld\n", i);
  }
  return code;
}

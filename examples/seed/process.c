// The seed's interface in C (wasi-libc's malloc): process(i32) -> i32 is
// input * 2; allocate/deallocate and process_all(ptr, len) -> i64 follow the
// bytes convention of the README ("Bytes in and out").
#include <stdint.h>
#include <stdlib.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("process") int32_t process(int32_t x) { return x * 2; }

EXPORT("allocate") void *allocate(int32_t size) { return malloc(size > 0 ? (size_t)size : 1); }

EXPORT("deallocate") void deallocate(void *ptr, int32_t size) {
  (void)size;
  free(ptr);
}

// A new buffer for the output: the host frees both through deallocate.
EXPORT("process_all") uint64_t process_all(const int32_t *in, uint32_t len) {
  uint32_t n = len / 4;
  int32_t *out = malloc(n ? n * 4 : 1);
  for (uint32_t i = 0; i < n; i++) out[i] = process(in[i]);
  return ((uint64_t)(uintptr_t)out << 32) | (n * 4);
}

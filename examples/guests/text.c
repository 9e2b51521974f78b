// Bytes in and out by the allocate convention (README, "Bytes in and out"),
// freestanding C: no libc, a bump allocator over the heap.
//
//   clang-14 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o text.wasm text.c
//
// Each function takes (ptr, len) and returns (out_ptr << 32) | out_len.
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

extern unsigned char __heap_base;
static uintptr_t top;
static int32_t live; // allocations not yet freed

EXPORT("allocate") void *allocate(uint32_t size) {
  if (!top) top = (uintptr_t)&__heap_base;
  top = (top + 7) & ~(uintptr_t)7;
  uintptr_t p = top;
  top += size;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (top > have && __builtin_wasm_memory_grow(0, (top - have + 65535) / 65536) == (uintptr_t)-1) return 0;
  live++;
  return (void *)p;
}

EXPORT("deallocate") void deallocate(void *ptr, uint32_t size) {
  (void)ptr;
  (void)size;
  live--;
}

// How many buffers are allocated and not freed (for tests of who frees what).
EXPORT("live") int32_t live_buffers(void) { return live; }

static uint64_t pack(const void *p, uint32_t len) { return ((uint64_t)(uintptr_t)p << 32) | len; }

// ASCII upper case, into a new buffer.
EXPORT("upper") uint64_t upper(const unsigned char *in, uint32_t len) {
  unsigned char *out = allocate(len);
  for (uint32_t i = 0; i < len; i++) {
    unsigned char c = in[i];
    out[i] = (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
  }
  return pack(out, len);
}

// The bytes in reverse order.
EXPORT("reverse") uint64_t reverse(const unsigned char *in, uint32_t len) {
  unsigned char *out = allocate(len);
  for (uint32_t i = 0; i < len; i++) out[i] = in[len - 1 - i];
  return pack(out, len);
}

static unsigned char *put_u(unsigned char *o, int64_t v) {
  char tmp[24];
  int n = 0;
  int neg = v < 0;
  uint64_t u = neg ? (uint64_t)(-v) : (uint64_t)v;
  do tmp[n++] = (char)('0' + u % 10), u /= 10; while (u);
  if (neg) *o++ = '-';
  while (n) *o++ = (unsigned char)tmp[--n];
  return o;
}

// JSON: a flat array of integers in, {"count":N,"sum":S} out.
EXPORT("sum_json") uint64_t sum_json(const unsigned char *in, uint32_t len) {
  int64_t sum = 0, cur = 0, count = 0;
  int in_num = 0, neg = 0;
  for (uint32_t i = 0; i <= len; i++) {
    unsigned char c = i < len ? in[i] : ',';
    if (c == '-') neg = 1;
    else if (c >= '0' && c <= '9') cur = cur * 10 + (c - '0'), in_num = 1;
    else {
      if (in_num) sum += neg ? -cur : cur, count++;
      cur = 0, in_num = 0, neg = 0;
    }
  }
  unsigned char *out = allocate(64), *o = out;
  const char *a = "{\"count\":";
  while (*a) *o++ = (unsigned char)*a++;
  o = put_u(o, count);
  const char *b = ",\"sum\":";
  while (*b) *o++ = (unsigned char)*b++;
  o = put_u(o, sum);
  *o++ = '}';
  return pack(out, (uint32_t)(o - out));
}

// Breaks the convention: a result that runs past the end of memory.
EXPORT("bad_result") uint64_t bad_result(const unsigned char *in, uint32_t len) {
  (void)in;
  (void)len;
  return pack((void *)(uintptr_t)0xFFFFFF00u, 4096);
}

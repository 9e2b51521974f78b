// A fast producer for result streams: emits `total` bytes through the
// documented host import cwasm.emit(ptr, len), `chunk` bytes at a time.
// Byte k of the stream is (k * 7 + (k >> 12)) & 0xff, so a reader can check
// every byte and its order.
//
//   clang-14 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -o stream.wasm stream.c
#include <stdint.h>

__attribute__((import_module("cwasm"), import_name("emit"))) void emit(const void *ptr, uint32_t len);

static unsigned char buf[65536];

__attribute__((export_name("produce"))) uint32_t produce(uint32_t total, uint32_t chunk) {
  if (chunk == 0 || chunk > sizeof buf) chunk = sizeof buf;
  uint32_t k = 0;
  while (k < total) {
    uint32_t n = total - k < chunk ? total - k : chunk;
    for (uint32_t i = 0; i < n; i++, k++) buf[i] = (unsigned char)(k * 7 + (k >> 12));
    emit(buf, n);
  }
  return k;
}

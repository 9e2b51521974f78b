// The seed's interface in AssemblyScript (stub runtime: heap.alloc is a bump
// allocator): process(i32) -> i32 is input * 2; allocate and
// process_all(ptr, len) -> i64 follow the README's bytes convention.

export function process(x: i32): i32 {
  return x * 2
}

export function allocate(size: i32): i32 {
  return heap.alloc(<usize>size) as i32
}

export function process_all(ptr: i32, len: i32): i64 {
  const n = len >>> 2
  const out = heap.alloc(<usize>(n << 2)) as i32
  for (let i = 0; i < n; i++) store<i32>(out + (i << 2), process(load<i32>(ptr + (i << 2))))
  return (i64(out) << 32) | i64(n << 2)
}

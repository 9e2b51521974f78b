;; The seed's interface in WAT: process(i32) -> i32 (input * 2), and the
;; bytes convention (README, "Bytes in and out"): allocate(size) -> ptr, and
;; process_all(ptr, len) -> i64 doubling each little-endian i32 of the input,
;; returning (out_ptr << 32) | out_len.
(module $seed_wat
  (memory (export "memory") 1)
  ;; A bump allocator: each call runs in a fresh instance, so nothing is freed.
  (global $top (mut i32) (i32.const 1024))

  (func $process (export "process") (param $x i32) (result i32)
    (i32.mul (local.get $x) (i32.const 2)))

  (func (export "allocate") (param $size i32) (result i32) (local $p i32) (local $end i32)
    (local.set $p (global.get $top))
    ;; 16-byte aligned, so i32 and v128 accesses stay aligned
    (local.set $end (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 15)) (i32.const -16)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (i32.shl (memory.size) (i32.const 16))) (i32.const 65535)) (i32.const 16)))
                    (i32.const -1))
          (then (unreachable)))))
    (global.set $top (local.get $end))
    (local.get $p))

  ;; Doubles in place and hands the same buffer back.
  (func (export "process_all") (param $ptr i32) (param $len i32) (result i64) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $len)))
      (i32.store (i32.add (local.get $ptr) (local.get $i))
        (call $process (i32.load (i32.add (local.get $ptr) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (i32.and (local.get $len) (i32.const -4))))))

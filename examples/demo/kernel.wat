;; The demo's kernel: collatz(start, count) -> i64, the total number of
;; Collatz steps of every n in [start, start + count). Integer work with
;; unpredictable branches, the same for both engines. kernel.wasm is this file
;; in binary form (node scripts/build-examples.mjs; test/examples.test.ts checks
;; that they match), so Node's own WebAssembly runs the very same bytes.
(module $kernel
  (func $steps (param $n i64) (result i64) (local $s i64)
    (block $done (loop $next
      (br_if $done (i64.le_u (local.get $n) (i64.const 1)))
      (local.set $n
        (if (result i64) (i64.eqz (i64.and (local.get $n) (i64.const 1)))
          (then (i64.shr_u (local.get $n) (i64.const 1)))
          (else (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))))
      (local.set $s (i64.add (local.get $s) (i64.const 1)))
      (br $next)))
    (local.get $s))

  (func (export "collatz") (param $start i32) (param $count i32) (result i64) (local $i i32) (local $total i64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $total (i64.add (local.get $total)
        (call $steps (i64.extend_i32_u (i32.add (local.get $start) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $total))

  ;; A runaway: never returns; only its deadline stops it.
  (func (export "spin") (loop $forever (br $forever))))

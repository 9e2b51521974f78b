;; Matrix multiply, C = A x B for n x n f64 matrices, in WAT with SIMD
;; (f64x2: two columns per step). matmul(ptr, len) -> i64 by the bytes
;; convention: the input is n (u32), 4 bytes of padding, A and B row-major;
;; the output is C row-major. Loop order i-k-j: each C[i][j] sums its
;; products in k order, with no fused multiply-add, exactly as the JS
;; reference in science.mjs does, so the results agree bit for bit.
;; n must be even (the SIMD step is two columns); an odd n or a length that
;; does not match traps.
(module $matmul_wat
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))

  (func $allocate (export "allocate") (param $size i32) (result i32) (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (global.get $top))
    (local.set $end (i32.and (i32.add (i32.add (local.get $p) (local.get $size)) (i32.const 15)) (i32.const -16)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 16)))
                    (i32.const -1))
          (then (unreachable)))))
    (global.set $top (local.get $end))
    (local.get $p))

  (func (export "matmul") (param $ptr i32) (param $len i32) (result i64)
    (local $n i32) (local $a i32) (local $b i32) (local $c i32) (local $row i32)
    (local $i i32) (local $k i32) (local $j i32) (local $aik v128) (local $crow i32) (local $brow i32)
    (local.set $n (i32.load (local.get $ptr)))
    (if (i32.or (i32.and (local.get $n) (i32.const 1))
                (i32.ne (local.get $len) (i32.add (i32.const 8) (i32.mul (i32.mul (local.get $n) (local.get $n)) (i32.const 16)))))
      (then (unreachable)))
    (local.set $row (i32.shl (local.get $n) (i32.const 3)))
    (local.set $a (i32.add (local.get $ptr) (i32.const 8)))
    (local.set $b (i32.add (local.get $a) (i32.mul (local.get $row) (local.get $n))))
    ;; memory from allocate is fresh (never written), hence zero: C starts at 0.0
    (local.set $c (call $allocate (i32.mul (local.get $row) (local.get $n))))
    (block $i_done (loop $i_loop
      (br_if $i_done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $row))))
      (local.set $k (i32.const 0))
      (block $k_done (loop $k_loop
        (br_if $k_done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $aik (f64x2.splat (f64.load (i32.add (local.get $a) (i32.add (i32.mul (local.get $i) (local.get $row)) (i32.shl (local.get $k) (i32.const 3)))))))
        (local.set $brow (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $row))))
        (local.set $j (i32.const 0))
        (block $j_done (loop $j_loop
          (br_if $j_done (i32.ge_u (local.get $j) (local.get $row)))
          (v128.store (i32.add (local.get $crow) (local.get $j))
            (f64x2.add (v128.load (i32.add (local.get $crow) (local.get $j)))
                       (f64x2.mul (local.get $aik) (v128.load (i32.add (local.get $brow) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $j_loop)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $k_loop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $i_loop)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $c)) (i64.const 32))
            (i64.extend_i32_u (i32.mul (local.get $row) (local.get $n))))))

;; The cost of one WASI preview-1 call, for node:wasi and for our runtime on
;; the same bytes (bench/wasi-program/wasi-calls.mjs builds and times it).
;; A reactor: `_initialize` (empty), and loops that each call one import n
;; times and return how many of those calls did not return errno 0, so a
;; runtime that refuses a call is noticed rather than timed.
;;
;;   empty_loop(n)          the loop alone (no call), to subtract
;;   args_sizes_get_loop(n) the cheapest call: answered from the host's own tables
;;   clock_loop(n)          clock_time_get(monotonic, precision 0)
;;   fd_write_loop(fd, n)   fd_write of one 16-byte iovec to `fd` (1 = stdout)
;;
;; Memory layout: 0 iovec {buf = 16, len = 16}; 16..32 the bytes;
;; 32 nwritten; 40 timestamp; 48 argc, 52 argv_buf_size.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))

  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\10\00\00\00")
  (data (i32.const 16) "cwasm wasi-call\0a")
  (global $sink (mut i64) (i64.const 0))

  (func (export "_initialize"))

  (func (export "empty_loop") (param $n i32) (result i32)
    (local $i i32) (local $bad i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; as much work around the call as the other loops do, minus the call
        (global.set $sink (i64.add (global.get $sink) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $bad))

  (func (export "args_sizes_get_loop") (param $n i32) (result i32)
    (local $i i32) (local $bad i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (call $args_sizes_get (i32.const 48) (i32.const 52))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $bad))

  (func (export "clock_loop") (param $n i32) (result i32)
    (local $i i32) (local $bad i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 40))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (global.set $sink (i64.add (global.get $sink) (i64.load (i32.const 40))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $bad))

  (func (export "fd_write_loop") (param $fd i32) (param $n i32) (result i32)
    (local $i i32) (local $bad i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.or
              (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 32))
              (i32.ne (i32.load (i32.const 32)) (i32.const 16)))
          (then (local.set $bad (i32.add (local.get $bad) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $bad))

  ;; The last timestamp read, so a test can see the clock moved.
  (func (export "last_timestamp") (result i64) (i64.load (i32.const 40))))

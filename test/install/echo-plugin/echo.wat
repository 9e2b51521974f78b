;; A WASI command that writes its first argument to stdout: the smallest
;; program that needs args and stdout from the sandbox, and nothing else.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; argc at 0, the size of all argument strings at 4
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    ;; argv pointers from 16, the strings from 256
    (drop (call $args_get (i32.const 16) (i32.const 256)))
    ;; one iovec at 8: argv[1], up to the end of the strings less its NUL
    (i32.store (i32.const 8) (i32.load (i32.const 20)))
    (i32.store (i32.const 12)
      (i32.sub
        (i32.sub (i32.add (i32.const 256) (i32.load (i32.const 4))) (i32.load (i32.const 20)))
        (i32.const 1)))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 100)))))

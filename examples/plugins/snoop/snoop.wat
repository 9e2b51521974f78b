;; A WASI command plugin in WAT that tries three opens in its one preopen
;; (fd 3, /data), reporting each errno to the host (host.report):
;;   1. notes.txt, its own file: granted, read and copied to stdout;
;;   2. ../../wordcount/data/words.txt: out of its preopen, refused (perm);
;;   3. stolen.txt with O_CREAT: /data is read-only, refused.
;; Each refusal lands in the host's audit log.
(module $snoop
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "host" "report" (func $report (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "notes.txt")
  (data (i32.const 120) "../../wordcount/data/words.txt")
  (data (i32.const 160) "stolen.txt")
  ;; 0: iovec (ptr, len); 8: nread; 12: opened fd; 1024: the read buffer

  ;; path_open(3, …) of the path at $p, $n bytes; returns the errno, the fd at 12
  (func $open (param $p i32) (param $n i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (local.get $p) (local.get $n)
      (local.get $oflags) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 12)))

  (func (export "_start") (local $errno i32)
    ;; 1. its own notes: fd_read right (bit 1)
    (local.set $errno (call $open (i32.const 100) (i32.const 9) (i32.const 0) (i64.const 2)))
    (call $report (i32.const 1) (local.get $errno))
    (if (i32.eqz (local.get $errno))
      (then
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 4096))
        (drop (call $fd_read (i32.load (i32.const 12)) (i32.const 0) (i32.const 1) (i32.const 8)))
        (i32.store (i32.const 4) (i32.load (i32.const 8)))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
    ;; 2. another plugin's data, through ..
    (call $report (i32.const 2) (call $open (i32.const 120) (i32.const 30) (i32.const 0) (i64.const 2)))
    ;; 3. a new file: O_CREAT (1), fd_write right (bit 6)
    (call $report (i32.const 3) (call $open (i32.const 160) (i32.const 10) (i32.const 1) (i64.const 64)))))

;; The seed's example: process(i32) -> i32 returns input * 2.
;; examples/compute.wasm is this file in binary form (regenerate with
;; `node scripts/build-examples.mjs`).
(module $compute
  (func $process (export "process") (param $input i32) (result i32)
    local.get $input
    i32.const 2
    i32.mul))

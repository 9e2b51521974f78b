//! The process-wide module registry. Alone in its own test binary: its
//! counters are process-wide, and tests of one binary run concurrently.

use cwasm_core::{module_stats, Engine, EngineConfig, Module};

#[test]
fn the_same_bytes_are_compiled_once_per_engine_config() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let wat = br#"(module (func (export "registry_probe") (result i32) i32.const 99))"#;
    let first = Module::compile(&engine, wat).unwrap();
    let before = module_stats();
    let second = Module::compile(&engine, wat).unwrap();
    let after = module_stats();
    assert_eq!(first.hash(), second.hash());
    assert!(wasmtime::Module::same(first.wasmtime(), second.wasmtime()));
    assert_eq!(after.cache_hits, before.cache_hits + 1);
    assert_eq!(after.compiled, before.compiled);
}

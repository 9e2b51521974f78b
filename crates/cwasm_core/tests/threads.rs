//! Shared memories (engine option `threads`): refused by default, admitted
//! only within the store's memory limit, and an atomic wait ends at the
//! call's deadline however long it asked to wait.

use cwasm_core::{Compiler, Engine, EngineConfig, Error, Module, Store, StoreOptions, Value};
use std::time::{Duration, Instant};

const WAITER: &str = r#"(module
    (memory 1 1 shared)
    (func (export "wait32") (param i32 i64) (result i32) (memory.atomic.wait32 (i32.const 0) (local.get 0) (local.get 1)))
    (func (export "wait64") (param i64 i64) (result i32) (memory.atomic.wait64 offset=8 (i32.const 0) (local.get 0) (local.get 1)))
    (func (export "notify") (result i32) (memory.atomic.notify (i32.const 0) (i32.const 1))))"#;

fn threads(compiler: Compiler) -> Engine {
    Engine::shared(&EngineConfig { threads: true, compiler, ..Default::default() }).unwrap()
}

fn call(store: &Store, module: &Module, name: &str, args: &[Value]) -> Result<Vec<Value>, Error> {
    let i = store.instantiate(module, &[])?;
    let f = store.export_func(i, name)?;
    store.call(f, args)
}

#[test]
fn shared_memories_are_refused_unless_threads_are_on() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    assert!(matches!(Module::compile(&engine, WAITER.as_bytes()), Err(Error::Compile { .. })));
}

#[test]
fn an_endless_atomic_wait_ends_at_the_deadline_on_both_compilers() {
    for compiler in [Compiler::Cranelift, Compiler::Winch] {
        let engine = threads(compiler);
        let m = Module::compile(&engine, WAITER.as_bytes()).unwrap();
        for (name, args) in [("wait32", [Value::I32(0), Value::I64(-1)]), ("wait64", [Value::I64(0), Value::I64(-1)])] {
            let store = Store::new(&engine, StoreOptions::default());
            store.set_deadline(Some(Duration::from_millis(50))).unwrap();
            let t0 = Instant::now();
            match call(&store, &m, name, &args) {
                Err(Error::Timeout { limit_ms: 50 }) => {}
                other => panic!("{compiler:?} {name}: expected a timeout, got {other:?}"),
            }
            assert!(t0.elapsed() < Duration::from_secs(2), "{compiler:?} {name} took {:?}", t0.elapsed());
        }
    }
}

#[test]
fn a_finite_wait_times_out_after_its_timeout_and_a_wrong_value_returns_at_once() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, WAITER.as_bytes()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let t0 = Instant::now();
    // 25 ms, in several slices: still 2 ("timed out"), and not before.
    assert_eq!(call(&store, &m, "wait32", &[Value::I32(0), Value::I64(25_000_000)]).unwrap(), vec![Value::I32(2)]);
    assert!(t0.elapsed() >= Duration::from_millis(25));
    assert_eq!(call(&store, &m, "wait32", &[Value::I32(0), Value::I64(0)]).unwrap(), vec![Value::I32(2)]);
    // The memory holds 0, so expecting 7 is "not equal".
    let t1 = Instant::now();
    assert_eq!(call(&store, &m, "wait32", &[Value::I32(7), Value::I64(-1)]).unwrap(), vec![Value::I32(1)]);
    assert!(t1.elapsed() < Duration::from_secs(1));
    // Nobody waits: notify wakes no one.
    assert_eq!(call(&store, &m, "notify", &[]).unwrap(), vec![Value::I32(0)]);
}

#[test]
fn a_shared_memory_must_fit_the_store_limit_at_its_declared_maximum() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, br#"(module (memory 1 16 shared) (func (export "f") (result i32) (memory.grow (i32.const 15))))"#).unwrap();
    let small = Store::new(&engine, StoreOptions { max_memory_bytes: Some(8 * 65536), ..Default::default() });
    match small.instantiate(&m, &[]) {
        Err(Error::MemoryLimit { message }) => assert!(message.contains("shared memory"), "{message}"),
        other => panic!("expected a memory limit error, got {other:?}"),
    }
    let enough = Store::new(&engine, StoreOptions { max_memory_bytes: Some(16 * 65536), ..Default::default() });
    assert_eq!(call(&enough, &m, "f", &[]).unwrap(), vec![Value::I32(1)]);
}

#[test]
fn shared_memories_stay_refused_under_epoch_checks_whose_waits_could_not_be_stopped() {
    let engine = Engine::shared(&EngineConfig { threads: true, epoch_checks: true, ..Default::default() }).unwrap();
    match Module::compile(&engine, WAITER.as_bytes()) {
        Err(Error::Compile { message, .. }) => assert!(message.contains("woven interrupt checks"), "{message}"),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn an_instance_with_a_shared_memory_export_lists_its_other_exports_and_refuses_that_one_by_name() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, br#"(module (memory (export "mem") 1 1 shared) (func (export "f") (result i32) (i32.atomic.load (i32.const 0))))"#).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&m, &[]).unwrap();
    let names: Vec<String> = store.exports(i).unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["f"]);
    match store.export(i, "mem") {
        Err(Error::InvalidArgument { message }) => assert!(message.contains("shared memories"), "{message}"),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
}

//! Shared memories (engine option `threads`): refused by default, admitted
//! only within the store's memory limit, held, made and grown by the host,
//! and an atomic wait ends at the call's deadline however long it asked to wait.

use cwasm_core::{Compiler, Engine, EngineConfig, Error, Extern, ExternDesc, Module, SharedMemory, Store, StoreOptions, Value};
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
fn an_exported_shared_memory_is_listed_typed_shared_and_reached_by_name() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, br#"(module (memory (export "mem") 1 2 shared) (func (export "f") (result i32) (i32.atomic.load (i32.const 0))))"#).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&m, &[]).unwrap();
    let names: Vec<String> = store.exports(i).unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["mem", "f"]);
    let mem = store.export(i, "mem").unwrap();
    match store.extern_type(&mem).unwrap() {
        ExternDesc::Memory { minimum: 1, maximum: Some(2), shared: true, .. } => {}
        other => panic!("expected memory 1 2 shared, got {other:?}"),
    }
    assert!(matches!(store.export_memory(i, "mem"), Err(Error::InvalidArgument { .. })));
}

fn shared(store: &Store, i: cwasm_core::Instance, name: &str) -> SharedMemory {
    match store.export(i, name).unwrap() {
        Extern::SharedMemory(m) => m,
        other => panic!("expected a shared memory, got {other:?}"),
    }
}

const ATOMICS: &str = r#"(module (memory (export "mem") 1 2 shared)
    (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
    (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
    (func (export "size") (result i32) (memory.size)))"#;

#[test]
fn the_host_and_the_guest_see_each_others_writes_to_an_exported_shared_memory() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, ATOMICS.as_bytes()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&m, &[]).unwrap();
    let mem = shared(&store, i, "mem");
    store.shared_memory_write(&mem, 8, &0x1234_5678u32.to_le_bytes()).unwrap();
    let load = store.export_func(i, "load").unwrap();
    assert_eq!(store.call(load, &[Value::I32(8)]).unwrap(), vec![Value::I32(0x1234_5678)]);
    let st = store.export_func(i, "store").unwrap();
    store.call(st, &[Value::I32(16), Value::I32(-2)]).unwrap();
    assert_eq!(store.shared_memory_read(&mem, 16, 4).unwrap(), (-2i32).to_le_bytes());
    assert_eq!(store.shared_memory_size(&mem), 65536);
    // Out of bounds, and the empty range at the very end.
    assert!(matches!(store.shared_memory_read(&mem, 65535, 2), Err(Error::InvalidArgument { .. })));
    assert!(matches!(store.shared_memory_write(&mem, u64::MAX, &[1]), Err(Error::InvalidArgument { .. })));
    assert_eq!(store.shared_memory_read(&mem, 65536, 0).unwrap(), Vec::<u8>::new());
}

#[test]
fn a_shared_memory_grows_to_its_maximum_and_no_further() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, ATOMICS.as_bytes()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&m, &[]).unwrap();
    let mem = shared(&store, i, "mem");
    assert_eq!(store.shared_memory_grow(&mem, 1).unwrap(), 1);
    assert_eq!(store.shared_memory_size(&mem), 2 * 65536);
    let size = store.export_func(i, "size").unwrap();
    assert_eq!(store.call(size, &[]).unwrap(), vec![Value::I32(2)]);
    store.shared_memory_write(&mem, 65536 + 4, &[7]).unwrap();
    assert!(matches!(store.shared_memory_grow(&mem, 1), Err(Error::MemoryLimit { .. })));
}

#[test]
fn the_host_makes_a_shared_memory_that_a_module_imports_and_two_stores_share() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(
        &engine,
        br#"(module (import "env" "mem" (memory 1 4 shared))
            (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0)))
            (func (export "add") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let a = Store::new(&engine, StoreOptions::default());
    let mem = a.new_shared_memory(1, Some(4), false).unwrap();
    match a.extern_type(&Extern::SharedMemory(mem.clone())).unwrap() {
        ExternDesc::Memory { minimum: 1, maximum: Some(4), shared: true, .. } => {}
        other => panic!("expected memory 1 4 shared, got {other:?}"),
    }
    let imports = [("env".to_string(), "mem".to_string(), Extern::SharedMemory(mem.clone()))];
    let ia = a.instantiate(&m, &imports).unwrap();
    a.shared_memory_write(&mem, 0, &5i32.to_le_bytes()).unwrap();
    assert_eq!(a.call(a.export_func(ia, "load").unwrap(), &[Value::I32(0)]).unwrap(), vec![Value::I32(5)]);
    // Another store of the same engine imports the same memory.
    let b = Store::new(&engine, StoreOptions::default());
    let ib = b.instantiate(&m, &imports).unwrap();
    assert_eq!(b.call(b.export_func(ib, "add").unwrap(), &[Value::I32(0), Value::I32(3)]).unwrap(), vec![Value::I32(5)]);
    assert_eq!(a.shared_memory_read(&mem, 0, 4).unwrap(), 8i32.to_le_bytes());
}

#[test]
fn the_host_cannot_make_a_shared_memory_without_threads_a_maximum_or_room_under_the_limit() {
    let plain = Store::new(&Engine::shared(&EngineConfig::default()).unwrap(), StoreOptions::default());
    match plain.new_shared_memory(1, Some(2), false) {
        Err(Error::InvalidArgument { message }) => assert!(message.contains("threads"), "{message}"),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
    let engine = threads(Compiler::Cranelift);
    let store = Store::new(&engine, StoreOptions { max_memory_bytes: Some(2 * 65536), ..Default::default() });
    match store.new_shared_memory(1, None, false) {
        Err(Error::InvalidArgument { message }) => assert!(message.contains("maximum"), "{message}"),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
    assert!(matches!(store.new_shared_memory(2, Some(1), false), Err(Error::InvalidArgument { .. })));
    match store.new_shared_memory(1, Some(3), false) {
        Err(Error::MemoryLimit { message }) => assert!(message.contains("maxMemory"), "{message}"),
        other => panic!("expected a memory limit error, got {other:?}"),
    }
    assert!(store.new_shared_memory(1, Some(2), false).is_ok());
}

#[test]
fn a_shared_memory_is_checked_against_the_limit_of_the_store_that_imports_or_grows_it() {
    let engine = threads(Compiler::Cranelift);
    let m = Module::compile(&engine, br#"(module (import "env" "mem" (memory 1 4 shared)))"#).unwrap();
    let roomy = Store::new(&engine, StoreOptions::default());
    let mem = roomy.new_shared_memory(1, Some(4), false).unwrap();
    let small = Store::new(&engine, StoreOptions { max_memory_bytes: Some(2 * 65536), ..Default::default() });
    let imports = [("env".to_string(), "mem".to_string(), Extern::SharedMemory(mem.clone()))];
    assert!(matches!(small.instantiate(&m, &imports), Err(Error::MemoryLimit { .. })));
    assert_eq!(small.shared_memory_grow(&mem, 1).unwrap(), 1);
    match small.shared_memory_grow(&mem, 1) {
        Err(Error::MemoryLimit { message }) => assert!(message.contains("would grow to 196608 bytes"), "{message}"),
        other => panic!("expected a memory limit error, got {other:?}"),
    }
    assert_eq!(roomy.shared_memory_grow(&mem, 1).unwrap(), 2);
}

#[test]
fn shared_and_unshared_memories_only_satisfy_imports_of_their_own_kind() {
    let engine = threads(Compiler::Cranelift);
    let wants_shared = Module::compile(&engine, br#"(module (import "env" "mem" (memory 1 4 shared)))"#).unwrap();
    let wants_plain = Module::compile(&engine, br#"(module (import "env" "mem" (memory 1 4)))"#).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let plain = Extern::Memory(store.new_memory(1, Some(4), false).unwrap());
    let sh = Extern::SharedMemory(store.new_shared_memory(1, Some(4), false).unwrap());
    let with = |e: &Extern| [("env".to_string(), "mem".to_string(), e.clone())];
    assert!(matches!(store.instantiate(&wants_shared, &with(&plain)), Err(Error::Link { .. })));
    assert!(matches!(store.instantiate(&wants_plain, &with(&sh)), Err(Error::Link { .. })));
    // A larger maximum than the import allows does not match either.
    let big = Extern::SharedMemory(store.new_shared_memory(1, Some(8), false).unwrap());
    assert!(matches!(store.instantiate(&wants_shared, &with(&big)), Err(Error::Link { .. })));
    assert!(store.instantiate(&wants_shared, &with(&sh)).is_ok());
    assert!(store.instantiate(&wants_plain, &with(&plain)).is_ok());
}

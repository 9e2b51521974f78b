//! Store limits and deadlines.

use cwasm_core::{Engine, EngineConfig, Error, Module, Store, StoreOptions, Value};
use std::time::{Duration, Instant};

const GROWER: &[u8] = br#"(module (memory 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#;

#[test]
fn growing_past_max_memory_is_a_memory_limit_error() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(&engine, GROWER).unwrap();
    let store = Store::new(&engine, StoreOptions { max_memory_bytes: Some(4 * 65536), ..Default::default() });
    let i = store.instantiate(&m, &[]).unwrap();
    let f = store.export_func(i, "grow").unwrap();
    assert_eq!(store.call(f, &[Value::I32(3)]).unwrap(), vec![Value::I32(1)]);
    assert!(matches!(store.call(f, &[Value::I32(1)]), Err(Error::MemoryLimit { .. })));
}

#[test]
fn without_trap_on_grow_failure_memory_grow_returns_minus_one() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(&engine, GROWER).unwrap();
    let store = Store::new(
        &engine,
        StoreOptions { max_memory_bytes: Some(2 * 65536), trap_on_grow_failure: false, ..Default::default() },
    );
    let i = store.instantiate(&m, &[]).unwrap();
    let f = store.export_func(i, "grow").unwrap();
    assert_eq!(store.call(f, &[Value::I32(5)]).unwrap(), vec![Value::I32(-1)]);
}

#[test]
fn an_infinite_loop_stops_at_the_deadline_with_a_timeout() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(&engine, br#"(module (func (export "spin") (loop br 0)))"#).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    store.set_deadline(Some(Duration::from_millis(50))).unwrap();
    let i = store.instantiate(&m, &[]).unwrap();
    let f = store.export_func(i, "spin").unwrap();
    let t0 = Instant::now();
    match store.call(f, &[]) {
        Err(Error::Timeout { limit_ms }) => assert_eq!(limit_ms, 50),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(t0.elapsed() < Duration::from_secs(2));
}

/// Calls `spin` of `wat` under a 50 ms deadline and expects a timeout. The
/// call runs on its own thread so that a loop that cannot be stopped fails
/// the test instead of hanging it.
fn times_out(wat: &'static str) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let engine = Engine::shared(&EngineConfig::default()).unwrap();
        let m = Module::compile(&engine, wat.as_bytes()).unwrap();
        let store = Store::new(&engine, StoreOptions::default());
        store.set_deadline(Some(Duration::from_millis(50))).unwrap();
        let i = store.instantiate(&m, &[]).unwrap();
        let f = store.export_func(i, "spin").unwrap();
        let _ = tx.send(store.call(f, &[]));
    });
    match rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Err(Error::Timeout { limit_ms })) => assert_eq!(limit_ms, 50),
        Ok(other) => panic!("expected a timeout, got {other:?}"),
        Err(_) => panic!("the call was not stopped within 5 s"),
    }
}

#[test]
fn a_counted_loop_that_never_reaches_its_bound_still_stops_at_the_deadline() {
    // 1, 3, 5, … never equals 64: it looks counted but wraps forever.
    times_out(
        r#"(module (func (export "spin") (local $i i32)
            i32.const 1 local.set $i
            (loop $l local.get $i i32.const 2 i32.add local.tee $i i32.const 64 i32.ne br_if $l)))"#,
    );
}

#[test]
fn an_endless_loop_around_short_counted_loops_stops_at_the_deadline() {
    // The inner loop (16 iterations) goes unchecked; the outer one and the
    // function that only runs short counted loops must still be stopped
    // through the checks that remain.
    times_out(
        r#"(module
            (func $short (local $j i32)
              i32.const 0 local.set $j
              (loop $l local.get $j i32.const 1 i32.add local.tee $j i32.const 16 i32.lt_u br_if $l))
            (func (export "spin") (local $i i32)
              (loop $outer
                i32.const 0 local.set $i
                (loop $inner local.get $i i32.const 1 i32.add local.tee $i i32.const 16 i32.ne br_if $inner)
                call $short
                br $outer)))"#,
    );
}

#[test]
fn a_tree_of_recursive_calls_without_loops_stops_at_the_deadline() {
    // 2^60 calls, never deeper than 60: no loop and no stack overflow.
    times_out(
        r#"(module
            (func $f (param $n i32)
              (if (local.get $n) (then
                (call $f (i32.sub (local.get $n) (i32.const 1)))
                (call $f (i32.sub (local.get $n) (i32.const 1))))))
            (func (export "spin") (call $f (i32.const 60))))"#,
    );
}

#[test]
fn a_wide_tree_of_calls_without_loops_or_recursion_stops_at_the_deadline() {
    // f0 calls f1 a hundred times, f1 calls f2 a hundred times, …: 100^6
    // calls of the leaf, in straight-line code only.
    let mut wat = String::from("(module (func $f6 (drop (i32.const 0)))");
    for k in (0..6).rev() {
        wat += &format!("(func $f{k} {})", format!("call $f{} ", k + 1).repeat(100));
    }
    wat += r#"(func (export "spin") call $f0))"#;
    times_out(Box::leak(wat.into_boxed_str()));
}

#[test]
fn thousands_of_indirect_calls_in_a_row_stop_at_the_deadline() {
    // Each call runs a short counted loop (65,536 iterations, no check of
    // its own); 4,000 of them in straight-line code take a few hundred ms.
    let mut wat = String::from(
        r#"(module
            (type $t (func))
            (table 1 funcref)
            (elem (i32.const 0) $work)
            (func $work (local $i i32)
              i32.const 0 local.set $i
              (loop $l local.get $i i32.const 1 i32.add local.tee $i i32.const 65536 i32.lt_u br_if $l))
            (func (export "spin")"#,
    );
    wat += &"(call_indirect (type $t) (i32.const 0))".repeat(4_000);
    wat += "))";
    times_out(Box::leak(wat.into_boxed_str()));
}

#[test]
fn hundreds_of_bulk_memory_operations_in_a_row_stop_at_the_deadline() {
    // Each fills 16 MiB; 400 of them in straight-line code take a second or more.
    let mut wat = String::from(r#"(module (memory 256) (func (export "spin")"#);
    wat += &"(memory.fill (i32.const 0) (i32.const 7) (i32.const 16777216))".repeat(400);
    wat += "))";
    times_out(Box::leak(wat.into_boxed_str()));
}

#[test]
fn a_host_function_that_waits_sees_the_deadline_and_the_call_times_out() {
    for config in [EngineConfig::default(), EngineConfig { epoch_checks: true, ..Default::default() }] {
        let engine = Engine::new_unshared(&config).unwrap();
        let m = Module::compile(&engine, br#"(module (import "h" "wait" (func)) (func (export "go") call 0))"#).unwrap();
        let store = Store::new(&engine, StoreOptions::default());
        assert!(!cwasm_core::stop_requested(), "outside a host function nothing asks to stop");
        let wait: cwasm_core::SlotHostFn = std::sync::Arc::new(|_args: &[u8]| {
            let t0 = Instant::now();
            while !cwasm_core::stop_requested() {
                if t0.elapsed() > Duration::from_secs(5) {
                    return Err(cwasm_core::HostError { message: "never asked to stop".into(), payload: None, throw: None });
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(cwasm_core::HostError::interrupted())
        });
        let host = store.host_func_slots(&[], &[], wait).unwrap();
        let i = store.instantiate(&m, &[("h".into(), "wait".into(), cwasm_core::Extern::Func(host))]).unwrap();
        let f = store.export_func(i, "go").unwrap();
        store.set_deadline(Some(Duration::from_millis(30))).unwrap();
        match store.call(f, &[]) {
            Err(Error::Timeout { limit_ms }) => assert_eq!(limit_ms, 30),
            other => panic!("expected a timeout ({config:?}), got {other:?}"),
        }
    }
}

const PAGE: u64 = 65536;

#[test]
fn memory_bytes_counts_every_memory_of_the_store_as_it_is_made_and_grows() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    assert_eq!(store.memory_bytes(), 0);
    let m = Module::compile(&engine, GROWER).unwrap();
    let i = store.instantiate(&m, &[]).unwrap();
    // The module's page; the woven interrupt flag's page is not counted.
    assert_eq!(store.memory_bytes(), PAGE);
    let f = store.export_func(i, "grow").unwrap();
    store.call(f, &[Value::I32(3)]).unwrap();
    assert_eq!(store.memory_bytes(), 4 * PAGE);
    store.new_memory(2, None, false).unwrap();
    assert_eq!(store.memory_bytes(), 6 * PAGE);
    store.release().unwrap();
    assert_eq!(store.memory_bytes(), 0);
}

#[test]
fn memory_report_tells_each_change_once_and_takes_everything_back_when_the_host_object_goes() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let m = Module::compile(&engine, GROWER).unwrap();
    let i = store.instantiate(&m, &[]).unwrap();
    assert_eq!(store.memory_report(false), PAGE as i64);
    assert_eq!(store.memory_report(false), 0, "nothing changed since");
    let f = store.export_func(i, "grow").unwrap();
    store.call(f, &[Value::I32(1)]).unwrap();
    assert_eq!(store.memory_report(false), PAGE as i64);
    assert_eq!(store.memory_report(true), -((2 * PAGE) as i64));
    // After the host object is gone, growth is no longer reported.
    store.call(f, &[Value::I32(1)]).unwrap();
    assert_eq!(store.memory_report(false), 0);
    assert_eq!(store.memory_report(true), 0);
}

#[test]
fn memory_report_after_release_gives_back_what_was_told() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    store.new_memory(10, None, false).unwrap();
    assert_eq!(store.memory_report(false), (10 * PAGE) as i64);
    store.release().unwrap();
    assert_eq!(store.memory_report(false), -((10 * PAGE) as i64));
    assert_eq!(store.memory_report(true), 0);
}

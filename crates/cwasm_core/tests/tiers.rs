//! Tiered compilation: Winch code first, Cranelift code once it is ready,
//! and the same behaviour from both.

use cwasm_core::{Compiler, Engine, EngineConfig, Error, Module, Store, StoreOptions, Value};
use std::time::Duration;

/// Every module starts on Winch with `auto` here, however small.
fn engine(compiler: Compiler, fuel: bool) -> Engine {
    Engine::shared(&EngineConfig { compiler, fuel, baseline_min_bytes: 0, ..Default::default() }).unwrap()
}

/// Kernels and the calls made on them: loops, calls, memory, SIMD, traps.
const KERNELS: &[(&str, &str, &[i64])] = &[
    (
        "sum loop",
        r#"(module (func (export "f") (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (local.get 0)))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (local.get 1)))"#,
        &[100_000],
    ),
    (
        "fib",
        r#"(module (func $fib (export "f") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#,
        &[20],
    ),
    (
        "memory and bulk operations",
        r#"(module (memory 1) (data $d "hello world")
            (func (export "f") (param i32) (result i32)
              (memory.fill (i32.const 0) (i32.const 7) (i32.const 4000))
              (memory.copy (i32.const 100) (i32.const 0) (local.get 0))
              (memory.init $d (i32.const 0) (i32.const 0) (i32.const 11))
              (i32.add (i32.load8_u (i32.const 4)) (i32.load (i32.const 2000)))))"#,
        &[3000],
    ),
    (
        "simd dot product",
        r#"(module (memory 1)
            (func (export "f") (param i32) (result i32) (local v128 i32)
              (loop $l
                (i32.store (i32.shl (local.get 2) (i32.const 2)) (local.get 2))
                (br_if $l (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 1))) (i32.const 1024))))
              (local.set 2 (i32.const 0))
              (loop $m
                (local.set 1 (i32x4.add (local.get 1) (i32x4.mul (v128.load (local.get 2)) (v128.load (local.get 2)))))
                (br_if $m (i32.lt_u (local.tee 2 (i32.add (local.get 2) (i32.const 16))) (local.get 0))))
              (i32.add (i32.add (i32x4.extract_lane 0 (local.get 1)) (i32x4.extract_lane 1 (local.get 1)))
                       (i32.add (i32x4.extract_lane 2 (local.get 1)) (i32x4.extract_lane 3 (local.get 1))))))"#,
        &[4096],
    ),
    (
        "floats",
        r#"(module (func (export "f") (param i32) (result f64) (local i32 f64)
            (loop $o
              (local.set 1 (i32.const 0))
              (loop $i
                (local.set 2 (f64.add (local.get 2) (f64.sqrt (f64.convert_i32_u (local.get 1)))))
                (br_if $i (i32.lt_u (local.tee 1 (i32.add (local.get 1) (i32.const 1))) (i32.const 50))))
              (br_if $o (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
            (local.get 2)))"#,
        &[40],
    ),
    ("divide by zero", r#"(module (func (export "f") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))"#, &[0]),
    ("out of bounds", r#"(module (memory 1) (func (export "f") (param i32) (result i32) (i32.load (local.get 0))))"#, &[70_000]),
    ("unreachable", r#"(module (func (export "f") (param i32) (result i32) unreachable))"#, &[1]),
    (
        "stack overflow",
        r#"(module (func $r (export "f") (param i32) (result i32) (i32.add (call $r (local.get 0)) (i32.const 1))))"#,
        &[1],
    ),
];

/// One call in a store of the given compiler's code: its result or the
/// error's kind, and the fuel it used.
fn outcome(module: &Module, args: &[i64], fuel: Option<u64>) -> (Result<Vec<String>, String>, Option<u64>) {
    let store = Store::for_module(module.engine(), StoreOptions::default(), module);
    store.set_fuel_budget(fuel).unwrap();
    store.set_collect_stats(true);
    let i = store.instantiate(module, &[]).unwrap();
    let f = store.export_func(i, "f").unwrap();
    let args: Vec<Value> = args.iter().map(|&a| Value::I32(a as i32)).collect();
    let r = store.call(f, &args).map(|v| v.iter().map(|x| format!("{x:?}")).collect()).map_err(|e| e.kind().to_string());
    (r, store.last_call_stats().fuel_consumed)
}

#[test]
fn results_traps_and_fuel_counts_are_the_same_under_both_compilers() {
    let (winch, cranelift) = (engine(Compiler::Winch, true), engine(Compiler::Cranelift, true));
    for (name, wat, args) in KERNELS {
        let w = Module::compile(&winch, wat.as_bytes()).unwrap();
        let c = Module::compile(&cranelift, wat.as_bytes()).unwrap();
        assert_eq!((w.tier(), c.tier()), (Compiler::Winch, Compiler::Cranelift));
        let full = outcome(&c, args, None);
        if *name == "stack overflow" {
            // Winch frames are larger: the stack runs out at another depth,
            // so after other fuel (as the engine option's doc says).
            assert_eq!(outcome(&w, args, None).0, full.0, "{name}");
            continue;
        }
        assert_eq!(outcome(&w, args, None), full, "{name}");
        // Budgets that run out at the start, in the middle and near the end.
        if let Some(used) = full.1 {
            for budget in [1, used / 3 + 1, used.saturating_sub(1).max(1), used] {
                let (a, b) = (outcome(&w, args, Some(budget)), outcome(&c, args, Some(budget)));
                assert_eq!(a, b, "{name} with {budget} fuel");
            }
        }
    }
}

#[test]
fn running_out_of_fuel_mid_loop_is_fuel_exhausted_at_the_same_count_every_time_on_winch() {
    let winch = engine(Compiler::Winch, true);
    let m = Module::compile(&winch, KERNELS[0].1.as_bytes()).unwrap();
    let first = outcome(&m, &[100_000], Some(12_345));
    assert_eq!(first, (Err("fuel_exhausted".to_string()), Some(12_345)));
    for _ in 0..5 {
        assert_eq!(outcome(&m, &[100_000], Some(12_345)), first);
    }
}

#[test]
fn a_tiered_module_starts_on_winch_code_and_later_stores_run_cranelift_code() {
    let auto = engine(Compiler::Auto, false);
    // Bytes no other test compiles, so the registry has no Cranelift code for them.
    let wat = format!(r#"(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const {}))))"#, std::process::id());
    let m = Module::compile(&auto, wat.as_bytes()).unwrap();
    assert_eq!(m.tier(), Compiler::Winch);
    let early = Store::for_module(&auto, StoreOptions::default(), &m);
    assert_eq!(early.tier(), Compiler::Winch);
    let i = early.instantiate(&m, &[]).unwrap();
    let f = early.export_func(i, "f").unwrap();
    assert_eq!(early.call(f, &[Value::I32(1)]).unwrap(), vec![Value::I32(1 + std::process::id() as i32)]);
    assert!(m.wait_optimized(Some(Duration::from_secs(60))).unwrap(), "the Cranelift code is ready within a minute");
    assert_eq!(m.tier(), Compiler::Cranelift);
    assert!(m.tier_up_time().is_some());
    let late = Store::for_module(&auto, StoreOptions::default(), &m);
    assert_eq!(late.tier(), Compiler::Cranelift);
    let i = late.instantiate(&m, &[]).unwrap();
    let g = late.export_func(i, "f").unwrap();
    assert_eq!(late.call(g, &[Value::I32(1)]).unwrap(), vec![Value::I32(1 + std::process::id() as i32)]);
    // The Winch instance keeps running its code.
    assert_eq!(early.call(f, &[Value::I32(2)]).unwrap(), vec![Value::I32(2 + std::process::id() as i32)]);
    // Compiling the same bytes again gives the Cranelift code at once.
    assert_eq!(Module::compile(&auto, wat.as_bytes()).unwrap().tier(), Compiler::Cranelift);
}

#[test]
fn a_store_made_without_a_module_runs_cranelift_code_at_once() {
    let auto = engine(Compiler::Auto, false);
    let wat = format!(r#"(module (func (export "f") (result i32) (i32.const {})))"#, std::process::id() + 1);
    let m = Module::compile(&auto, wat.as_bytes()).unwrap();
    let store = Store::new(&auto, StoreOptions::default());
    assert_eq!(store.tier(), Compiler::Cranelift);
    let i = store.instantiate(&m, &[]).unwrap();
    let f = store.export_func(i, "f").unwrap();
    assert_eq!(store.call(f, &[]).unwrap(), vec![Value::I32(std::process::id() as i32 + 1)]);
    assert_eq!(m.tier(), Compiler::Cranelift, "instantiating in a Cranelift store compiled (or waited for) the Cranelift code");
}

#[test]
fn a_module_under_baseline_min_bytes_is_compiled_by_cranelift_at_once() {
    let auto = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(&auto, format!(r#"(module (func (export "f") (result i32) (i32.const {})))"#, std::process::id() + 3).as_bytes()).unwrap();
    assert_eq!(m.tier(), Compiler::Cranelift);
}

#[test]
fn a_module_winch_cannot_compile_is_compiled_by_cranelift_straight_away() {
    let auto = engine(Compiler::Auto, false);
    let m = Module::compile(&auto, br#"(module (func $f (export "f") (param i32) (result i32) (return_call $g (local.get 0))) (func $g (param i32) (result i32) (local.get 0)))"#).unwrap();
    assert_eq!(m.tier(), Compiler::Cranelift);
}

#[test]
fn compiler_winch_refuses_what_winch_does_not_support_with_a_compile_error() {
    let winch = engine(Compiler::Winch, false);
    let r = Module::compile(&winch, br#"(module (func $f (export "f") (return_call $f)))"#);
    assert!(matches!(r, Err(Error::Compile { .. })), "{r:?}");
}

#[test]
fn a_winch_store_refuses_a_module_that_has_only_cranelift_code_with_a_clear_error() {
    let auto = engine(Compiler::Auto, false);
    // Large enough that its Cranelift code takes a while: the store below is made before it is ready.
    let funcs: String = (0..3000).map(|i| format!("(func (param i32) (result i32) (i32.mul (local.get 0) (i32.const {i})))")).collect();
    let a = Module::compile(&auto, format!(r#"(module {funcs} (func (export "a") (result i32) (i32.const {})))"#, std::process::id() + 2).as_bytes()).unwrap();
    let b = Module::compile(&auto, br#"(module (func $f (export "f") (return_call $f)))"#).unwrap();
    let store = Store::for_module(&auto, StoreOptions::default(), &a);
    if store.tier() != Compiler::Winch {
        return; // The background was faster than this test: nothing to see.
    }
    match store.instantiate(&b, &[]) {
        Err(Error::InvalidArgument { message }) => assert!(message.contains("Winch"), "{message}"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn an_endless_loop_on_winch_code_stops_at_its_deadline() {
    let winch = engine(Compiler::Winch, false);
    let m = Module::compile(&winch, br#"(module (func (export "spin") (loop br 0)))"#).unwrap();
    let store = Store::new(&winch, StoreOptions::default());
    store.set_deadline(Some(Duration::from_millis(50))).unwrap();
    let i = store.instantiate(&m, &[]).unwrap();
    let f = store.export_func(i, "spin").unwrap();
    assert!(matches!(store.call(f, &[]), Err(Error::Timeout { limit_ms: 50 })));
}

#[test]
fn artifacts_of_auto_and_cranelift_engines_load_in_each_other_but_not_in_winch() {
    use cwasm_core::{load_artifact, precompile};
    let wat = br#"(module (func (export "f") (result i32) (i32.const 41)))"#;
    let (auto, cranelift, winch) = (engine(Compiler::Auto, false), engine(Compiler::Cranelift, false), engine(Compiler::Winch, false));
    assert_eq!(auto.compatibility_hash(), cranelift.compatibility_hash());
    assert_ne!(auto.compatibility_hash(), winch.compatibility_hash());
    let art = precompile(&cranelift, wat, b"k").unwrap();
    let m = load_artifact(&auto, &art, b"k").unwrap();
    assert_eq!(m.tier(), Compiler::Cranelift);
    assert!(load_artifact(&cranelift, &precompile(&auto, wat, b"k").unwrap(), b"k").is_ok());
    assert!(matches!(load_artifact(&winch, &art, b"k"), Err(Error::Artifact { .. })));
}

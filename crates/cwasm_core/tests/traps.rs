//! Every common trap becomes `Error::Trap` with its stable code and a backtrace.

use cwasm_core::{Engine, EngineConfig, Error, Module, Store, StoreOptions, Value};

fn run(wat: &str, func: &str, args: &[Value]) -> Result<Vec<Value>, Error> {
    let engine = Engine::shared(&EngineConfig::default())?;
    let module = Module::compile(&engine, wat.as_bytes())?;
    let store = Store::new(&engine, StoreOptions::default());
    let instance = store.instantiate(&module, &[])?;
    let f = store.export_func(instance, func)?;
    store.call(f, args)
}

fn trap_code(r: Result<Vec<Value>, Error>) -> &'static str {
    match r {
        Err(Error::Trap { code, .. }) => code,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn unreachable_traps_with_code_unreachable_and_names_the_function() {
    let r = run(r#"(module (func $boom (export "f") unreachable))"#, "f", &[]);
    match r {
        Err(Error::Trap { code, frames, .. }) => {
            assert_eq!(code, "unreachable");
            assert_eq!(frames[0].func_name.as_deref(), Some("boom"));
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn division_by_zero_traps_with_integer_divide_by_zero() {
    let wat = r#"(module (func (export "f") (param i32) (result i32) i32.const 1 local.get 0 i32.div_s))"#;
    assert_eq!(trap_code(run(wat, "f", &[Value::I32(0)])), "integer_divide_by_zero");
}

#[test]
fn signed_overflow_traps_with_integer_overflow() {
    let wat = r#"(module (func (export "f") (result i32) i32.const 0x80000000 i32.const -1 i32.div_s))"#;
    assert_eq!(trap_code(run(wat, "f", &[])), "integer_overflow");
}

#[test]
fn out_of_bounds_load_traps_with_memory_out_of_bounds() {
    let wat = r#"(module (memory 1) (func (export "f") (result i32) i32.const 70000 i32.load))"#;
    assert_eq!(trap_code(run(wat, "f", &[])), "memory_out_of_bounds");
}

#[test]
fn wrong_signature_in_call_indirect_traps_with_indirect_call_type_mismatch() {
    let wat = r#"(module (type $t (func (result i32))) (table 1 funcref) (elem (i32.const 0) $g)
        (func $g (param i32))
        (func (export "f") (result i32) i32.const 0 call_indirect (type $t)))"#;
    assert_eq!(trap_code(run(wat, "f", &[])), "indirect_call_type_mismatch");
}

#[test]
fn unbounded_recursion_traps_with_stack_overflow() {
    let wat = r#"(module (func $r (export "f") call $r))"#;
    assert_eq!(trap_code(run(wat, "f", &[])), "stack_overflow");
}

#[test]
fn every_wasmtime_trap_variant_has_a_distinct_code() {
    let codes = cwasm_core::all_trap_codes();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), codes.len());
    assert!(codes.len() >= 17);
}

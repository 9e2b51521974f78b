//! Imports are checked before instantiation and every problem is listed.

use cwasm_core::{Engine, EngineConfig, Error, Extern, HostError, LinkProblem, Module, Store, StoreOptions, Value};
use std::sync::Arc;

const NEEDS_TWO: &str = r#"(module
    (import "env" "add" (func (param i32 i32) (result i32)))
    (import "env" "mem" (memory 1))
    (func (export "f") (result i32) i32.const 1 i32.const 2 call 0))"#;

fn setup() -> (Engine, Module, Store) {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let module = Module::compile(&engine, NEEDS_TWO.as_bytes()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    (engine, module, store)
}

#[test]
fn missing_imports_are_all_listed_in_one_link_error() {
    let (_, module, store) = setup();
    match store.instantiate(&module, &[]) {
        Err(Error::Link { issues, .. }) => {
            assert_eq!(issues.len(), 2);
            assert!(issues.iter().all(|i| i.problem == LinkProblem::Missing));
            assert_eq!(issues[0].name, "add");
            assert_eq!(issues[0].expected, "func (i32, i32) -> (i32)");
        }
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[test]
fn a_function_of_the_wrong_type_is_reported_as_incompatible() {
    let (_, module, store) = setup();
    let f = store.host_func(&["i32".into()], &[], Arc::new(|_| Ok(vec![]))).unwrap();
    let mem = store.new_memory(1, None, false).unwrap();
    let imports = vec![
        ("env".to_string(), "add".to_string(), Extern::Func(f)),
        ("env".to_string(), "mem".to_string(), Extern::Memory(mem)),
    ];
    match store.instantiate(&module, &imports) {
        Err(Error::Link { issues, .. }) => {
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0].problem, LinkProblem::Incompatible);
            assert_eq!(issues[0].actual.as_deref(), Some("func (i32) -> ()"));
        }
        other => panic!("expected a link error, got {other:?}"),
    }
}

#[test]
fn host_functions_are_called_with_the_guests_arguments() {
    let (_, module, store) = setup();
    let add = store
        .host_func(
            &["i32".into(), "i32".into()],
            &["i32".into()],
            Arc::new(|args| match args {
                [Value::I32(a), Value::I32(b)] => Ok(vec![Value::I32(a + b)]),
                _ => Err(HostError { message: "bad args".into(), payload: None, throw: None }),
            }),
        )
        .unwrap();
    let mem = store.new_memory(1, None, false).unwrap();
    let imports = vec![
        ("env".to_string(), "add".to_string(), Extern::Func(add)),
        ("env".to_string(), "mem".to_string(), Extern::Memory(mem)),
    ];
    let instance = store.instantiate(&module, &imports).unwrap();
    let f = store.export_func(instance, "f").unwrap();
    assert_eq!(store.call(f, &[]).unwrap(), vec![Value::I32(3)]);
}

#[test]
fn a_failing_host_function_surfaces_as_a_host_error_with_its_payload() {
    let (_, module, store) = setup();
    let add = store
        .host_func(
            &["i32".into(), "i32".into()],
            &["i32".into()],
            Arc::new(|_| Err(HostError { message: "nope".into(), payload: Some(7), throw: None })),
        )
        .unwrap();
    let mem = store.new_memory(1, None, false).unwrap();
    let imports = vec![
        ("env".to_string(), "add".to_string(), Extern::Func(add)),
        ("env".to_string(), "mem".to_string(), Extern::Memory(mem)),
    ];
    let instance = store.instantiate(&module, &imports).unwrap();
    let f = store.export_func(instance, "f").unwrap();
    match store.call(f, &[]) {
        Err(Error::Host { payload, message, .. }) => {
            assert_eq!(payload, Some(7));
            assert_eq!(message, "nope");
        }
        other => panic!("expected a host error, got {other:?}"),
    }
}

#[test]
fn a_host_function_can_reenter_the_store_while_the_guest_waits() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let module = Module::compile(
        &engine,
        br#"(module (import "env" "peek" (func (result i32)))
            (memory (export "mem") 1) (data (i32.const 0) "\2a")
            (func (export "f") (result i32) call 0))"#,
    )
    .unwrap();
    let store = Arc::new(Store::new(&engine, StoreOptions::default()));
    let slot: Arc<std::sync::Mutex<Option<cwasm_core::Memory>>> = Arc::default();
    let (s2, slot2) = (Arc::downgrade(&store), slot.clone());
    let peek = store
        .host_func(
            &[],
            &["i32".into()],
            Arc::new(move |_| {
                let store = s2.upgrade().unwrap();
                let mem = slot2.lock().unwrap().unwrap();
                let byte = store.memory_read(mem, 0, 1).map_err(|e| HostError { message: e.message(), payload: None, throw: None })?;
                Ok(vec![Value::I32(byte[0] as i32)])
            }),
        )
        .unwrap();
    let instance = store.instantiate(&module, &[("env".into(), "peek".into(), Extern::Func(peek))]).unwrap();
    *slot.lock().unwrap() = Some(store.export_memory(instance, "mem").unwrap());
    let f = store.export_func(instance, "f").unwrap();
    assert_eq!(store.call(f, &[]).unwrap(), vec![Value::I32(42)]);
}

#[test]
fn a_function_keeps_one_funcref_handle_however_often_it_crosses() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(&engine, br#"(module (func (export "a")) (func (export "b")))"#).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&m, &[]).unwrap();
    let a = store.export_func(i, "a").unwrap();
    let a_again = store.export_func(i, "a").unwrap();
    let b = store.export_func(i, "b").unwrap();
    let h = store.func_handle(a).unwrap();
    for _ in 0..1000 {
        assert_eq!(store.func_handle(a).unwrap(), h);
    }
    assert_eq!(store.func_handle(a_again).unwrap(), h, "the same export fetched twice is the same function");
    assert_ne!(store.func_handle(b).unwrap(), h);
    assert_eq!(store.func_handle(b).unwrap(), h + 1, "no handle was spent on repeats");
}

/// Instantiates `importer` with `exporter`'s export `f` as its import `a::f`.
fn link_f(exporter: &str, importer: &str) -> Result<(), Error> {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let a = store.instantiate(&Module::compile(&engine, exporter.as_bytes()).unwrap(), &[]).unwrap();
    let f = store.export_func(a, "f").unwrap();
    store.instantiate(&Module::compile(&engine, importer.as_bytes()).unwrap(), &[("a".into(), "f".into(), Extern::Func(f))]).map(|_| ())
}

#[test]
fn function_imports_follow_declared_subtyping_not_structure() {
    // The same structure, but an open (non-final) type is not the final one.
    match link_f(r#"(module (type $t (sub (func))) (func (export "f") (type $t)))"#, r#"(module (type $u (func)) (import "a" "f" (func (type $u))))"#) {
        Err(Error::Link { issues, .. }) => assert_eq!(issues[0].problem, LinkProblem::Incompatible),
        other => panic!("expected a link error, got {other:?}"),
    }
    // A declared subtype is accepted where its supertype is imported.
    link_f(
        r#"(module (type $t (sub (func))) (type $s (sub $t (func))) (func (export "f") (type $s)))"#,
        r#"(module (type $t (sub (func))) (import "a" "f" (func (type $t))))"#,
    )
    .unwrap();
    // Structurally equal types in one rec group each are the same type.
    link_f(r#"(module (func (export "f") (param i32)))"#, r#"(module (import "a" "f" (func (param i32))))"#).unwrap();
}

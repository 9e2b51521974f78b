//! Host values passed as `externref` are forgotten once the guest holds them no more.

use cwasm_core::{Engine, EngineConfig, Module, Store, StoreOptions, Value};

#[test]
fn externrefs_the_guest_dropped_are_reported_and_held_ones_are_not() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(
        &engine,
        br#"(module (global $kept (mut externref) (ref.null extern))
            (func (export "echo") (param externref) (result externref) local.get 0)
            (func (export "keep") (param externref) (global.set $kept (local.get 0))))"#,
    )
    .unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&m, &[]).unwrap();
    let echo = store.export_func(i, "echo").unwrap();
    let keep = store.export_func(i, "keep").unwrap();
    store.call(keep, &[Value::ExternRef(Some(cwasm_core::AnyValue::Host(7)))]).unwrap();
    for id in 100..1100u64 {
        assert_eq!(store.call(echo, &[Value::ExternRef(Some(cwasm_core::AnyValue::Host(id)))]).unwrap(), vec![Value::ExternRef(Some(cwasm_core::AnyValue::Host(id)))]);
    }
    // Id 100 again, twice: reported once, after both are gone.
    store.call(echo, &[Value::ExternRef(Some(cwasm_core::AnyValue::Host(100)))]).unwrap();
    let mut gone = store.collect_externrefs().unwrap();
    gone.sort_unstable();
    assert_eq!(gone, (100..1100).collect::<Vec<u64>>());
    assert!(store.collect_externrefs().unwrap().is_empty(), "each id is reported once");
    // The global held id 7 all along; once the guest lets go of it, it is reported too.
    store.call(keep, &[Value::ExternRef(None)]).unwrap();
    assert_eq!(store.collect_externrefs().unwrap(), vec![7]);
}

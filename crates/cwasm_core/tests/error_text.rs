//! Errors Wasmtime 48 gives only as text, each pinned to the class we map it
//! to: a Wasmtime upgrade that rewords one of them fails here, loudly,
//! instead of dropping it into `invalid_argument` unnoticed. Errors Wasmtime
//! gives a type for (`Trap`, `I32Exit`, our limiter's and host functions'
//! errors, `BinaryReaderError`) are classified by that type and need no pin.

use cwasm_core::{Engine, EngineConfig, Error, Module, Store, StoreOptions};

const ONE_MEMORY: &[u8] = br#"(module (memory 1) (table 1 funcref) (func (export "f")))"#;

fn woven() -> Engine {
    Engine::shared(&EngineConfig::default()).unwrap()
}

/// An engine that interrupts through epochs: no weaving, so function bodies
/// are validated by Cranelift's translation, not by our validator pass.
fn unwoven() -> Engine {
    Engine::shared(&EngineConfig { epoch_checks: true, ..EngineConfig::default() }).unwrap()
}

#[test]
fn too_many_instances_is_a_memory_limit_error_naming_the_limit_to_raise() {
    let engine = woven();
    let m = Module::compile(&engine, br#"(module (func (export "f")))"#).unwrap();
    let store = Store::new(&engine, StoreOptions { max_instances: 2, ..Default::default() });
    store.instantiate(&m, &[]).unwrap();
    store.instantiate(&m, &[]).unwrap();
    match store.instantiate(&m, &[]) {
        Err(Error::MemoryLimit { message }) => {
            // Wasmtime's own words, then our advice.
            assert!(message.contains("resource limit exceeded"), "{message}");
            assert!(message.contains("maxInstances"), "{message}");
        }
        other => panic!("expected a memory_limit error, got {other:?}"),
    }
}

/// Instantiates `ONE_MEMORY` in a store with `options` until it is refused (at most 3 times).
fn fill_until_refused(options: StoreOptions) -> Result<(), Error> {
    let engine = woven();
    let m = Module::compile(&engine, ONE_MEMORY).unwrap();
    let store = Store::new(&engine, options);
    for _ in 0..3 {
        store.instantiate(&m, &[])?;
    }
    Ok(())
}

#[test]
fn too_many_memories_is_a_memory_limit_error() {
    let last = fill_until_refused(StoreOptions { max_memories: 1, ..Default::default() });
    assert!(matches!(last, Err(Error::MemoryLimit { ref message }) if message.contains("resource limit exceeded")), "{last:?}");
}

#[test]
fn too_many_tables_is_a_memory_limit_error() {
    let last = fill_until_refused(StoreOptions { max_tables: 1, ..Default::default() });
    assert!(matches!(last, Err(Error::MemoryLimit { ref message }) if message.contains("resource limit exceeded")), "{last:?}");
}

/// `i64.const` where an `i32` result is expected, in function 0's body.
const BAD_BODY: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, // type: () -> i32
    0x03, 0x02, 0x01, 0x00, // func 0: type 0
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0b, // body: i64.const 1; end
];

#[test]
fn a_bad_function_body_gives_its_byte_offset_and_message_on_both_validation_paths() {
    for (name, engine) in [("woven", woven()), ("unwoven", unwoven())] {
        match Module::compile(&engine, BAD_BODY) {
            Err(Error::Compile { message, offset, .. }) => {
                assert!(message.contains("type mismatch"), "{name}: {message}");
                // The offset points into the code section, past the header.
                let at = offset.unwrap_or_else(|| panic!("{name}: no offset in {message}"));
                assert!((20..BAD_BODY.len() as u64).contains(&at), "{name}: offset {at}");
                // The message is the validator's, without Wasmtime's wrapping.
                assert!(!message.contains("WebAssembly translation error"), "{name}: {message}");
                assert!(!message.contains("Invalid input WebAssembly code"), "{name}: {message}");
            }
            other => panic!("{name}: expected a compile error, got {other:?}"),
        }
    }
}

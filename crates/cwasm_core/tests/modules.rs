//! Compilation: errors with offsets, types of imports and exports, the shared registry.

use cwasm_core::{Engine, EngineConfig, Error, ExternDesc, Module};

#[test]
fn an_invalid_module_gives_a_compile_error_with_the_byte_offset() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    // A function whose body returns an i64 where an i32 is declared.
    let wasm = cwasm_core::to_binary(br#"(module (func (result i32) i64.const 1))"#).unwrap();
    match Module::compile(&engine, &wasm) {
        Err(Error::Compile { message, offset, .. }) => {
            assert!(message.contains("type mismatch"), "{message}");
            assert!(offset.unwrap() > 8);
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn bad_wat_gives_a_compile_error_with_line_and_column() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    match Module::compile(&engine, b"(module\n  (func (nonsense)))") {
        Err(Error::Compile { line, column, .. }) => {
            assert_eq!(line, Some(2));
            assert!(column.unwrap() > 1);
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn imports_and_exports_are_listed_with_full_types() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let m = Module::compile(
        &engine,
        br#"(module (import "a" "m" (memory 1 2)) (import "a" "g" (global (mut i64)))
            (table (export "t") 3 funcref) (func (export "f") (param f32 v128) (result f64 i32) unreachable))"#,
    )
    .unwrap();
    let imports = m.imports();
    assert_eq!(imports[0].ty, ExternDesc::Memory { minimum: 1, maximum: Some(2), memory64: false, shared: false, page_size: 65536 });
    assert_eq!(imports[1].ty, ExternDesc::Global { value_type: "i64".into(), mutable: true });
    let exports = m.exports();
    assert_eq!(exports[0].ty.to_string(), "table 3 funcref");
    assert_eq!(exports[1].ty.to_string(), "func (f32, v128) -> (f64, i32)");
}

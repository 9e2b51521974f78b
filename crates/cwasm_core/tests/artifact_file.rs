//! Loading artifacts from files (`load_artifact_file`): a large one through
//! a sealed memfd, which keeps its code whatever happens to the file and
//! holds one descriptor while its code lives; a small one read into memory,
//! holding none. One test, so no other test opens files meanwhile.

use cwasm_core::{load_artifact_file, precompile_signed, Engine, EngineConfig, Signer, Store, StoreOptions, Value, Verifier, MIN_SEALED_BYTES};
use std::os::unix::fs::FileExt;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// A module whose artifact is larger than `data_bytes` (its data segment).
fn module_with_data(data_bytes: usize) -> String {
    let data: String = (0..data_bytes).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let pages = data_bytes / 65536 + 1;
    format!(
        r#"(module (memory (export "m") {pages}) (data (i32.const 0) "{data}")
           (func (export "f") (param i32) (result i32) local.get 0 i32.const 3 i32.mul))"#
    )
}

#[test]
fn large_artifacts_load_through_a_sealed_copy_and_small_ones_hold_no_descriptor() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let verifier = Verifier { mac_key: Some(b"key".to_vec()), trusted: vec![] };
    let dir = std::env::temp_dir().join(format!("cwasm-artifact-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // Large: rewriting the file in place (same inode, which a mapping of
    // it would see) changes nothing for the loaded module.
    let big = precompile_signed(&engine, module_with_data(2 * MIN_SEALED_BYTES).as_bytes(), &Signer::Mac(b"key")).unwrap();
    assert!(big.len() > MIN_SEALED_BYTES);
    let path = dir.join("big.cwasm");
    std::fs::write(&path, &big).unwrap();
    let fds = open_fds();
    let module = load_artifact_file(&engine, &std::fs::File::open(&path).unwrap(), &verifier, None).unwrap();
    assert_eq!(open_fds(), fds + 1, "the sealed memfd stays open with the module");
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().write_all_at(&vec![0xcc; big.len()], 0).unwrap();
    let store = Store::new(&engine, StoreOptions::default());
    let i = store.instantiate(&module, &[]).unwrap();
    let f = store.export_func(i, "f").unwrap();
    assert_eq!(store.call(f, &[Value::I32(14)]).unwrap(), vec![Value::I32(42)]);
    let m = store.export_memory(i, "m").unwrap();
    // The data segment's last bytes, as the module was compiled.
    let at = 2 * MIN_SEALED_BYTES - 3;
    let want: Vec<u8> = (at..at + 3).map(|k| b'a' + (k % 26) as u8).collect();
    assert_eq!(store.memory_read(m, at as u64, 3).unwrap(), want);
    // (The process-wide registry keeps up to 256 modules, and with them
    // their memfds, after the caller's handle goes.)
    drop(store);
    drop(module);

    // Small: many loads, no descriptor kept.
    let small = precompile_signed(&engine, br#"(module (func (export "f") (result i32) i32.const 7))"#, &Signer::Mac(b"key")).unwrap();
    let path = dir.join("small.cwasm");
    std::fs::write(&path, &small).unwrap();
    let fds = open_fds();
    let kept: Vec<_> = (0..100).map(|_| load_artifact_file(&engine, &std::fs::File::open(&path).unwrap(), &verifier, None).unwrap()).collect();
    assert_eq!(open_fds(), fds);
    drop(kept);
    let _ = std::fs::remove_dir_all(&dir);
}

//! The disk cache: entries survive the process, bad ones are refused,
//! recompiled and reported, and the directory stays under its bound.

use cwasm_core::{ArtifactProblem, CacheOutcome, Compiler, DiskCache, Engine, EngineConfig, SourceFormat};
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cwasm-cache-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// A module no other test compiles (so the process registry has not seen it).
fn module(tag: &str, n: u32) -> Vec<u8> {
    format!("(module (func (export \"{tag}\") (result i32) i32.const {n}))").into_bytes()
}

/// An engine of its own, so that the process-wide registry of the default
/// engine (which other tests fill) does not answer first. Cranelift only:
/// a cold load on a tiered engine writes its entry later (tested below).
fn engine(stack: usize) -> Engine {
    Engine::new_unshared(&EngineConfig { max_wasm_stack: stack, compiler: Compiler::Cranelift, ..Default::default() }).unwrap()
}

#[test]
fn a_cold_load_on_a_tiered_engine_writes_the_cranelift_code_once_it_is_ready() {
    let d = dir("tiered");
    let cache = DiskCache::new(&d, 1 << 30, b"k").unwrap();
    let bytes = module("tiered", 7);
    let tiered = || Engine::new_unshared(&EngineConfig { max_wasm_stack: 700 * 1024, baseline_min_bytes: 0, ..Default::default() }).unwrap();
    let first = cache.load(&tiered(), &bytes, SourceFormat::Auto).unwrap();
    assert_eq!(first.outcome, CacheOutcome::Compiled);
    assert_eq!(first.module.tier(), Compiler::Winch);
    assert!(first.module.wait_optimized(Some(std::time::Duration::from_secs(60))).unwrap());
    // The entry is written right after the code is installed, on the compiling thread.
    let t0 = std::time::Instant::now();
    while cache.stats().unwrap().entries == 0 && t0.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = cache.load(&tiered(), &bytes, SourceFormat::Auto).unwrap();
    assert_eq!(second.outcome, CacheOutcome::Disk);
    assert_eq!(second.module.tier(), Compiler::Cranelift);
}

#[test]
fn a_new_process_finds_the_entry_on_disk() {
    let d = dir("reuse");
    let cache = DiskCache::new(&d, 1 << 30, b"k").unwrap();
    let bytes = module("reuse", 1);
    let first = cache.load(&engine(600 * 1024), &bytes, SourceFormat::Auto).unwrap();
    assert_eq!(first.outcome, CacheOutcome::Compiled);
    assert!(first.write_error.is_none());
    // Another engine of the same config (as a new process would have) finds it.
    let second = cache.load(&engine(600 * 1024), &bytes, SourceFormat::Auto).unwrap();
    assert_eq!(second.outcome, CacheOutcome::Disk);
    assert_eq!(second.module.exports()[0].name, "reuse");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700);
    }
}

#[test]
fn a_truncated_flipped_or_swapped_entry_is_refused_recompiled_and_reported() {
    let d = dir("bad");
    let cache = DiskCache::new(&d, 1 << 30, b"k").unwrap();
    let bytes = module("bad", 2);
    let other = module("other", 3);
    let e = engine(640 * 1024);
    cache.load(&e, &bytes, SourceFormat::Auto).unwrap();
    let path = cache.path_for(&e, &cwasm_sha(&bytes));
    let good = std::fs::read(&path).unwrap();
    cache.load(&e, &other, SourceFormat::Auto).unwrap();
    let swapped = std::fs::read(cache.path_for(&e, &cwasm_sha(&other))).unwrap();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let cases: [(&str, Vec<u8>, ArtifactProblem); 3] = [
        ("truncated", good[..good.len() - 100].to_vec(), ArtifactProblem::BadSignature),
        ("flipped", flipped, ArtifactProblem::BadSignature),
        ("swapped", swapped, ArtifactProblem::WrongModule),
    ];
    for (what, entry, problem) in cases {
        std::fs::write(&path, &entry).unwrap();
        let r = cache.load(&engine(640 * 1024), &bytes, SourceFormat::Auto).unwrap();
        assert_eq!(r.outcome, CacheOutcome::Compiled, "{what}");
        assert_eq!(r.rejected.as_ref().map(|x| x.0), Some(problem), "{what}: {:?}", r.rejected);
        // The bad entry was replaced by a good one.
        let again = cache.load(&engine(640 * 1024), &bytes, SourceFormat::Auto).unwrap();
        assert_eq!(again.outcome, CacheOutcome::Disk, "{what}");
    }
}

/// The module's hash (SHA-256 of its binary), as entries are named by it.
fn cwasm_sha(wat: &[u8]) -> [u8; 32] {
    cwasm_core::Module::compile(&engine(512 * 1024), wat).unwrap().hash()
}

#[test]
fn entries_of_another_engine_configuration_are_not_used() {
    let d = dir("config");
    let cache = DiskCache::new(&d, 1 << 30, b"k").unwrap();
    let bytes = module("config", 4);
    cache.load(&engine(700 * 1024), &bytes, SourceFormat::Auto).unwrap();
    let other = cache.load(&engine(704 * 1024), &bytes, SourceFormat::Auto).unwrap();
    assert_eq!(other.outcome, CacheOutcome::Compiled);
    assert!(other.rejected.is_none());
    assert_eq!(cache.stats().unwrap().entries, 2);
}

#[test]
fn the_least_recently_used_entries_go_when_the_bound_is_passed() {
    let d = dir("lru");
    let probe = DiskCache::new(&d, u64::MAX, b"k").unwrap();
    probe.load(&engine(720 * 1024), &module("probe", 0), SourceFormat::Auto).unwrap();
    let one = probe.stats().unwrap().bytes;
    probe.clear().unwrap();
    // Room for about three entries.
    let cache = DiskCache::new(&d, one * 3 + one / 2, b"k").unwrap();
    let e = engine(720 * 1024);
    for i in 0..3 {
        cache.load(&e, &module(&format!("m{i}"), i), SourceFormat::Auto).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Use m0 again (it becomes the most recent), then add a fourth.
    cache.load(&engine(720 * 1024), &module("m0", 0), SourceFormat::Auto).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    cache.load(&e, &module("m3", 3), SourceFormat::Auto).unwrap();
    let s = cache.stats().unwrap();
    assert_eq!(s.entries, 3);
    assert!(s.bytes <= s.max_bytes);
    assert!(!cache.path_for(&e, &cwasm_sha(&module("m1", 1))).exists(), "m1 was the least recently used");
    assert!(cache.path_for(&e, &cwasm_sha(&module("m0", 0))).exists());
    assert_eq!(cache.clear().unwrap(), 3);
}

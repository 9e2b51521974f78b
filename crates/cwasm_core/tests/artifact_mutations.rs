//! Mutated artifacts and cache entries (flipped, inserted, removed bytes,
//! truncations, overwritten header fields) are refused, never deserialized:
//! thousands of deterministic mutations of a MAC-signed and an
//! Ed25519-signed artifact, and of a disk-cache entry.

use cwasm_core::{Compiler, 
    load_artifact_file, load_artifact_with, precompile_signed, public_key_of, DiskCache, Engine, EngineConfig, Error, Module, Signer, SourceFormat, Verifier,
};

/// splitmix64: reproducible mutations.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const WAT: &[u8] = br#"(module (memory (export "m") 1) (data (i32.const 0) "hello")
  (func (export "f") (param i32) (result i32) local.get 0 i32.const 3 i32.mul))"#;

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut m = original.to_vec();
    for _ in 0..1 + rng.below(3) {
        let header_end = 400.min(m.len());
        match rng.below(6) {
            // Flip a bit, mostly in the header where the parsing happens.
            0 | 1 => {
                let at = if rng.below(2) == 0 { rng.below(header_end) } else { rng.below(m.len()) };
                m[at] ^= 1 << rng.below(8);
            }
            2 => {
                let n = rng.below(m.len());
                m.truncate(n);
            }
            3 => {
                let at = rng.below(m.len() + 1);
                m.insert(at.min(m.len()), (rng.next() & 0xff) as u8);
            }
            4 if !m.is_empty() => {
                let at = rng.below(m.len());
                m.remove(at);
            }
            _ => {
                // Overwrite a length or kind field with something large.
                let at = [12usize, 13, 14, 15].get(rng.below(4)).copied().unwrap_or(12).min(m.len().saturating_sub(1));
                m[at] = 0xff;
            }
        }
        if m.is_empty() {
            break;
        }
    }
    m
}

fn refuses_every_mutation(art: &[u8], verifier: &Verifier, seed: u64, cases: usize) {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    assert!(load_artifact_with(&engine, art, verifier, None).is_ok(), "the original must load");
    let mut rng = Rng(seed);
    let mut refused = 0;
    for i in 0..cases {
        let m = mutate(&mut rng, art);
        if m == art {
            continue;
        }
        match load_artifact_with(&engine, &m, verifier, None) {
            Err(Error::Artifact { .. }) => refused += 1,
            Err(other) => panic!("mutation {i} was refused with a non-artifact error: {other:?}"),
            Ok(_) => panic!("mutation {i} of {} bytes loaded", m.len()),
        }
    }
    assert!(refused > cases * 9 / 10);
}

/// The same mutations, written to a file and loaded from it (the sealed
/// memfd route on Linux), are refused the same way.
fn refuses_every_mutated_file(art: &[u8], verifier: &Verifier, seed: u64, cases: usize) {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let path = std::env::temp_dir().join(format!("cwasm-file-mutations-{}-{seed}.cwasm", std::process::id()));
    std::fs::write(&path, art).unwrap();
    assert!(load_artifact_file(&engine, &std::fs::File::open(&path).unwrap(), verifier, None).is_ok(), "the original must load");
    let mut rng = Rng(seed);
    for i in 0..cases {
        let m = mutate(&mut rng, art);
        if m == art {
            continue;
        }
        std::fs::write(&path, &m).unwrap();
        match load_artifact_file(&engine, &std::fs::File::open(&path).unwrap(), verifier, None) {
            Err(Error::Artifact { .. }) => {}
            Err(other) => panic!("file mutation {i} was refused with a non-artifact error: {other:?}"),
            Ok(_) => panic!("file mutation {i} of {} bytes loaded", m.len()),
        }
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn mutated_artifact_files_are_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile_signed(&engine, WAT, &Signer::Mac(b"key")).unwrap();
    refuses_every_mutated_file(&art, &Verifier { mac_key: Some(b"key".to_vec()), trusted: vec![] }, 4, 1000);
}

#[test]
fn mutated_large_artifact_files_are_refused_on_the_sealed_memfd_route() {
    // A data segment makes the payload pass MIN_SEALED_BYTES.
    let data: String = (0..cwasm_core::MIN_SEALED_BYTES + 4096).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let wat = format!(r#"(module (memory 17) (data (i32.const 0) "{data}") (func (export "f") (result i32) i32.const 1))"#);
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile_signed(&engine, wat.as_bytes(), &Signer::Mac(b"key")).unwrap();
    assert!(art.len() > cwasm_core::MIN_SEALED_BYTES);
    refuses_every_mutated_file(&art, &Verifier { mac_key: Some(b"key".to_vec()), trusted: vec![] }, 5, 60);
}

#[test]
fn mutated_mac_signed_artifacts_are_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile_signed(&engine, WAT, &Signer::Mac(b"key")).unwrap();
    refuses_every_mutation(&art, &Verifier { mac_key: Some(b"key".to_vec()), trusted: vec![] }, 1, 3000);
}

#[test]
fn mutated_ed25519_signed_artifacts_are_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let seed = [9u8; 32];
    let art = precompile_signed(&engine, WAT, &Signer::Ed25519(&seed)).unwrap();
    refuses_every_mutation(&art, &Verifier { mac_key: None, trusted: vec![public_key_of(&seed)] }, 2, 3000);
}

#[test]
fn mutated_cache_entries_are_refused_and_recompiled() {
    let dir = std::env::temp_dir().join(format!("cwasm-entry-mutations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cache = DiskCache::new(&dir, 1 << 30, b"k").unwrap();
    // Cranelift only: a cold load on a tiered engine writes its entry later, in the background.
    let fresh = || Engine::new_unshared(&EngineConfig { max_wasm_stack: 800 * 1024, compiler: Compiler::Cranelift, ..Default::default() }).unwrap();
    cache.load(&fresh(), WAT, SourceFormat::Auto).unwrap();
    let hash = Module::compile(&Engine::shared(&EngineConfig::default()).unwrap(), WAT).unwrap().hash();
    let path = cache.path_for(&fresh(), &hash);
    let good = std::fs::read(&path).unwrap();
    let mut rng = Rng(3);
    for i in 0..200 {
        let m = mutate(&mut rng, &good);
        if m == good {
            continue;
        }
        std::fs::write(&path, &m).unwrap();
        let r = cache.load(&fresh(), WAT, SourceFormat::Auto).unwrap();
        assert!(r.rejected.is_some(), "mutation {i} was not detected");
        assert_eq!(std::fs::read(&path).unwrap(), good, "mutation {i}: the entry was not rewritten");
    }
}

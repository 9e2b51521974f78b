//! Artifacts are verified before deserialization and refused when they do not match.

use cwasm_core::{load_artifact, module_stats, precompile, ArtifactProblem, Engine, EngineConfig, Error};

const WAT: &[u8] = br#"(module (func (export "f") (result i32) i32.const 7))"#;

fn problem(r: Result<cwasm_core::Module, Error>) -> ArtifactProblem {
    match r {
        Err(Error::Artifact { problem, .. }) => problem,
        other => panic!("expected the artifact to be refused, got {other:?}"),
    }
}

#[test]
fn an_artifact_loads_back_on_the_engine_that_made_it() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile(&engine, WAT, b"k").unwrap();
    let before = module_stats().deserialized;
    let m = load_artifact(&engine, &art, b"k").unwrap();
    assert_eq!(m.exports()[0].name, "f");
    assert!(module_stats().deserialized > before);
}

#[test]
fn an_artifact_from_an_incompatible_engine_config_is_refused() {
    let a = Engine::shared(&EngineConfig::default()).unwrap();
    let b = Engine::shared(&EngineConfig { fuel: true, ..Default::default() }).unwrap();
    let art = precompile(&a, WAT, b"k").unwrap();
    assert_eq!(problem(load_artifact(&b, &art, b"k")), ArtifactProblem::IncompatibleEngine);
}

#[test]
fn a_flipped_byte_in_the_payload_is_refused_before_deserializing() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let mut art = precompile(&engine, WAT, b"k").unwrap();
    let last = art.len() - 1;
    art[last] ^= 0xff;
    assert_eq!(problem(load_artifact(&engine, &art, b"k")), ArtifactProblem::BadSignature);
}

#[test]
fn an_artifact_signed_with_another_key_is_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile(&engine, WAT, b"k").unwrap();
    assert_eq!(problem(load_artifact(&engine, &art, b"other")), ArtifactProblem::BadSignature);
}

#[test]
fn plain_wasm_bytes_are_not_an_artifact() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    assert_eq!(problem(load_artifact(&engine, b"\0asm\x01\0\0\0", b"k")), ArtifactProblem::NotAnArtifact);
}

#[test]
fn a_truncated_artifact_is_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile(&engine, WAT, b"k").unwrap();
    assert_eq!(problem(load_artifact(&engine, &art[..art.len() - 10], b"k")), ArtifactProblem::BadSignature);
}

use cwasm_core::{inspect_artifact, load_artifact_with, precompile_signed, public_key_of, SignatureKind, Signer, Verifier};

const SEED: [u8; 32] = [42u8; 32];

fn trusting(keys: &[[u8; 32]]) -> Verifier {
    Verifier { mac_key: None, trusted: keys.to_vec() }
}

#[test]
fn an_ed25519_signed_artifact_loads_where_its_public_key_is_trusted() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile_signed(&engine, WAT, &Signer::Ed25519(&SEED)).unwrap();
    let info = inspect_artifact(&art).unwrap();
    assert_eq!(info.signature, SignatureKind::Ed25519);
    assert_eq!(info.key_id, public_key_of(&SEED));
    let m = load_artifact_with(&engine, &art, &trusting(&[public_key_of(&SEED)]), None).unwrap();
    assert_eq!(m.exports()[0].name, "f");
}

#[test]
fn a_signed_artifact_altered_by_one_byte_anywhere_is_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile_signed(&engine, WAT, &Signer::Ed25519(&SEED)).unwrap();
    let v = trusting(&[public_key_of(&SEED)]);
    // Every byte of the payload, and a sample of the header's.
    let header_len = art.len() - inspect_artifact(&art).unwrap().payload_len as usize;
    for i in (0..art.len()).filter(|i| *i >= header_len || i % 7 == 0) {
        let mut bad = art.clone();
        bad[i] ^= 0x01;
        assert!(load_artifact_with(&engine, &bad, &v, None).is_err(), "byte {i} flipped and still loaded");
    }
}

#[test]
fn an_artifact_signed_by_an_untrusted_key_is_refused() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile_signed(&engine, WAT, &Signer::Ed25519(&SEED)).unwrap();
    assert_eq!(problem(load_artifact_with(&engine, &art, &trusting(&[public_key_of(&[1u8; 32])]), None)), ArtifactProblem::UntrustedKey);
    // Nor does a local MAC key stand in for a trusted public key…
    assert_eq!(problem(load_artifact(&engine, &art, b"k")), ArtifactProblem::UntrustedKey);
    // …nor a trusted public key for a local MAC.
    let mac = precompile(&engine, WAT, b"k").unwrap();
    assert_eq!(problem(load_artifact_with(&engine, &mac, &trusting(&[public_key_of(&SEED)]), None)), ArtifactProblem::UntrustedKey);
}

#[test]
fn a_refused_engine_config_names_the_setting_that_differs() {
    let a = Engine::shared(&EngineConfig::default()).unwrap();
    let b = Engine::shared(&EngineConfig { fuel: true, max_wasm_stack: 1 << 20, ..Default::default() }).unwrap();
    let art = precompile(&a, WAT, b"k").unwrap();
    match load_artifact(&b, &art, b"k") {
        Err(Error::Artifact { problem: ArtifactProblem::IncompatibleEngine, message }) => {
            assert!(message.contains("engine.fuel is false in the artifact but true here"), "{message}");
            assert!(message.contains("engine.maxWasmStack is 524288 in the artifact but 1048576 here"), "{message}");
            assert!(!message.contains("engine.simd"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_artifact_of_another_module_is_refused_when_a_module_is_expected() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let art = precompile(&engine, WAT, b"k").unwrap();
    let v = Verifier { mac_key: Some(b"k".to_vec()), trusted: vec![] };
    assert_eq!(problem(load_artifact_with(&engine, &art, &v, Some([0u8; 32]))), ArtifactProblem::WrongModule);
}

#[test]
fn a_version_one_artifact_is_refused_as_another_format() {
    let engine = Engine::shared(&EngineConfig::default()).unwrap();
    let mut art = precompile(&engine, WAT, b"k").unwrap();
    art[8..12].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(problem(load_artifact(&engine, &art, b"k")), ArtifactProblem::WrongVersion);
}

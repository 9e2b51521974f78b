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

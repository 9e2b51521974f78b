//! AOT artifacts: compiled code that is verified before it is ever
//! deserialized.
//!
//! Wasmtime's deserialization is memory-unsafe on bytes it did not produce,
//! so nothing reaches it until the header matches this engine and the
//! signature checks out under a key the caller accepts: its own local MAC
//! key ([`Signer::Mac`]), or the public key of an Ed25519 signer it trusts
//! ([`Signer::Ed25519`]). The bytes are read into memory of our own before
//! they are checked, so a file changed after the check cannot reach
//! Wasmtime.

mod format;
mod signing;

pub use format::{inspect_artifact, ArtifactInfo, SignatureKind, ARTIFACT_MAGIC, ARTIFACT_VERSION};
pub use signing::{public_key_of, Signer, Verifier};

use crate::engine::Engine;
use crate::error::{ArtifactProblem, Error};
use crate::module::{sha256, to_binary, Module, DESERIALIZED};
use format::{header, refuse, split, Parts};

mod file;
pub use file::{load_artifact_file, MIN_SEALED_BYTES};
use std::sync::atomic::Ordering;

/// What the header records of the engine: its versions and every setting.
fn engine_meta(engine: &Engine) -> Vec<(String, String)> {
    let mut meta = vec![
        ("wasmtime".to_string(), crate::WASMTIME_VERSION.to_string()),
        ("weave".to_string(), crate::instrument::WEAVE_VERSION.to_string()),
    ];
    if engine.config().woven_fuel() {
        meta.push(("fuelWeave".to_string(), crate::fuel::FUEL_WEAVE_VERSION.to_string()));
    }
    for (k, v) in engine.config().settings() {
        meta.push((format!("engine.{k}"), v));
    }
    meta
}

/// Wraps Wasmtime's serialized module in a signed artifact.
fn wrap(engine: &Engine, wasm_sha256: [u8; 32], payload: &[u8], signer: &Signer<'_>) -> Vec<u8> {
    let (kind, key_id) = signing::identify(signer);
    let info = ArtifactInfo {
        version: ARTIFACT_VERSION,
        meta: engine_meta(engine),
        compat: engine.compatibility_hash(),
        wasm_sha256,
        payload_len: payload.len() as u64,
        signature: kind,
        key_id,
    };
    let head = header(&info);
    let sig = signing::sign(signer, &head, payload);
    let mut out = Vec::with_capacity(head.len() + sig.len() + payload.len());
    out.extend_from_slice(&head);
    out.extend_from_slice(&sig);
    out.extend_from_slice(payload);
    out
}

/// Compiles wasm bytes (or WAT) ahead of time into an artifact signed with
/// a local MAC key.
///
/// # Errors
///
/// [`Error::Compile`] when the module is invalid.
///
/// # Examples
///
/// ```
/// use cwasm_core::{Engine, EngineConfig, precompile, load_artifact};
/// let engine = Engine::shared(&EngineConfig::default())?;
/// let art = precompile(&engine, b"(module (func (export \"f\")))", b"secret")?;
/// let module = load_artifact(&engine, &art, b"secret")?;
/// assert_eq!(module.exports().len(), 1);
/// assert!(load_artifact(&engine, &art, b"another key").is_err());
/// # Ok::<(), cwasm_core::Error>(())
/// ```
pub fn precompile(engine: &Engine, bytes: &[u8], key: &[u8]) -> Result<Vec<u8>, Error> {
    precompile_signed(engine, bytes, &Signer::Mac(key))
}

/// Compiles ahead of time into an artifact signed by `signer`.
///
/// # Errors
///
/// [`Error::Compile`] when the module is invalid.
pub fn precompile_signed(engine: &Engine, bytes: &[u8], signer: &Signer<'_>) -> Result<Vec<u8>, Error> {
    let binary = to_binary(bytes)?;
    let code = crate::module::code_bytes(engine, &binary)?;
    let payload = engine.wasmtime().precompile_module(&code).map_err(|e| crate::module::compile_error(&e))?;
    Ok(wrap(engine, sha256(&binary), &payload, signer))
}

/// An artifact of a module already compiled (no second compilation).
///
/// # Errors
///
/// [`Error::Bug`] if Wasmtime cannot serialize its own module.
pub fn artifact_of(module: &Module, signer: &Signer<'_>) -> Result<Vec<u8>, Error> {
    Ok(wrap(module.engine(), module.hash(), &module.serialize_raw()?, signer))
}

/// The settings in which an artifact's engine differs from `engine`, for the
/// message that refuses it.
fn differences(info: &ArtifactInfo, engine: &Engine) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in engine_meta(engine) {
        match info.meta(&k) {
            Some(theirs) if theirs == v => {}
            Some(theirs) => out.push(format!("{k} is {theirs} in the artifact but {v} here")),
            None => out.push(format!("{k} is not recorded in the artifact ({v} here)")),
        }
    }
    out
}

/// Every check an artifact must pass before it is deserialized.
fn check<'a>(engine: &Engine, artifact: &'a [u8], verifier: &Verifier, expect: Option<[u8; 32]>) -> Result<Parts<'a>, Error> {
    let parts = split(artifact)?;
    check_parts(engine, &parts, verifier, expect)?;
    Ok(parts)
}

/// [`check`] on an artifact's parts, wherever they are.
fn check_parts(engine: &Engine, parts: &Parts<'_>, verifier: &Verifier, expect: Option<[u8; 32]>) -> Result<(), Error> {
    let info = &parts.info;
    if info.compat != engine.compatibility_hash() {
        let diff = differences(info, engine);
        let what = if diff.is_empty() {
            "it was compiled by a Wasmtime build or for a CPU whose code this one cannot run".to_string()
        } else {
            diff.join("; ")
        };
        return Err(refuse(
            ArtifactProblem::IncompatibleEngine,
            format!("the artifact was compiled for another engine: {what}; precompile it again with this runtime's options"),
        ));
    }
    if let Some(want) = expect {
        if info.wasm_sha256 != want {
            return Err(refuse(ArtifactProblem::WrongModule, "the artifact holds another module than the one asked for (its wasm hash differs)"));
        }
    }
    signing::verify(parts, verifier)
}

/// Checks an artifact without loading it: header, engine, signature.
///
/// # Errors
///
/// [`Error::Artifact`] as for [`load_artifact_with`].
pub fn verify_artifact(engine: &Engine, artifact: &[u8], verifier: &Verifier) -> Result<ArtifactInfo, Error> {
    Ok(check(engine, artifact, verifier, None)?.info)
}

/// Verifies an artifact signed with a local MAC key and, only then, loads it.
///
/// # Errors
///
/// [`Error::Artifact`] when the bytes are not an artifact, were written by
/// another format version or an incompatible engine config, or fail the
/// signature.
pub fn load_artifact(engine: &Engine, artifact: &[u8], key: &[u8]) -> Result<Module, Error> {
    load_artifact_with(engine, artifact, &Verifier { mac_key: Some(key.to_vec()), trusted: Vec::new() }, None)
}

/// Verifies an artifact against `verifier` (and, with `expect`, that it
/// holds the module of that wasm SHA-256) and, only then, loads it.
///
/// # Errors
///
/// [`Error::Artifact`]: `not_an_artifact`, `wrong_version`,
/// `incompatible_engine` (naming the settings that differ), `wrong_module`,
/// `untrusted_key`, `bad_signature`.
pub fn load_artifact_with(engine: &Engine, artifact: &[u8], verifier: &Verifier, expect: Option<[u8; 32]>) -> Result<Module, Error> {
    let parts = check(engine, artifact, verifier, expect)?;
    // SAFETY: the signature proves these bytes are exactly what `precompile`
    // or `artifact_of` produced under a key the caller accepts, for an engine
    // with this compatibility hash; they are in memory of ours, so nothing
    // changed them since they were checked.
    let inner = unsafe { wasmtime::Module::deserialize(engine.wasmtime(), parts.payload) }
        .map_err(|e| refuse(ArtifactProblem::IncompatibleEngine, format!("Wasmtime refused the artifact: {e:#}")))?;
    DESERIALIZED.fetch_add(1, Ordering::Relaxed);
    Ok(Module::from_parts(inner, engine, parts.info.wasm_sha256))
}

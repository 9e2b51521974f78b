//! AOT artifacts: compiled code that is verified before it is ever deserialized.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `CWASMAOT` |
//! | 4 | format version |
//! | 32 | engine compatibility hash ([`Engine::compatibility_hash`]) |
//! | 32 | SHA-256 of the module's wasm binary |
//! | 8 | payload length |
//! | 32 | HMAC-SHA256 over everything above plus the payload |
//! | n | Wasmtime's serialized module |
//!
//! Wasmtime's deserialization is memory-unsafe on bytes it did not produce,
//! so nothing reaches it until the header matches this engine and the MAC
//! checks out under the caller's key.

use crate::engine::Engine;
use crate::error::{ArtifactProblem, Error};
use crate::module::{sha256, to_binary, Module, DESERIALIZED};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::atomic::Ordering;

/// The first eight bytes of every artifact.
pub const ARTIFACT_MAGIC: &[u8; 8] = b"CWASMAOT";
/// The artifact format this build writes and reads.
pub const ARTIFACT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 32 + 32 + 8;
const MAC_LEN: usize = 32;

fn mac(key: &[u8], header: &[u8], payload: &[u8]) -> Result<Hmac<Sha256>, Error> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|e| Error::invalid(format!("bad artifact key: {e}")))?;
    m.update(header);
    m.update(payload);
    Ok(m)
}

/// Compiles wasm bytes (or WAT) ahead of time into a signed artifact.
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
    let binary = to_binary(bytes)?;
    let code = crate::module::code_bytes(engine, &binary)?;
    let payload = engine.wasmtime().precompile_module(&code).map_err(|e| crate::module::compile_error(&e))?;
    let mut out = Vec::with_capacity(HEADER_LEN + MAC_LEN + payload.len());
    out.extend_from_slice(ARTIFACT_MAGIC);
    out.extend_from_slice(&ARTIFACT_VERSION.to_le_bytes());
    out.extend_from_slice(&engine.compatibility_hash());
    out.extend_from_slice(&sha256(&binary));
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let tag = mac(key, &out, &payload)?.finalize().into_bytes();
    out.extend_from_slice(&tag);
    out.extend_from_slice(&payload);
    Ok(out)
}

fn refuse(problem: ArtifactProblem, message: impl Into<String>) -> Error {
    Error::Artifact { problem, message: message.into() }
}

/// Verifies an artifact and, only then, loads it.
///
/// # Errors
///
/// [`Error::Artifact`] when the bytes are not an artifact, were written by
/// another format version or an incompatible engine config, or fail the MAC.
pub fn load_artifact(engine: &Engine, artifact: &[u8], key: &[u8]) -> Result<Module, Error> {
    if artifact.len() < HEADER_LEN + MAC_LEN || &artifact[..8] != ARTIFACT_MAGIC {
        return Err(refuse(
            ArtifactProblem::NotAnArtifact,
            "these bytes are not a Cybernetic WASM artifact (no CWASMAOT header); produce one with precompile()",
        ));
    }
    let version = u32::from_le_bytes([artifact[8], artifact[9], artifact[10], artifact[11]]);
    if version != ARTIFACT_VERSION {
        return Err(refuse(
            ArtifactProblem::WrongVersion,
            format!("the artifact has format version {version}, this build reads {ARTIFACT_VERSION}; precompile it again"),
        ));
    }
    if artifact[12..44] != engine.compatibility_hash() {
        return Err(refuse(
            ArtifactProblem::IncompatibleEngine,
            "the artifact was compiled by an engine with another configuration or Wasmtime version; precompile it again with this runtime's options",
        ));
    }
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&artifact[44..76]);
    let mut len = [0u8; 8];
    len.copy_from_slice(&artifact[76..84]);
    let len = u64::from_le_bytes(len);
    let payload = &artifact[HEADER_LEN + MAC_LEN..];
    if payload.len() as u64 != len {
        return Err(refuse(
            ArtifactProblem::BadSignature,
            format!("the artifact is truncated or padded: payload is {} bytes, header says {len}", payload.len()),
        ));
    }
    mac(key, &artifact[..HEADER_LEN], payload)?
        .verify_slice(&artifact[HEADER_LEN..HEADER_LEN + MAC_LEN])
        .map_err(|_| {
            refuse(
                ArtifactProblem::BadSignature,
                "the artifact's signature does not match: it was modified, or signed with another key",
            )
        })?;
    // SAFETY: the MAC proves these bytes are exactly what `precompile`
    // produced with this key, for an engine with this compatibility hash.
    let inner = unsafe { wasmtime::Module::deserialize(engine.wasmtime(), payload) }
        .map_err(|e| refuse(ArtifactProblem::IncompatibleEngine, format!("Wasmtime refused the artifact: {e:#}")))?;
    DESERIALIZED.fetch_add(1, Ordering::Relaxed);
    Ok(Module::from_parts(inner, engine, hash))
}

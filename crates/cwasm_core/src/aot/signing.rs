//! Signing and verifying artifacts: a keyed BLAKE3 MAC for local use, an
//! Ed25519 signature for artifacts made elsewhere.
//!
//! Both cover the header (everything before the signature) and the payload.
//! The payload is hashed on every core (BLAKE3 with rayon), so checking a
//! large artifact costs a fraction of loading it.

use super::format::{refuse, Parts, SignatureKind, SIGNATURE_LEN};
use crate::error::{ArtifactProblem, Error};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

const MAC_CONTEXT: &str = "cybernetic-wasm 2026-12 artifact mac";
const KEY_ID_CONTEXT: &str = "cybernetic-wasm 2026-12 artifact key id";
/// What an Ed25519 signature signs, before the digest: keeps a signature
/// over one thing from being accepted as a signature over another.
const SIGNED_PREFIX: &[u8] = b"cybernetic-wasm artifact v2\0";
/// Inputs at least this large are hashed on several threads.
const PARALLEL_FROM: usize = 1 << 20;

/// Who signs an artifact being made.
#[derive(Clone, Copy)]
pub enum Signer<'a> {
    /// A MAC under this secret key (any length).
    Mac(&'a [u8]),
    /// An Ed25519 signature with this 32-byte private key (seed).
    Ed25519(&'a [u8; 32]),
}

/// What an artifact may be signed by to be loaded.
///
/// # Examples
///
/// ```
/// let v = cwasm_core::Verifier { mac_key: Some(b"local".to_vec()), trusted: vec![] };
/// assert!(v.trusted.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verifier {
    /// The local MAC key, if MAC-signed artifacts are accepted.
    pub mac_key: Option<Vec<u8>>,
    /// Ed25519 public keys whose signatures are accepted.
    pub trusted: Vec<[u8; 32]>,
}

fn update(h: &mut blake3::Hasher, data: &[u8]) {
    if data.len() >= PARALLEL_FROM {
        h.update_rayon(data);
    } else {
        h.update(data);
    }
}

fn mac_key(key: &[u8]) -> [u8; 32] {
    blake3::derive_key(MAC_CONTEXT, key)
}

/// The one-way id of a MAC key, written into the artifacts it signs.
pub(crate) fn mac_key_id(key: &[u8]) -> [u8; 32] {
    blake3::derive_key(KEY_ID_CONTEXT, key)
}

fn mac(key: &[u8], header: &[u8], payload: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new_keyed(&mac_key(key));
    update(&mut h, header);
    update(&mut h, payload);
    h.finalize()
}

fn digest(header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut h = blake3::Hasher::new();
    update(&mut h, header);
    update(&mut h, payload);
    let mut msg = SIGNED_PREFIX.to_vec();
    msg.extend_from_slice(h.finalize().as_bytes());
    msg
}

/// The Ed25519 public key of a private key (seed).
///
/// # Examples
///
/// ```
/// let public = cwasm_core::public_key_of(&[7u8; 32]);
/// assert_eq!(public.len(), 32);
/// ```
pub fn public_key_of(seed: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(seed).verifying_key().to_bytes()
}

/// The key id and signature kind a signer writes into the header.
pub(crate) fn identify(signer: &Signer<'_>) -> (SignatureKind, [u8; 32]) {
    match signer {
        Signer::Mac(key) => (SignatureKind::Mac, mac_key_id(key)),
        Signer::Ed25519(seed) => (SignatureKind::Ed25519, public_key_of(seed)),
    }
}

/// The signature field for a header and payload.
pub(crate) fn sign(signer: &Signer<'_>, header: &[u8], payload: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut out = [0u8; SIGNATURE_LEN];
    match signer {
        Signer::Mac(key) => out[..32].copy_from_slice(mac(key, header, payload).as_bytes()),
        Signer::Ed25519(seed) => out.copy_from_slice(&SigningKey::from_bytes(seed).sign(&digest(header, payload)).to_bytes()),
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks an artifact's signature against what the verifier accepts.
///
/// # Errors
///
/// [`Error::Artifact`]: `untrusted_key` when it is signed by a key the
/// verifier does not accept, `bad_signature` when the signature does not
/// match (modified, or signed with another local key).
pub(crate) fn verify(parts: &Parts<'_>, verifier: &Verifier) -> Result<(), Error> {
    let info = &parts.info;
    match info.signature {
        SignatureKind::Mac => {
            let Some(key) = &verifier.mac_key else {
                return Err(refuse(
                    ArtifactProblem::UntrustedKey,
                    "the artifact is signed with a local key, but this runtime only loads artifacts signed by its trusted keys (trustedKeys); sign it with `cwasm compile --sign-key`",
                ));
            };
            if info.key_id != mac_key_id(key) {
                return Err(refuse(
                    ArtifactProblem::BadSignature,
                    "the artifact was signed with another local key than this runtime's (artifactKey / CWASM_ARTIFACT_KEY); precompile it again or use the same key",
                ));
            }
            let tag = mac(key, parts.signed_header, parts.payload);
            let mut want = [0u8; 32];
            want.copy_from_slice(&parts.signature[..32]);
            // blake3::Hash compares in constant time. A MAC fills half the
            // field; the rest must be zero, so no byte of an artifact can
            // change without refusal.
            if tag != blake3::Hash::from_bytes(want) || parts.signature[32..].iter().any(|&b| b != 0) {
                return Err(refuse(ArtifactProblem::BadSignature, "the artifact's signature does not match: it was modified after it was signed"));
            }
            Ok(())
        }
        SignatureKind::Ed25519 => {
            if !verifier.trusted.contains(&info.key_id) {
                return Err(refuse(
                    ArtifactProblem::UntrustedKey,
                    format!(
                        "the artifact is signed by the Ed25519 key {}, which is not one of this runtime's trusted keys (trustedKeys)",
                        hex(&info.key_id)
                    ),
                ));
            }
            let key = VerifyingKey::from_bytes(&info.key_id)
                .map_err(|_| refuse(ArtifactProblem::BadSignature, "the artifact names a public key that is not a valid Ed25519 key"))?;
            let mut sig = [0u8; SIGNATURE_LEN];
            sig.copy_from_slice(parts.signature);
            key.verify_strict(&digest(parts.signed_header, parts.payload), &Signature::from_bytes(&sig)).map_err(|_| {
                refuse(ArtifactProblem::BadSignature, "the artifact's Ed25519 signature does not match: it was modified after it was signed")
            })
        }
    }
}

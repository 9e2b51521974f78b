//! The artifact's bytes: a header, a signature, Wasmtime's compiled module.
//!
//! Layout (integers little-endian):
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `CWASMAOT` |
//! | 4 | format version (2) |
//! | 4 | length `M` of the metadata |
//! | M | metadata: `key=value` lines (Wasmtime and weave versions, each engine setting) |
//! | 32 | engine compatibility hash ([`Engine::compatibility_hash`](crate::Engine::compatibility_hash)) |
//! | 32 | SHA-256 of the module's wasm binary |
//! | 8 | payload length |
//! | 1 | signature kind: 1 = keyed BLAKE3 MAC (a local key), 2 = Ed25519 |
//! | 32 | key id: the Ed25519 public key, or a one-way id of the MAC key |
//! | 64 | signature (a MAC uses the first 32 bytes) |
//! | n | payload: Wasmtime's serialized module |
//!
//! Everything but the signature is signed: the signature covers the header
//! before it and the payload.

use crate::error::{ArtifactProblem, Error};

/// The first eight bytes of every artifact.
pub const ARTIFACT_MAGIC: &[u8; 8] = b"CWASMAOT";
/// The artifact format this build writes and reads.
pub const ARTIFACT_VERSION: u32 = 2;
/// Largest metadata block accepted (it is a few hundred bytes).
const MAX_META: usize = 64 * 1024;
/// Bytes after the metadata and before the signature.
const FIXED: usize = 32 + 32 + 8 + 1 + 32;
/// Bytes of the signature field.
pub(crate) const SIGNATURE_LEN: usize = 64;

/// How an artifact is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// A MAC under a local secret key (the runtime's `artifactKey`): whoever
    /// can verify it can also make one. For the cache and local use.
    Mac,
    /// An Ed25519 signature: verified with a public key, made only with the
    /// private one. For artifacts built elsewhere.
    Ed25519,
}

impl SignatureKind {
    fn code(self) -> u8 {
        match self {
            SignatureKind::Mac => 1,
            SignatureKind::Ed25519 => 2,
        }
    }
}

/// What an artifact's header says, read without verifying anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactInfo {
    /// The format version.
    pub version: u32,
    /// The metadata lines: `wasmtime`, `weave`, `engine.<setting>`.
    pub meta: Vec<(String, String)>,
    /// The engine compatibility hash it was compiled for.
    pub compat: [u8; 32],
    /// SHA-256 of the module's wasm binary.
    pub wasm_sha256: [u8; 32],
    /// Length of the compiled payload in bytes.
    pub payload_len: u64,
    /// How it is signed.
    pub signature: SignatureKind,
    /// The Ed25519 public key that signed it, or the MAC key's id.
    pub key_id: [u8; 32],
}

impl ArtifactInfo {
    /// One metadata value.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// An artifact split into its parts (borrowing the bytes).
pub(crate) struct Parts<'a> {
    pub(crate) info: ArtifactInfo,
    /// The bytes the signature covers before the payload.
    pub(crate) signed_header: &'a [u8],
    pub(crate) signature: &'a [u8],
    pub(crate) payload: &'a [u8],
}

pub(crate) fn refuse(problem: ArtifactProblem, message: impl Into<String>) -> Error {
    Error::Artifact { problem, message: message.into() }
}

fn meta_text(meta: &[(String, String)]) -> String {
    meta.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// The header up to (not including) the signature.
pub(crate) fn header(info: &ArtifactInfo) -> Vec<u8> {
    let meta = meta_text(&info.meta);
    let mut out = Vec::with_capacity(16 + meta.len() + FIXED);
    out.extend_from_slice(ARTIFACT_MAGIC);
    out.extend_from_slice(&info.version.to_le_bytes());
    // The metadata is a few hundred bytes of our own making.
    out.extend_from_slice(&u32::try_from(meta.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(meta.as_bytes());
    out.extend_from_slice(&info.compat);
    out.extend_from_slice(&info.wasm_sha256);
    out.extend_from_slice(&info.payload_len.to_le_bytes());
    out.push(info.signature.code());
    out.extend_from_slice(&info.key_id);
    out
}

fn take<'a>(bytes: &'a [u8], at: &mut usize, n: usize) -> Result<&'a [u8], Error> {
    let end = at.checked_add(n).filter(|&e| e <= bytes.len()).ok_or_else(|| {
        refuse(ArtifactProblem::BadSignature, format!("the artifact is truncated: its header needs more than its {} bytes", bytes.len()))
    })?;
    let s = &bytes[*at..end];
    *at = end;
    Ok(s)
}

fn array32(s: &[u8]) -> [u8; 32] {
    let mut a = [0u8; 32];
    a.copy_from_slice(&s[..32]);
    a
}

/// Reads an artifact's header and finds its parts; verifies nothing.
///
/// # Errors
///
/// [`Error::Artifact`]: not an artifact, another format version, a
/// malformed or truncated header, or a payload of another length than the
/// header says.
pub(crate) fn split(bytes: &[u8]) -> Result<Parts<'_>, Error> {
    let head = read_header(bytes)?;
    head.parts(bytes, &bytes[head.payload_at..])
}

/// The most bytes a header can take (magic, version, metadata at its
/// largest, the fixed fields and the signature): reading this many from
/// the start of a file is enough for [`read_header`].
pub(crate) const MAX_HEADER: usize = 16 + MAX_META + FIXED + SIGNATURE_LEN;

/// An artifact's header, parsed: where its parts are.
pub(crate) struct Header {
    info: ArtifactInfo,
    /// Bytes before the signature (what it covers, with the payload).
    signed_len: usize,
    /// Where the payload starts (the header's length).
    pub(crate) payload_at: usize,
}

impl Header {
    /// Refuses a payload of another length than the header gives.
    pub(crate) fn check_payload_len(&self, actual: u64) -> Result<(), Error> {
        if actual != self.info.payload_len {
            return Err(refuse(
                ArtifactProblem::BadSignature,
                format!("the artifact is truncated or padded: its payload is {actual} bytes, the header says {}", self.info.payload_len),
            ));
        }
        Ok(())
    }

    /// The parts, from the header's bytes (`head`, at least `payload_at`
    /// long) and the payload, wherever it is.
    pub(crate) fn parts<'a>(&self, head: &'a [u8], payload: &'a [u8]) -> Result<Parts<'a>, Error> {
        self.check_payload_len(payload.len() as u64)?;
        Ok(Parts {
            info: self.info.clone(),
            signed_header: &head[..self.signed_len],
            signature: &head[self.signed_len..self.payload_at],
            payload,
        })
    }
}

/// Parses the header at the start of `bytes` (the whole artifact, or at
/// least its first [`MAX_HEADER`] bytes).
///
/// # Errors
///
/// As [`split`], but for the payload's length, which it does not check.
pub(crate) fn read_header(bytes: &[u8]) -> Result<Header, Error> {
    if bytes.len() < 16 || &bytes[..8] != ARTIFACT_MAGIC {
        return Err(refuse(
            ArtifactProblem::NotAnArtifact,
            "these bytes are not a Cybernetic WASM artifact (no CWASMAOT header); produce one with precompile() or `cwasm compile`",
        ));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if version != ARTIFACT_VERSION {
        return Err(refuse(
            ArtifactProblem::WrongVersion,
            format!("the artifact has format version {version}, this build reads {ARTIFACT_VERSION}; precompile it again"),
        ));
    }
    let meta_len = usize::try_from(u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]])).unwrap_or(usize::MAX);
    if meta_len > MAX_META {
        return Err(refuse(ArtifactProblem::NotAnArtifact, format!("the artifact's metadata claims {meta_len} bytes; at most {MAX_META} are accepted")));
    }
    let mut at = 16;
    let meta_bytes = take(bytes, &mut at, meta_len)?;
    let meta_str = std::str::from_utf8(meta_bytes).map_err(|_| refuse(ArtifactProblem::NotAnArtifact, "the artifact's metadata is not UTF-8"))?;
    let mut meta = Vec::new();
    for line in meta_str.lines() {
        match line.split_once('=') {
            Some((k, v)) => meta.push((k.to_string(), v.to_string())),
            None => return Err(refuse(ArtifactProblem::NotAnArtifact, format!("the artifact's metadata has a line without '=': {line:?}"))),
        }
    }
    let compat = array32(take(bytes, &mut at, 32)?);
    let wasm_sha256 = array32(take(bytes, &mut at, 32)?);
    let mut len = [0u8; 8];
    len.copy_from_slice(take(bytes, &mut at, 8)?);
    let payload_len = u64::from_le_bytes(len);
    let signature = match take(bytes, &mut at, 1)?[0] {
        1 => SignatureKind::Mac,
        2 => SignatureKind::Ed25519,
        k => return Err(refuse(ArtifactProblem::NotAnArtifact, format!("the artifact has an unknown signature kind {k}"))),
    };
    let key_id = array32(take(bytes, &mut at, 32)?);
    let signed_len = at;
    take(bytes, &mut at, SIGNATURE_LEN)?;
    Ok(Header {
        info: ArtifactInfo { version, meta, compat, wasm_sha256, payload_len, signature, key_id },
        signed_len,
        payload_at: at,
    })
}

/// Reads what an artifact's header says, without verifying or loading it
/// (for `cwasm inspect`).
///
/// # Errors
///
/// As [`split`]: not an artifact, another version, a malformed header.
///
/// # Examples
///
/// ```
/// use cwasm_core::{Engine, EngineConfig, inspect_artifact, precompile};
/// let engine = Engine::shared(&EngineConfig::default())?;
/// let art = precompile(&engine, b"(module)", b"key")?;
/// let info = inspect_artifact(&art)?;
/// assert_eq!(info.meta("wasmtime"), Some(cwasm_core::WASMTIME_VERSION));
/// # Ok::<(), cwasm_core::Error>(())
/// ```
pub fn inspect_artifact(bytes: &[u8]) -> Result<ArtifactInfo, Error> {
    Ok(split(bytes)?.info)
}

//! Loading an artifact from a file without copying its code twice.
//!
//! Reading a file into memory and handing the bytes to Wasmtime copies the
//! payload twice (into our buffer, then into Wasmtime's code mapping), each
//! copy faulting in fresh pages: about 60 ms of a 71 MB artifact here. On
//! Linux the payload is copied once instead, by the kernel, into a memfd
//! that is then sealed (`F_SEAL_WRITE`, `_GROW`, `_SHRINK`, then `_SEAL`):
//! its contents can no longer change. They are verified through a
//! read-only mapping of it, and Wasmtime maps the same memfd privately, so
//! what is deserialized is exactly what was verified, as with bytes in our
//! own memory. A mapping of the artifact file itself could not promise that
//! (another process may rewrite a file under its mappings). Where the
//! kernel refuses a step (no memfd, a file `sendfile` cannot read), the
//! file is read into memory and loaded as bytes.
//!
//! Wasmtime keeps the file of a mapping open for as long as the module
//! lives, so a module loaded this way holds one file descriptor. Only
//! payloads of [`MIN_SEALED_BYTES`] or more take the memfd route, where the
//! saved copy is worth it; smaller ones (most plugins) are read and hold
//! nothing, so a process with thousands of small modules does not run into
//! its descriptor limit.

use super::format::{read_header, refuse, MAX_HEADER};
use super::{check_parts, load_artifact_with, Verifier};
use crate::engine::Engine;
use crate::error::{ArtifactProblem, Error};
use crate::module::{Module, DESERIALIZED};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::atomic::Ordering;

/// The smallest payload loaded through a sealed memfd (see the module docs).
pub const MIN_SEALED_BYTES: usize = 1 << 20;

/// Verifies the artifact in `file` against `verifier` (and, with `expect`,
/// that it holds the module of that wasm SHA-256) and, only then, loads
/// it, as [`load_artifact_with`] does for bytes. The whole file is the
/// artifact, read from its start whatever the file's position.
///
/// # Errors
///
/// [`Error::Artifact`] as for [`load_artifact_with`];
/// [`Error::InvalidArgument`] when the file cannot be read.
pub fn load_artifact_file(engine: &Engine, file: &File, verifier: &Verifier, expect: Option<[u8; 32]>) -> Result<Module, Error> {
    #[cfg(target_os = "linux")]
    if let Some(loaded) = sealed::load(engine, file, verifier, expect) {
        return loaded;
    }
    let mut bytes = Vec::new();
    let mut f = file;
    f.seek(SeekFrom::Start(0)).and_then(|_| f.read_to_end(&mut bytes)).map_err(read_error)?;
    load_artifact_with(engine, &bytes, verifier, expect)
}

fn read_error(e: std::io::Error) -> Error {
    Error::invalid(format!("cannot read the artifact file: {e}"))
}

#[cfg(target_os = "linux")]
mod sealed {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::fs::FileExt;

    /// Unmaps a mapping when dropped.
    struct Mapping(*mut libc::c_void, usize);

    impl Drop for Mapping {
        fn drop(&mut self) {
            // SAFETY: a mapping of ours, of this length, unmapped once.
            unsafe { libc::munmap(self.0, self.1) };
        }
    }

    /// The memfd route; `None` when the kernel refused a step of it before
    /// anything was verified (the caller then reads the file instead).
    pub(super) fn load(engine: &Engine, file: &File, verifier: &Verifier, expect: Option<[u8; 32]>) -> Option<Result<Module, Error>> {
        let len = match file.metadata() {
            Ok(m) => m.len(),
            Err(e) => return Some(Err(read_error(e))),
        };
        let mut head = vec![0u8; usize::try_from(len.min(MAX_HEADER as u64)).ok()?];
        if let Err(e) = file.read_exact_at(&mut head, 0) {
            return Some(Err(read_error(e)));
        }
        let header = match read_header(&head) {
            Ok(h) => h,
            Err(e) => return Some(Err(e)),
        };
        let at = header.payload_at as u64;
        let actual = len.saturating_sub(at);
        if let Err(e) = header.check_payload_len(actual) {
            return Some(Err(e));
        }
        let size = usize::try_from(actual).ok().filter(|&n| n >= MIN_SEALED_BYTES)?;
        let memfd = copy_to_sealed_memfd(file, at, size)?;
        let memfd = match memfd {
            Ok(fd) => fd,
            Err(e) => return Some(Err(e)),
        };
        // SAFETY: a read-only shared mapping of `size` bytes of a memfd
        // that holds exactly `size` bytes and can no longer change size.
        let ptr = unsafe { libc::mmap(std::ptr::null_mut(), size, libc::PROT_READ, libc::MAP_SHARED, memfd.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        let mapping = Mapping(ptr, size);
        // SAFETY: the mapping is `size` readable bytes, alive until `mapping`
        // drops at the end of this function, and sealed against writes.
        let payload = unsafe { std::slice::from_raw_parts(mapping.0 as *const u8, size) };
        let parts = match header.parts(&head, payload) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        if let Err(e) = check_parts(engine, &parts, verifier, expect) {
            return Some(Err(e));
        }
        let wasm = parts.info.wasm_sha256;
        // SAFETY: the signature proves the memfd holds exactly what
        // `precompile` or `artifact_of` produced under a key the caller
        // accepts, for an engine with this compatibility hash; the seals
        // keep it so for as long as Wasmtime maps it.
        let inner = match unsafe { wasmtime::Module::deserialize_open_file(engine.wasmtime(), File::from(memfd)) } {
            Ok(m) => m,
            // A kernel that will not map the sealed memfd privately: the
            // verified bytes are at hand, so Wasmtime copies them instead.
            // SAFETY: as above; `payload` is the verified, sealed mapping.
            Err(_) => match unsafe { wasmtime::Module::deserialize(engine.wasmtime(), payload) } {
                Ok(m) => m,
                Err(e) => return Some(Err(refuse(ArtifactProblem::IncompatibleEngine, format!("Wasmtime refused the artifact: {e:#}")))),
            },
        };
        DESERIALIZED.fetch_add(1, Ordering::Relaxed);
        Some(Ok(Module::from_parts(inner, engine, wasm)))
    }

    /// `size` bytes of `file` from `offset`, copied by the kernel into a new
    /// memfd, sealed. `None` when memfds or `sendfile` into one are not
    /// available; an error when the file cannot be read or changes length.
    fn copy_to_sealed_memfd(file: &File, offset: u64, size: usize) -> Option<Result<OwnedFd, Error>> {
        // SAFETY: a plain system call with a NUL-terminated name.
        let fd = unsafe { libc::memfd_create(c"cwasm-artifact".as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` was just created and is owned by nobody else.
        let memfd = unsafe { OwnedFd::from_raw_fd(fd) };
        let mut off = libc::off_t::try_from(offset).ok()?;
        let mut left = size;
        while left > 0 {
            // SAFETY: two open descriptors and a valid offset pointer.
            let n = unsafe { libc::sendfile(memfd.as_raw_fd(), file.as_raw_fd(), &mut off, left.min(1 << 30)) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                match e.raw_os_error() {
                    Some(libc::EINTR) => continue,
                    Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => return None,
                    _ => return Some(Err(read_error(e))),
                }
            }
            if n == 0 {
                return Some(Err(refuse(ArtifactProblem::BadSignature, "the artifact file got shorter while it was read")));
            }
            left -= usize::try_from(n).ok()?;
        }
        let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
        // SAFETY: a plain fcntl on our own descriptor.
        if unsafe { libc::fcntl(memfd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return None;
        }
        Some(Ok(memfd))
    }
}

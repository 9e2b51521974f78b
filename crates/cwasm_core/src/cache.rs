//! The on-disk module cache: compiled code kept between processes.
//!
//! An entry is an artifact signed with the local MAC key, named by the
//! module's SHA-256 and the engine's compatibility hash (which covers the
//! Wasmtime version, every engine setting and the weave version), so an
//! entry from another version or configuration is never even opened.
//! Entries are written to a temporary file and renamed into place, so a
//! reader sees a whole entry or none, and two processes writing the same
//! one leave one valid entry. Every entry is verified before it is
//! deserialized: a truncated, modified or swapped one is refused, removed,
//! recompiled and counted. The directory is kept under a size bound, least
//! recently used first.

use crate::aot::{artifact_of, load_artifact_file, Signer, Verifier};
use crate::engine::Engine;
use crate::error::{ArtifactProblem, Error};
use crate::module::{sha256, to_binary_as, Module, SourceFormat};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

static HITS: AtomicU64 = AtomicU64::new(0);
static MISSES: AtomicU64 = AtomicU64::new(0);
static REJECTED: AtomicU64 = AtomicU64::new(0);
static WRITES: AtomicU64 = AtomicU64::new(0);
static WRITE_FAILURES: AtomicU64 = AtomicU64::new(0);
static EVICTIONS: AtomicU64 = AtomicU64::new(0);
static NEXT_TMP: AtomicU64 = AtomicU64::new(0);

const EXTENSION: &str = "cwasm";
/// Temporary files older than this are left-overs of a writer that died.
const STALE_TMP: Duration = Duration::from_secs(3600);

/// Where a module came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheOutcome {
    /// The process had compiled it already.
    Memory,
    /// A verified entry of the disk cache.
    Disk,
    /// Compiled now (and written to the cache).
    Compiled,
}

/// A module from [`DiskCache::load`], and what happened on the way.
#[derive(Debug)]
pub struct CacheLoad {
    /// The module.
    pub module: Module,
    /// Where it came from.
    pub outcome: CacheOutcome,
    /// An entry that was found but refused (and removed) before compiling
    /// again: why.
    pub rejected: Option<(ArtifactProblem, String)>,
    /// Writing the new entry failed (the module is fine; the cache is not
    /// updated): why.
    pub write_error: Option<String>,
}

/// What the cache holds and what this process did with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries in the directory now.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The size bound.
    pub max_bytes: u64,
    /// Loads answered from disk by this process (every cache directory).
    pub hits: u64,
    /// Loads that had to compile.
    pub misses: u64,
    /// Entries refused (truncated, modified, swapped) and removed.
    pub rejected: u64,
    /// Entries written.
    pub writes: u64,
    /// Entries that could not be written.
    pub write_failures: u64,
    /// Entries removed to stay under the size bound.
    pub evictions: u64,
}

/// An on-disk cache of compiled modules in one directory.
///
/// # Examples
///
/// ```
/// use cwasm_core::{DiskCache, Engine, EngineConfig, SourceFormat, CacheOutcome};
/// let dir = std::env::temp_dir().join(format!("cwasm-doc-cache-{}", std::process::id()));
/// let cache = DiskCache::new(&dir, 1 << 30, b"local key")?;
/// let engine = Engine::shared(&EngineConfig::default())?;
/// let first = cache.load(&engine, b"(module (func (export \"f\")))", SourceFormat::Auto)?;
/// assert!(matches!(first.outcome, CacheOutcome::Compiled | CacheOutcome::Memory));
/// // With the default `compiler: 'auto'` the entry holds the Cranelift
/// // code, written once the background compile is done.
/// first.module.wait_optimized(None)?;
/// # let t0 = std::time::Instant::now();
/// # while cache.stats()?.entries == 0 && t0.elapsed().as_secs() < 10 { std::thread::sleep(std::time::Duration::from_millis(5)); }
/// assert!(cache.stats()?.entries >= 1);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cwasm_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    key: Vec<u8>,
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::invalid(format!("{what} {}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl DiskCache {
    /// Opens (creating it, mode 0700) a cache directory with a size bound in
    /// bytes and the local key its entries are signed with.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the directory cannot be created.
    pub fn new(dir: impl AsRef<Path>, max_bytes: u64, key: &[u8]) -> Result<DiskCache, Error> {
        let dir = dir.as_ref().to_path_buf();
        if !dir.is_dir() {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(&dir).map_err(|e| io_error("cannot create the cache directory", &dir, e))?;
        }
        Ok(DiskCache { dir, max_bytes, key: key.to_vec() })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry a module of this hash has for `engine`.
    pub fn path_for(&self, engine: &Engine, wasm_sha256: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}-{}.{EXTENSION}", hex(wasm_sha256), &hex(&engine.compatibility_hash())[..16]))
    }

    /// The module of `bytes` for `engine`: from the process's registry, else
    /// from a verified disk entry, else compiled (and written). A module
    /// compiled cold by a tiered engine (`compiler: 'auto'`) starts on Winch
    /// code; its entry, which holds the Cranelift code, is written when the
    /// background compile is done (a process that ends first leaves none).
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] when the module is invalid. Problems with the
    /// cache itself never fail the load: a bad entry is recompiled and
    /// reported in [`CacheLoad::rejected`], a failed write in
    /// [`CacheLoad::write_error`].
    pub fn load(&self, engine: &Engine, bytes: &[u8], format: SourceFormat) -> Result<CacheLoad, Error> {
        let binary = to_binary_as(bytes, format)?;
        let hash = sha256(&binary);
        if let Some(module) = Module::from_registry(engine, hash) {
            return Ok(CacheLoad { module, outcome: CacheOutcome::Memory, rejected: None, write_error: None });
        }
        let path = self.path_for(engine, &hash);
        let mut rejected = None;
        if let Ok(file) = fs::File::open(&path) {
            let verifier = Verifier { mac_key: Some(self.key.clone()), trusted: Vec::new() };
            match load_artifact_file(engine, &file, &verifier, Some(hash)) {
                Ok(module) => {
                    HITS.fetch_add(1, Ordering::Relaxed);
                    // Least recently used goes first: a hit makes it recent.
                    if let Ok(f) = fs::File::options().write(true).open(&path) {
                        let _ = f.set_modified(SystemTime::now());
                    }
                    return Ok(CacheLoad { module, outcome: CacheOutcome::Disk, rejected: None, write_error: None });
                }
                Err(Error::Artifact { problem, message }) => {
                    REJECTED.fetch_add(1, Ordering::Relaxed);
                    let _ = fs::remove_file(&path);
                    rejected = Some((problem, message));
                }
                Err(e) => return Err(e),
            }
        }
        MISSES.fetch_add(1, Ordering::Relaxed);
        let module = Module::compile_as(engine, &binary, SourceFormat::Binary)?;
        if module.tier() != engine.config().main_compiler() {
            // Running Winch code for now: the entry holds the Cranelift
            // code, written when the background compile is done (a process
            // that ends first leaves none; precompile for that).
            let cache = self.clone();
            module.on_main(move |m| {
                if cache.write(&path, m).is_err() {
                    WRITE_FAILURES.fetch_add(1, Ordering::Relaxed);
                } else {
                    cache.evict(&path);
                }
            });
            return Ok(CacheLoad { module, outcome: CacheOutcome::Compiled, rejected, write_error: None });
        }
        let write_error = self.write(&path, &module).err().map(|e| {
            WRITE_FAILURES.fetch_add(1, Ordering::Relaxed);
            e.message()
        });
        if write_error.is_none() {
            self.evict(&path);
        }
        Ok(CacheLoad { module, outcome: CacheOutcome::Compiled, rejected, write_error })
    }

    /// Writes an entry atomically: a temporary file in the same directory,
    /// renamed over the name.
    fn write(&self, path: &Path, module: &Module) -> Result<(), Error> {
        let artifact = artifact_of(module, &Signer::Mac(&self.key))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("entry");
        let tmp = self.dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), NEXT_TMP.fetch_add(1, Ordering::Relaxed)));
        let result = (|| {
            let mut o = fs::File::options();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            let mut f = o.open(&tmp)?;
            f.write_all(&artifact)?;
            fs::rename(&tmp, path)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(io_error("cannot write the cache entry", path, e));
        }
        WRITES.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let mut out = Vec::new();
        let Ok(dir) = fs::read_dir(&self.dir) else { return out };
        for e in dir.flatten() {
            let p = e.path();
            let Ok(m) = e.metadata() else { continue };
            if !m.is_file() {
                continue;
            }
            let modified = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".tmp") {
                // A writer that died half-way left this behind.
                if SystemTime::now().duration_since(modified).unwrap_or_default() > STALE_TMP {
                    let _ = fs::remove_file(&p);
                }
                continue;
            }
            if p.extension().is_some_and(|x| x == EXTENSION) {
                out.push((p, m.len(), modified));
            }
        }
        out
    }

    /// Removes least recently used entries until the cache fits its bound
    /// (never `keep`, the entry just written).
    fn evict(&self, keep: &Path) {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        if total <= self.max_bytes {
            return;
        }
        entries.sort_by_key(|e| e.2);
        for (p, size, _) in entries {
            if total <= self.max_bytes {
                break;
            }
            if p == keep {
                continue;
            }
            if fs::remove_file(&p).is_ok() {
                total = total.saturating_sub(size);
                EVICTIONS.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// What the cache holds, and this process's counters.
    ///
    /// # Errors
    ///
    /// None today; the signature leaves room for a directory that cannot be read.
    pub fn stats(&self) -> Result<CacheStats, Error> {
        let entries = self.entries();
        Ok(CacheStats {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.1).sum(),
            max_bytes: self.max_bytes,
            hits: HITS.load(Ordering::Relaxed),
            misses: MISSES.load(Ordering::Relaxed),
            rejected: REJECTED.load(Ordering::Relaxed),
            writes: WRITES.load(Ordering::Relaxed),
            write_failures: WRITE_FAILURES.load(Ordering::Relaxed),
            evictions: EVICTIONS.load(Ordering::Relaxed),
        })
    }

    /// Removes every entry; returns how many.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when an entry cannot be removed.
    pub fn clear(&self) -> Result<u64, Error> {
        let mut n = 0;
        for (p, _, _) in self.entries() {
            fs::remove_file(&p).map_err(|e| io_error("cannot remove the cache entry", &p, e))?;
            n += 1;
        }
        Ok(n)
    }
}

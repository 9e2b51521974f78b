//! `BindingDiskCache`: the on-disk module cache (see `cwasm_core::DiskCache`).

use crate::binding_engine::BindingEngine;
use crate::binding_module::BindingModule;
use crate::convert::byte_count;
use crate::error::guard;
use cwasm_core::{CacheLoad, CacheOutcome, DiskCache, Error, SourceFormat};
use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

/// A cache entry that was refused before compiling again.
#[napi(object)]
pub struct BindingRejection {
    /// The artifact problem (`bad_signature`, `wrong_module`, …).
    pub problem: String,
    /// Why.
    pub message: String,
}

/// A module from the cache and where it came from (only ever returned to JS).
#[napi(object, object_from_js = false)]
pub struct BindingCacheLoad {
    /// The module.
    pub module: BindingModule,
    /// `memory`, `disk` or `compiled`.
    pub outcome: String,
    /// The entry refused on the way, if any.
    pub rejected: Option<BindingRejection>,
    /// Why writing the new entry failed, if it did.
    pub write_error: Option<String>,
}

fn load_result(r: CacheLoad) -> BindingCacheLoad {
    BindingCacheLoad {
        module: BindingModule { inner: r.module },
        outcome: match r.outcome {
            CacheOutcome::Memory => "memory",
            CacheOutcome::Disk => "disk",
            CacheOutcome::Compiled => "compiled",
        }
        .into(),
        rejected: r.rejected.map(|(p, message)| BindingRejection { problem: p.as_str().into(), message }),
        write_error: r.write_error,
    }
}

/// What the cache holds and what this process did with it.
#[napi(object)]
pub struct BindingCacheStats {
    /// Entries now.
    pub entries: f64,
    /// Their size in bytes.
    pub bytes: f64,
    /// The size bound in bytes.
    pub max_bytes: f64,
    /// Loads answered from disk by this process.
    pub hits: f64,
    /// Loads that compiled.
    pub misses: f64,
    /// Entries refused and removed.
    pub rejected: f64,
    /// Entries written.
    pub writes: f64,
    /// Entries that could not be written.
    pub write_failures: f64,
    /// Entries removed to stay under the bound.
    pub evictions: f64,
}

/// The on-disk module cache of one directory.
#[napi]
pub struct BindingDiskCache {
    inner: DiskCache,
}

fn format_of(format: Option<&str>) -> Result<SourceFormat, Error> {
    match format {
        None | Some("auto") => Ok(SourceFormat::Auto),
        Some("binary") => Ok(SourceFormat::Binary),
        Some("text") => Ok(SourceFormat::Text),
        Some(other) => Err(Error::InvalidArgument { message: format!("unknown module format '{other}'; use auto, binary or text") }),
    }
}

#[napi]
impl BindingDiskCache {
    /// Opens (creating it, mode 0700) a cache directory.
    #[napi(constructor)]
    pub fn new(dir: String, max_bytes: f64, key: &[u8]) -> napi::Result<BindingDiskCache> {
        guard(|| Ok(BindingDiskCache { inner: DiskCache::new(dir, byte_count(max_bytes, "maxCacheSize")? as u64, key)? }))
    }

    /// The module of `bytes`, from memory, disk or a fresh compilation, on this thread.
    #[napi]
    pub fn load(&self, engine: &BindingEngine, bytes: &[u8], format: Option<String>) -> napi::Result<BindingCacheLoad> {
        guard(|| Ok(load_result(self.inner.load(&engine.inner, bytes, format_of(format.as_deref())?)?)))
    }

    /// [`BindingDiskCache::load`] on the native thread pool: the event loop
    /// keeps running while a large module compiles.
    #[napi(ts_return_type = "Promise<BindingCacheLoad>")]
    pub fn load_async<'env>(&self, env: &'env Env, engine: &BindingEngine, bytes: &[u8], format: Option<String>) -> napi::Result<Object<'env>> {
        let format = guard(|| format_of(format.as_deref()))?;
        let (deferred, promise) = env.create_deferred()?;
        let (cache, engine, bytes) = (self.inner.clone(), engine.inner.clone(), bytes.to_vec());
        cwasm_core::spawn(move || match guard(|| cache.load(&engine, &bytes, format)) {
            Ok(r) => deferred.resolve(move |_| Ok(load_result(r))),
            Err(e) => deferred.reject(e),
        });
        Ok(promise)
    }

    /// What the cache holds.
    #[napi]
    pub fn stats(&self) -> napi::Result<BindingCacheStats> {
        guard(|| {
            let s = self.inner.stats()?;
            Ok(BindingCacheStats {
                entries: s.entries as f64,
                bytes: s.bytes as f64,
                max_bytes: s.max_bytes as f64,
                hits: s.hits as f64,
                misses: s.misses as f64,
                rejected: s.rejected as f64,
                writes: s.writes as f64,
                write_failures: s.write_failures as f64,
                evictions: s.evictions as f64,
            })
        })
    }

    /// Removes every entry; returns how many.
    #[napi]
    pub fn clear(&self) -> napi::Result<f64> {
        guard(|| Ok(self.inner.clear()? as f64))
    }
}

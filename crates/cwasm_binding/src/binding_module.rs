//! `BindingModule`: compiled code, shared process-wide.

use crate::binding_engine::BindingEngine;
use crate::binding_types::{export_type, import_type, BindingExportType, BindingImportType};
use crate::error::{guard, to_napi};
use crate::convert::{hex, key32};
use cwasm_core::{
    inspect_artifact, load_artifact_file, load_artifact_with, module_info, module_stats, precompile_signed, public_key_of, to_wat, verify_artifact, ArtifactInfo, Error,
    Module, SignatureKind, Signer, SourceFormat, Verifier,
};
use napi::bindgen_prelude::{Object, Uint8Array};
use napi::Env;
use napi_derive::napi;

/// A compiled module.
#[napi]
pub struct BindingModule {
    pub(crate) inner: Module,
}

/// Counters of the process-wide module registry.
#[napi(object)]
pub struct BindingModuleStats {
    /// Modules compiled by the main compiler in this process (Cranelift, or Winch with `compiler: 'winch'`).
    pub compiled: f64,
    /// Modules compiled by Winch first, to run at once (`compiler: 'auto'`).
    pub baseline_compiled: f64,
    /// Of those, how many wait for their Cranelift code now.
    pub tiering: f64,
    /// Compilations avoided because the same bytes were compiled before for the same engine.
    pub cache_hits: f64,
    /// Modules loaded from verified AOT artifacts.
    pub deserialized: f64,
    /// Modules held in the registry now.
    pub cached: f64,
}

/// The process-wide module registry's counters (shared by every worker thread).
#[napi]
pub fn module_registry_stats() -> BindingModuleStats {
    let s = module_stats();
    BindingModuleStats {
        compiled: s.compiled as f64,
        baseline_compiled: s.baseline_compiled as f64,
        tiering: s.tiering as f64,
        cache_hits: s.cache_hits as f64,
        deserialized: s.deserialized as f64,
        cached: s.cached as f64,
    }
}

/// One `key=value` line of an artifact's metadata.
#[napi(object)]
pub struct BindingMetaEntry {
    /// The key (`wasmtime`, `weave`, `engine.fuel`, …).
    pub key: String,
    /// Its value.
    pub value: String,
}

/// What an artifact's header says.
#[napi(object)]
pub struct BindingArtifactInfo {
    /// Format version.
    pub version: u32,
    /// Metadata lines.
    pub meta: Vec<BindingMetaEntry>,
    /// Engine compatibility hash, hex.
    pub compat: String,
    /// SHA-256 of the module's wasm binary, hex.
    pub wasm_sha256: String,
    /// Compiled payload size in bytes.
    pub payload_len: f64,
    /// `mac` or `ed25519`.
    pub signature: String,
    /// The Ed25519 public key (hex), or the local MAC key's id.
    pub key_id: String,
}

/// A custom section.
#[napi(object)]
pub struct BindingCustomSection {
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub size: f64,
}

/// What a module is made of.
#[napi(object)]
pub struct BindingModuleInfo {
    /// Custom sections in order.
    pub custom_sections: Vec<BindingCustomSection>,
    /// Features it needs beyond WebAssembly 1.0.
    pub features: Vec<String>,
    /// Binary size in bytes.
    pub size: f64,
}

fn artifact_info(i: ArtifactInfo) -> BindingArtifactInfo {
    BindingArtifactInfo {
        version: i.version,
        meta: i.meta.into_iter().map(|(key, value)| BindingMetaEntry { key, value }).collect(),
        compat: hex(&i.compat),
        wasm_sha256: hex(&i.wasm_sha256),
        payload_len: i.payload_len as f64,
        signature: match i.signature {
            SignatureKind::Mac => "mac",
            SignatureKind::Ed25519 => "ed25519",
        }
        .into(),
        key_id: hex(&i.key_id),
    }
}

/// A verifier from the local key (if MAC-signed artifacts are accepted) and trusted public keys.
pub(crate) fn verifier(key: Option<&[u8]>, trusted: &[Uint8Array]) -> Result<Verifier, Error> {
    Ok(Verifier {
        mac_key: key.map(<[u8]>::to_vec),
        trusted: trusted.iter().map(|k| key32(k, "a trusted key")).collect::<Result<_, _>>()?,
    })
}

/// Reads what an artifact's header says, without verifying it.
#[napi]
pub fn inspect_artifact_header(bytes: &[u8]) -> napi::Result<BindingArtifactInfo> {
    guard(|| Ok(artifact_info(inspect_artifact(bytes)?)))
}

/// Custom sections and features of a module (wasm or WAT).
#[napi]
pub fn inspect_module(bytes: &[u8]) -> napi::Result<BindingModuleInfo> {
    guard(|| {
        let i = module_info(bytes)?;
        Ok(BindingModuleInfo {
            custom_sections: i.custom_sections.into_iter().map(|c| BindingCustomSection { name: c.name, size: c.size as f64 }).collect(),
            features: i.features.into_iter().map(str::to_string).collect(),
            size: i.size as f64,
        })
    })
}

/// The text form of a module.
#[napi]
pub fn wasm_to_wat(bytes: &[u8]) -> napi::Result<String> {
    guard(|| to_wat(bytes))
}

/// The Ed25519 public key of a 32-byte private key.
#[napi]
pub fn ed25519_public_key(seed: &[u8]) -> napi::Result<Uint8Array> {
    guard(|| Ok(Uint8Array::from(public_key_of(&key32(seed, "the signing key")?).to_vec())))
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
impl BindingModule {
    /// Compiles wasm bytes or WAT text (reusing an earlier compilation of the same bytes).
    #[napi(factory)]
    pub fn compile(engine: &BindingEngine, bytes: &[u8], cache: Option<bool>, format: Option<String>) -> napi::Result<BindingModule> {
        guard(|| {
            let format = format_of(format.as_deref())?;
            let inner = if cache.unwrap_or(true) {
                Module::compile_as(&engine.inner, bytes, format)?
            } else {
                Module::compile_uncached(&engine.inner, bytes, format)?
            };
            Ok(BindingModule { inner })
        })
    }

    /// [`BindingModule::compile`] on the native thread pool, so the event
    /// loop keeps running while a large module compiles.
    #[napi(ts_return_type = "Promise<BindingModule>")]
    pub fn compile_async<'env>(
        env: &'env Env,
        engine: &BindingEngine,
        bytes: &[u8],
        cache: Option<bool>,
        format: Option<String>,
    ) -> napi::Result<Object<'env>> {
        let format = guard(|| format_of(format.as_deref()))?;
        let (deferred, promise) = env.create_deferred()?;
        let (engine, bytes, cache) = (engine.inner.clone(), bytes.to_vec(), cache.unwrap_or(true));
        cwasm_core::spawn(move || {
            let r = guard(|| if cache { Module::compile_as(&engine, &bytes, format) } else { Module::compile_uncached(&engine, &bytes, format) });
            match r {
                Ok(inner) => deferred.resolve(move |_| Ok(BindingModule { inner })),
                Err(e) => deferred.reject(e),
            }
        });
        Ok(promise)
    }

    /// Validates wasm bytes or WAT text without compiling.
    #[napi]
    pub fn validate(engine: &BindingEngine, bytes: &[u8], format: Option<String>) -> napi::Result<()> {
        guard(|| Module::validate(&engine.inner, bytes, format_of(format.as_deref())?))
    }

    /// Compiles ahead of time into an artifact signed with the local `key`,
    /// or with the Ed25519 private key `signKey` (32 bytes) when given.
    #[napi]
    pub fn precompile(engine: &BindingEngine, bytes: &[u8], key: &[u8], sign_key: Option<&[u8]>) -> napi::Result<Uint8Array> {
        guard(|| {
            let seed = sign_key.map(|k| key32(k, "the signing key")).transpose()?;
            let signer = match &seed {
                Some(s) => Signer::Ed25519(s),
                None => Signer::Mac(key),
            };
            Ok(Uint8Array::from(precompile_signed(&engine.inner, bytes, &signer)?))
        })
    }

    /// Verifies an artifact (local `key` if given, else not accepted; and
    /// the `trusted` public keys), then loads it.
    #[napi(factory)]
    pub fn load_artifact(engine: &BindingEngine, artifact: &[u8], key: Option<&[u8]>, trusted: Vec<Uint8Array>) -> napi::Result<BindingModule> {
        guard(|| Ok(BindingModule { inner: load_artifact_with(&engine.inner, artifact, &verifier(key, &trusted)?, None)? }))
    }

    /// Verifies the artifact in the file at `path`, then loads it (on
    /// Linux without copying its code twice; see `cwasm_core::load_artifact_file`).
    #[napi(factory)]
    pub fn load_artifact_file(engine: &BindingEngine, path: String, key: Option<&[u8]>, trusted: Vec<Uint8Array>) -> napi::Result<BindingModule> {
        guard(|| {
            let file = std::fs::File::open(&path).map_err(|e| Error::InvalidArgument { message: format!("cannot read the artifact file {path}: {e}") })?;
            Ok(BindingModule { inner: load_artifact_file(&engine.inner, &file, &verifier(key, &trusted)?, None)? })
        })
    }

    /// Verifies an artifact without loading it.
    #[napi]
    pub fn verify_artifact(engine: &BindingEngine, artifact: &[u8], key: Option<&[u8]>, trusted: Vec<Uint8Array>) -> napi::Result<BindingArtifactInfo> {
        guard(|| Ok(artifact_info(verify_artifact(&engine.inner, artifact, &verifier(key, &trusted)?)?)))
    }

    /// Imports with their types.
    #[napi]
    pub fn imports(&self) -> Vec<BindingImportType> {
        self.inner.imports().into_iter().map(import_type).collect()
    }

    /// Exports with their types.
    #[napi]
    pub fn exports(&self) -> Vec<BindingExportType> {
        self.inner.exports().into_iter().map(export_type).collect()
    }

    /// The name from the name section, if any.
    #[napi(getter)]
    pub fn name(&self) -> Option<String> {
        self.inner.name().map(str::to_string)
    }

    /// How many linear memories the module defines itself.
    #[napi(getter)]
    pub fn defined_memories(&self) -> u32 {
        self.inner.defined_memories()
    }

    /// Hex SHA-256 of the module's binary form.
    /// Which compiler's code instances made now get: `'winch'` or `'cranelift'`.
    #[napi(getter)]
    pub fn tier(&self) -> String {
        self.inner.tier().as_str().to_string()
    }

    /// How long the Cranelift code took to be ready after the Winch code
    /// was, in ms (`null` until then, and for modules that did not start on Winch).
    #[napi(getter)]
    pub fn tier_up_ms(&self) -> Option<f64> {
        self.inner.tier_up_time().map(|d| d.as_secs_f64() * 1000.0)
    }

    /// Resolves once the module's Cranelift code is ready (`true`), or
    /// after `timeout_ms` with `false`; rejects when its compile failed.
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn wait_optimized<'env>(&self, env: &'env Env, timeout_ms: Option<f64>) -> napi::Result<Object<'env>> {
        let timeout = match timeout_ms {
            None => None,
            Some(ms) if ms.is_finite() && ms >= 0.0 => Some(std::time::Duration::from_secs_f64(ms / 1000.0)),
            Some(ms) => return Err(to_napi(Error::InvalidArgument { message: format!("timeout must be a finite number of ms ≥ 0, got {ms}") })),
        };
        let (deferred, promise) = env.create_deferred()?;
        let module = self.inner.clone();
        // A plain thread: waiting must not hold one of the call pool's threads.
        let spawned = std::thread::Builder::new().name("cwasm-wait-optimized".into()).spawn(move || match module.wait_optimized(timeout) {
            Ok(done) => deferred.resolve(move |_| Ok(done)),
            Err(e) => deferred.reject(to_napi(e)),
        });
        if let Err(e) = spawned {
            return Err(to_napi(Error::Bug { message: format!("cannot start a thread: {e}") }));
        }
        Ok(promise)
    }

    #[napi(getter)]
    pub fn hash(&self) -> String {
        self.inner.hash().iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[napi]
impl BindingModule {
    /// A process-wide number for this module, which a worker thread turns
    /// back into the same compiled code with `fromShared` (no recompiling).
    #[napi]
    pub fn share(&self) -> f64 {
        crate::convert::count(self.inner.share())
    }

    /// The module shared under `id` (see `share`), for `engine`.
    #[napi(factory)]
    pub fn from_shared(engine: &BindingEngine, id: f64) -> napi::Result<BindingModule> {
        guard(|| Ok(BindingModule { inner: Module::from_shared(&engine.inner, crate::convert::whole_id(id, "a shared module number")?)? }))
    }
}

/// Limits and options of `BindingModule.callOnceAsync`.
#[napi(object)]
#[derive(Default)]
pub struct BindingOneShotOptions {
    /// Largest size of one linear memory, in bytes.
    /// @default undefined (the module's own maximum)
    pub max_memory_bytes: Option<f64>,
    /// Wall-clock limit of instantiation and of the call, in ms.
    /// @default undefined (none)
    pub deadline_ms: Option<f64>,
    /// Fuel budget of the call.
    /// @default undefined (unlimited)
    pub fuel: Option<f64>,
    /// Measure the call (wall time, fuel, peak memory).
    /// @default false
    pub stats: Option<bool>,
}

/// What `callOnceAsync` gives back.
#[napi(object)]
pub struct BindingOneShotResult {
    /// The result slots.
    pub slots: Uint8Array,
    /// What the call cost (zeros unless `stats`).
    pub stats: crate::binding_store::BindingCallStats,
}

fn one_shot(o: BindingOneShotOptions) -> Result<cwasm_core::OneShot, Error> {
    use crate::convert::byte_count;
    Ok(cwasm_core::OneShot {
        store: cwasm_core::StoreOptions {
            max_memory_bytes: o.max_memory_bytes.map(|v| byte_count(v, "maxMemory")).transpose()?.map(|v| v as u64),
            ..cwasm_core::StoreOptions::default()
        },
        deadline: o
            .deadline_ms
            .map(|ms| {
                if (0.0..=9_007_199_254_740_991.0).contains(&ms) {
                    Ok(std::time::Duration::from_secs_f64(ms / 1000.0))
                } else {
                    Err(Error::InvalidArgument { message: format!("timeout must be a number of ms from 0, got {ms}") })
                }
            })
            .transpose()?,
        fuel: o.fuel.map(|f| byte_count(f, "fuel").map(|v| v as u64)).transpose()?,
        stats: o.stats.unwrap_or(false),
    })
}

#[napi]
impl BindingModule {
    /// Makes a store, instantiates this import-free module, calls export
    /// `name` on its slots and frees the store, all on a native pool
    /// thread; resolves to the result slots and the call's stats.
    #[napi(ts_return_type = "Promise<BindingOneShotResult>")]
    pub fn call_once_async<'env>(
        &self,
        env: &'env Env,
        name: String,
        slots: &[u8],
        options: BindingOneShotOptions,
        token: Option<f64>,
    ) -> napi::Result<Object<'env>> {
        let o = guard(|| one_shot(options))?;
        let (deferred, promise) = env.create_deferred()?;
        let module = self.inner.clone();
        let mut buf = slots.to_vec();
        let token = crate::binding_executor::token_of(token);
        let id = token.as_ref().ok().and_then(|t| t.as_ref().map(|t| t.id())).unwrap_or(0);
        cwasm_core::spawn_call(id, move || match guard(|| module.call_once(&name, &mut buf, &o, token?.as_deref())) {
            Ok((_, s)) => deferred.resolve(move |_| {
                Ok(BindingOneShotResult {
                    slots: Uint8Array::from(buf),
                    stats: crate::binding_store::BindingCallStats {
                        wall_ns: crate::convert::count(s.wall_ns),
                        fuel_consumed: s.fuel_consumed.map(crate::convert::count),
                        peak_memory: crate::convert::count(s.peak_memory),
                    },
                })
            }),
            Err(e) => deferred.reject(e),
        });
        Ok(promise)
    }
}

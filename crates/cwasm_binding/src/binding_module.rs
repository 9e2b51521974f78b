//! `BindingModule`: compiled code, shared process-wide.

use crate::binding_engine::BindingEngine;
use crate::binding_types::{export_type, import_type, BindingExportType, BindingImportType};
use crate::error::guard;
use cwasm_core::{load_artifact, module_stats, precompile, Error, Module, SourceFormat};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;

/// A compiled module.
#[napi]
pub struct BindingModule {
    pub(crate) inner: Module,
}

/// Counters of the process-wide module registry.
#[napi(object)]
pub struct BindingModuleStats {
    /// Modules compiled by Cranelift in this process.
    pub compiled: f64,
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
        cache_hits: s.cache_hits as f64,
        deserialized: s.deserialized as f64,
        cached: s.cached as f64,
    }
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

    /// Validates wasm bytes or WAT text without compiling.
    #[napi]
    pub fn validate(engine: &BindingEngine, bytes: &[u8], format: Option<String>) -> napi::Result<()> {
        guard(|| Module::validate(&engine.inner, bytes, format_of(format.as_deref())?))
    }

    /// Compiles ahead of time into a signed artifact.
    #[napi]
    pub fn precompile(engine: &BindingEngine, bytes: &[u8], key: &[u8]) -> napi::Result<Uint8Array> {
        guard(|| Ok(Uint8Array::from(precompile(&engine.inner, bytes, key)?)))
    }

    /// Verifies an artifact, then loads it.
    #[napi(factory)]
    pub fn load_artifact(engine: &BindingEngine, artifact: &[u8], key: &[u8]) -> napi::Result<BindingModule> {
        guard(|| Ok(BindingModule { inner: load_artifact(&engine.inner, artifact, key)? }))
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
    #[napi(getter)]
    pub fn hash(&self) -> String {
        self.inner.hash().iter().map(|b| format!("{b:02x}")).collect()
    }
}

//! napi-rs binding for Cybernetic WASM.
//!
//! Each `Binding*` class lives in its own `binding_*.rs` file and only
//! converts JS values, forwards to `cwasm_core`, and turns its errors into
//! data (see `error.rs`). No Wasmtime policy lives here.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// Wasmtime allocates and frees many small objects per store and instance;
// mimalloc does that in a fraction of glibc malloc's time (measured in
// bench: instantiate).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod binding_bytes;
mod binding_cache;
mod binding_engine;
mod binding_options;
mod binding_executor;
mod binding_extern;
mod binding_fast_call;
mod binding_gc;
mod binding_host;
mod binding_instance;
mod binding_module;
mod binding_store;
mod binding_types;
mod binding_wasi;
mod convert;
mod error;
mod runtime_info;

pub use binding_cache::{BindingCacheLoad, BindingCacheStats, BindingDiskCache, BindingRejection};
pub use binding_executor::BindingPoolStats;
pub use binding_engine::BindingEngine;
pub use binding_options::{BindingEngineOptions, BindingPoolingOptions, BindingStoreOptions};
pub use binding_extern::BindingExtern;
pub use binding_gc::BindingException;
pub use binding_module::{BindingArtifactInfo, BindingCustomSection, BindingMetaEntry, BindingModule, BindingModuleInfo, BindingModuleStats};
pub use binding_store::{BindingCallStats, BindingStore};
pub use binding_types::{BindingExternType, BindingImportType, BindingExportType};
pub use binding_wasi::{BindingAudit, BindingAuditRecord, BindingEnvVar, BindingOutput, BindingPreopen, BindingWasiFunction, BindingWasiOptions};

//! Wasmtime policy for Cybernetic WASM, with no Node.js in sight.
//!
//! This crate owns everything that touches a Wasmtime [`wasmtime::Store`]:
//! engines (one per distinct [`EngineConfig`], shared process-wide), compiled
//! [`Module`]s (shared process-wide, keyed by content hash and engine config),
//! [`Store`]s with their resource limits, instances and their imports, calls
//! and the values that cross them, traps, verified AOT artifacts, and WASI
//! preview 1 behind a capability sandbox.
//!
//! It is tested with `cargo test` alone; the napi binding crate only converts
//! and forwards to it.
//!
//! # Examples
//!
//! ```
//! use cwasm_core::{Engine, EngineConfig, Module, Store, StoreOptions, Value};
//!
//! let engine = Engine::shared(&EngineConfig::default())?;
//! let module = Module::compile(&engine, br#"(module (func (export "process") (param i32) (result i32)
//!     local.get 0 i32.const 2 i32.mul))"#)?;
//! let store = Store::new(&engine, StoreOptions::default());
//! let instance = store.instantiate(&module, &[])?;
//! let process = store.export_func(instance, "process")?;
//! assert_eq!(store.call(process, &[Value::I32(42)])?, vec![Value::I32(84)]);
//! # Ok::<(), cwasm_core::Error>(())
//! ```
#![warn(missing_docs)]

mod aot;
mod bounded;
mod bytes;
mod cache;
mod call;
pub mod calibration;
mod cancel;
mod config;
mod config_options;
mod engine;
mod entry_checks;
mod error;
mod executor;
mod externref;
mod externs;
mod fuel;
mod gcref;
mod host;
mod host_func;
mod inspect;
mod instrument;
mod interrupt;
mod limits;
mod linking;
mod module;
mod oneshot;
mod store;
mod store_data;
mod tier;
mod trap;
mod types;
mod value;
mod waits;
mod wasi;

pub use aot::{
    artifact_of, inspect_artifact, load_artifact, load_artifact_file, load_artifact_with, MIN_SEALED_BYTES, precompile, precompile_signed, public_key_of, verify_artifact,
    ArtifactInfo, SignatureKind, Signer, Verifier, ARTIFACT_MAGIC, ARTIFACT_VERSION,
};
pub use cache::{CacheLoad, CacheOutcome, CacheStats, DiskCache};
pub use config::{Compiler, EngineConfig, FuelMeter, Interrupts, OptLevel, PoolingConfig};
pub use engine::Engine;
pub use cancel::{cancel_call, live_call_tokens, CallToken, CancelOutcome};
pub use executor::{pool_stats, pool_threads, spawn, spawn_call, PoolStats};
pub use module::shared_modules;
pub use tier::tier_up_queue_len;
pub use oneshot::OneShot;
pub use error::{ArtifactProblem, Error, Frame, LinkIssue, LinkProblem};
pub use host::{stop_requested, HostError, HostFn, SlotHostFn};
pub use inspect::{module_info, to_wat, CustomSection, ModuleInfo};
pub use limits::StoreOptions;
pub use module::{module_stats, to_binary, to_binary_as, Module, ModuleStats, SourceFormat};
pub use call::{CallStats, FuncKinds};
pub use externs::Extern;
pub use store::Store;
pub use store_data::StoreData;
pub use wasi::{
    errno, wasi_functions, AuditRecord, Capability, Judged, OutputSink, Preopen, StdStream, StdinSource, WasiConfig,
    WasiFunction, WASI_MODULE,
};
pub use wasmtime::{Func, Global, Instance, Memory, SharedMemory, Table, Tag};
pub use trap::{all_trap_codes, trap_code};
pub use types::{ExportDesc, ExternDesc, FuncSig, ImportDesc};
pub use gcref::{AnyValue, GcKind, GcObject};
pub use value::{Value, ValueKind};

/// The Wasmtime version this crate embeds, for diagnostics.
pub const WASMTIME_VERSION: &str = "48.0.8";

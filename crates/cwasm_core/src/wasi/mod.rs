//! WASI preview 1 behind a capability sandbox.
//!
//! wasmtime-wasi (cap-std underneath) implements the functions; this module
//! decides, at each call, whether the calling store's guest may make it:
//! functions are grouped by capability ([`wasi_functions`]), functions on
//! descriptors are judged by the descriptor (stdio by the stdio grant, files
//! by the preopen they came from), and every refusal is kept as an
//! [`AuditRecord`] until the host takes it.

mod audit;
mod config;
mod context;
mod functions;
mod linker;
mod state;
mod stdio;

pub use audit::AuditRecord;
pub use config::{OutputSink, Preopen, StdinSource, WasiConfig};
pub use context::StdStream;
pub use functions::{errno, wasi_functions, Capability, Judged, WasiFunction, WASI_MODULE};
pub(crate) use linker::wasi_linker;
pub(crate) use state::WasiState;

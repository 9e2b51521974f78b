//! Setting a store's WASI context and taking back what the guest left:
//! captured output and audit records.

use super::state::{Stdio, WasiState};
use super::{AuditRecord, WasiConfig};
use crate::error::Error;
use crate::store::Store;

/// A standard output stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdStream {
    /// Standard output (descriptor 1 at start).
    Stdout,
    /// Standard error (descriptor 2 at start).
    Stderr,
}

impl Store {
    /// Gives this store's WASI guests their context: arguments, environment,
    /// preopens, stdio and what else they are granted. Replaces any earlier
    /// context (descriptors the guest opened are closed with it). A store
    /// that never gets one refuses every WASI call that needs a grant.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when a preopened directory cannot be
    /// opened; [`Error::Busy`] as for [`Store::with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use cwasm_core::{Engine, EngineConfig, OutputSink, StdStream, Store, StoreOptions, WasiConfig, Value};
    /// let engine = Engine::shared(&EngineConfig::default())?;
    /// let store = Store::new(&engine, StoreOptions::default());
    /// store.set_wasi(WasiConfig { stdout: OutputSink::Capture { limit: 1024 }, ..WasiConfig::default() })?;
    /// let module = cwasm_core::Module::compile(&engine, br#"(module
    ///   (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    ///   (memory (export "memory") 1)
    ///   (data (i32.const 16) "hi\n")
    ///   (func (export "_start")
    ///     (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    ///     (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#)?;
    /// let instance = store.instantiate(&module, &[])?;
    /// store.call(store.export_func(instance, "_start")?, &[])?;
    /// assert_eq!(store.take_wasi_output(StdStream::Stdout)?, b"hi\n");
    /// # Ok::<(), cwasm_core::Error>(())
    /// ```
    pub fn set_wasi(&self, config: WasiConfig) -> Result<(), Error> {
        let state = WasiState::new(config)?;
        self.with(|mut ctx| {
            ctx.data_mut().wasi = Some(Box::new(state));
            Ok(())
        })
    }

    /// Takes what the guest wrote to a captured stream so far.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn take_wasi_output(&self, stream: StdStream) -> Result<Vec<u8>, Error> {
        let s = match stream {
            StdStream::Stdout => Stdio::Out,
            StdStream::Stderr => Stdio::Err,
        };
        self.with(|mut ctx| Ok(ctx.data_mut().wasi.as_mut().map(|w| w.take_output(s)).unwrap_or_default()))
    }

    /// Takes the audit records kept so far, and how many were dropped
    /// (oldest first) because the store's buffer was full.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn take_audit(&self) -> Result<(Vec<AuditRecord>, u64), Error> {
        self.with(|mut ctx| Ok(ctx.data_mut().wasi.as_mut().map(|w| w.audit.take()).unwrap_or_default()))
    }
}

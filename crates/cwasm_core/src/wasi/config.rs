//! What the host grants one store's WASI guest. The defaults grant nothing.

use crate::host::SlotHostFn;
use std::path::PathBuf;

/// A host directory the guest sees under a name of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preopen {
    /// The host directory.
    pub host: PathBuf,
    /// The name the guest opens it by (e.g. `/data` or `.`).
    pub guest: String,
    /// `true`: the guest may read but not create, change, rename or remove
    /// anything under it.
    pub read_only: bool,
}

/// Where the guest's standard input comes from.
#[derive(Clone, Default)]
pub enum StdinSource {
    /// Nothing: reads see end of file. The default.
    #[default]
    Empty,
    /// These bytes, then end of file.
    Bytes(Vec<u8>),
    /// The host process's standard input.
    Inherit,
    /// Asked for on each read: the function gets the most bytes the guest
    /// wants (a little-endian `u32`) and returns up to that many, or none
    /// for end of file. It runs while the guest waits, like a host function.
    Pull(SlotHostFn),
    /// Reads are refused with `ERRNO_NOTCAPABLE` and audited.
    Denied,
}

/// Where the guest's standard output (or error) goes.
#[derive(Clone, Default)]
pub enum OutputSink {
    /// Kept in the store, at most `limit` bytes; writes past the limit get
    /// `ERRNO_FBIG` and are audited. Taken with
    /// [`Store::take_wasi_output`](crate::Store::take_wasi_output).
    Capture {
        /// Most bytes kept.
        limit: usize,
    },
    /// Handed to the function as they are written, while the guest waits
    /// (so a slow consumer slows the guest instead of growing a buffer).
    Stream(SlotHostFn),
    /// The host process's own stream.
    Inherit,
    /// Accepted and dropped.
    Discard,
    /// Writes are refused with `ERRNO_NOTCAPABLE` and audited. The default.
    #[default]
    Denied,
}

/// The WASI context of a store: everything a guest may see and touch.
///
/// [`WasiConfig::default`] grants nothing: no arguments, no environment, no
/// preopens, no clocks or random, empty stdin, stdout and stderr refused.
///
/// # Examples
///
/// ```
/// use cwasm_core::{OutputSink, WasiConfig};
/// let config = WasiConfig {
///     args: vec!["tool.wasm".into(), "--quiet".into()],
///     stdout: OutputSink::Capture { limit: 1 << 20 },
///     clocks: true,
///     ..WasiConfig::default()
/// };
/// assert!(config.env.is_none());
/// ```
#[derive(Clone, Default)]
pub struct WasiConfig {
    /// `argv`, `argv[0]` included. Default empty.
    pub args: Vec<String>,
    /// The environment, or `None` when it is not granted (`environ_*` are
    /// then refused). Default `None`.
    pub env: Option<Vec<(String, String)>>,
    /// Directories the guest may open. Default none.
    pub preopens: Vec<Preopen>,
    /// Standard input. Default [`StdinSource::Empty`].
    pub stdin: StdinSource,
    /// Standard output. Default [`OutputSink::Denied`].
    pub stdout: OutputSink,
    /// Standard error. Default [`OutputSink::Denied`].
    pub stderr: OutputSink,
    /// `clock_time_get`, `clock_res_get` and `poll_oneoff`. Default `false`.
    pub clocks: bool,
    /// `random_get`. Default `false`.
    pub random: bool,
    /// Most bytes one WASI call may copy out of guest memory (Wasmtime's
    /// "hostcall fuel"). Default `None` (Wasmtime's default).
    pub host_call_bytes: Option<usize>,
    /// How many audit records the store keeps before dropping the oldest.
    /// Default 0, which means 1,024.
    pub audit_capacity: usize,
}

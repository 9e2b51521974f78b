//! The WASI state a store keeps: wasmtime-wasi's context, the grants it was
//! made with, where stdio goes, and the audit records.

use super::audit::{now_ms, AuditBuffer, AuditRecord};
use super::config::{OutputSink, StdinSource, WasiConfig};
use super::functions::{Capability, WasiFunction};
use crate::error::Error;
use crate::host::SlotHostFn;
use std::sync::Arc;
use wasmtime_wasi::clocks::MonotonicClock;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::HostMonotonicClock;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

/// Which standard stream a descriptor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stdio {
    In,
    Out,
    Err,
}

/// What the guest was granted, by capability.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Grants {
    fs_read: bool,
    env: bool,
    clock: bool,
    random: bool,
}

impl Grants {
    pub(crate) fn allows(&self, c: Capability) -> bool {
        match c {
            Capability::FsRead => self.fs_read,
            // With any preopen the filesystem is granted, and a change under
            // a read-only one gets wasmtime-wasi's own answer (EPERM, audited),
            // so a guest sees the same errno whatever else is preopened. The
            // host's load-time check still refuses fs-write imports in strict
            // mode when no preopen is writable.
            Capability::FsWrite => self.fs_read,
            Capability::Env => self.env,
            Capability::Clock | Capability::Poll => self.clock,
            Capability::Random => self.random,
            Capability::Args | Capability::Proc => true,
            Capability::Sockets => false,
        }
    }
}

/// Where a standard output stream goes once wasmtime-wasi is out of the way.
pub(crate) enum Output {
    Capture { buf: Vec<u8>, limit: usize },
    Stream(SlotHostFn),
    Discard,
    Denied,
    /// Handled by wasmtime-wasi itself (inherited).
    Wasmtime,
}

/// Where standard input comes from once wasmtime-wasi is out of the way.
pub(crate) enum Input {
    Pull { f: SlotHostFn, pending: Vec<u8>, ended: bool },
    Denied,
    /// Handled by wasmtime-wasi itself (empty, bytes, inherited).
    Wasmtime,
}

/// One store's WASI guest state.
pub(crate) struct WasiState {
    pub(crate) ctx: WasiP1Ctx,
    pub(crate) grants: Grants,
    /// Descriptors that are standard streams right now (renumbering and
    /// closing move them).
    stdio: Vec<(u32, Stdio)>,
    pub(crate) stdin: Input,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
    pub(crate) audit: AuditBuffer,
    pub(crate) host_call_bytes: Option<usize>,
    /// The monotonic clock wasmtime-wasi reads, shared so `clock_time_get`
    /// can read the very same clock without going through the context.
    pub(crate) monotonic: Arc<MonotonicClock>,
}

/// wasmtime-wasi's own monotonic clock, behind an `Arc`.
struct SharedMonotonic(Arc<MonotonicClock>);

impl HostMonotonicClock for SharedMonotonic {
    fn resolution(&self) -> u64 {
        self.0.resolution()
    }
    fn now(&self) -> u64 {
        self.0.now()
    }
}

const DEFAULT_AUDIT_CAPACITY: usize = 1024;

impl WasiState {
    /// The state of a store whose host set no WASI context: nothing granted.
    pub(crate) fn deny_all() -> Result<WasiState, Error> {
        WasiState::new(WasiConfig::default())
    }

    /// Builds the context.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when a preopened directory cannot be opened.
    pub(crate) fn new(config: WasiConfig) -> Result<WasiState, Error> {
        let mut b = WasiCtxBuilder::new();
        // Files are read and written on the calling thread, as the wasmtime
        // CLI does, instead of hopping to tokio's blocking pool.
        b.allow_blocking_current_thread(true);
        let monotonic = Arc::new(MonotonicClock::new());
        b.monotonic_clock(SharedMonotonic(monotonic.clone()));
        b.args(&config.args);
        if let Some(env) = &config.env {
            b.envs(env);
        }
        for p in &config.preopens {
            let perms = if p.read_only { FsPerms::ReadOnly } else { FsPerms::ReadWrite };
            b.preopened_dir(&p.host, &p.guest, perms).map_err(|e| {
                Error::invalid(format!("cannot preopen the host directory {} as {}: {e:#}", p.host.display(), p.guest))
            })?;
        }
        let stdin = match config.stdin {
            StdinSource::Empty => Input::Wasmtime,
            StdinSource::Bytes(bytes) => {
                b.stdin(MemoryInputPipe::new(bytes));
                Input::Wasmtime
            }
            StdinSource::Inherit => {
                b.inherit_stdin();
                Input::Wasmtime
            }
            StdinSource::Pull(f) => Input::Pull { f, pending: Vec::new(), ended: false },
            StdinSource::Denied => Input::Denied,
        };
        let stdout = output(config.stdout, || {
            b.inherit_stdout();
        });
        let stderr = output(config.stderr, || {
            b.inherit_stderr();
        });
        let grants = Grants {
            fs_read: !config.preopens.is_empty(),
            env: config.env.is_some(),
            clock: config.clocks,
            random: config.random,
        };
        let capacity = if config.audit_capacity == 0 { DEFAULT_AUDIT_CAPACITY } else { config.audit_capacity };
        Ok(WasiState {
            ctx: b.build_p1(),
            grants,
            stdio: vec![(0, Stdio::In), (1, Stdio::Out), (2, Stdio::Err)],
            stdin,
            stdout,
            stderr,
            audit: AuditBuffer::new(capacity),
            host_call_bytes: config.host_call_bytes,
            monotonic,
        })
    }

    /// Which standard stream `fd` is, if it is one.
    pub(crate) fn stdio_of(&self, fd: u32) -> Option<Stdio> {
        self.stdio.iter().find(|(f, _)| *f == fd).map(|(_, s)| *s)
    }

    /// Follows a successful `fd_close`.
    pub(crate) fn closed(&mut self, fd: u32) {
        self.stdio.retain(|(f, _)| *f != fd);
    }

    /// Follows a successful `fd_renumber(from, to)`.
    pub(crate) fn renumbered(&mut self, from: u32, to: u32) {
        if from == to {
            return;
        }
        self.stdio.retain(|(f, _)| *f != to);
        for (f, _) in self.stdio.iter_mut() {
            if *f == from {
                *f = to;
            }
        }
    }

    /// The output a descriptor's stream goes to.
    pub(crate) fn output_mut(&mut self, s: Stdio) -> &mut Output {
        if s == Stdio::Err {
            &mut self.stderr
        } else {
            &mut self.stdout
        }
    }

    /// Records a refusal.
    pub(crate) fn record(&mut self, f: &WasiFunction, fd: Option<u32>, path: Option<String>, errno: i32, reason: String) {
        self.audit.push(AuditRecord { time_ms: now_ms(), function: f.name, capability: f.capability.as_str(), fd, path, errno, reason });
    }

    /// Takes what was captured of a stream.
    pub(crate) fn take_output(&mut self, s: Stdio) -> Vec<u8> {
        match self.output_mut(s) {
            Output::Capture { buf, .. } => std::mem::take(buf),
            _ => Vec::new(),
        }
    }
}

fn output(sink: OutputSink, inherit: impl FnOnce()) -> Output {
    match sink {
        OutputSink::Capture { limit } => Output::Capture { buf: Vec::new(), limit },
        OutputSink::Stream(f) => Output::Stream(f),
        OutputSink::Discard => Output::Discard,
        OutputSink::Denied => Output::Denied,
        OutputSink::Inherit => {
            inherit();
            Output::Wasmtime
        }
    }
}

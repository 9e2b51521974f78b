//! WASI contexts of stores: options in, captured output and audit records
//! out. The sandbox policy lives in `packages/wasm/src/sandbox`; these
//! options are already the effective grants.

use crate::binding_host::js_host_fn;
use crate::binding_store::BindingStore;
use crate::convert::byte_count;
use crate::error::guard;
use cwasm_core::{Error, Judged, OutputSink, Preopen, StdStream, StdinSource, WasiConfig};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;

/// A host directory the guest sees under its own name.
#[napi(object)]
pub struct BindingPreopen {
    /// The host directory (absolute).
    pub host: String,
    /// The name the guest opens it by.
    pub guest: String,
    /// `true`: reads only.
    pub read_only: bool,
}

/// One environment variable.
#[napi(object)]
pub struct BindingEnvVar {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// Where a standard output stream goes.
#[napi(object)]
pub struct BindingOutput {
    /// `capture`, `stream`, `inherit`, `discard` or `deny`.
    pub mode: String,
    /// Most bytes kept, for `capture`. Required for `capture`.
    pub limit: Option<f64>,
    /// The host dispatcher id of the function chunks go to, for `stream`. Required for `stream`.
    pub host_id: Option<u32>,
}

/// The WASI context of a store (see `cwasm_core::WasiConfig`).
#[napi(object)]
pub struct BindingWasiOptions {
    /// `argv`, `argv[0]` included.
    /// @default []
    pub args: Vec<String>,
    /// The environment; absent when it is not granted.
    /// @default undefined (not granted)
    pub env: Option<Vec<BindingEnvVar>>,
    /// Preopened directories.
    /// @default []
    pub preopens: Vec<BindingPreopen>,
    /// `empty`, `bytes`, `inherit`, `pull` or `deny`.
    /// @default 'empty'
    pub stdin: Option<String>,
    /// The bytes, for `stdin: 'bytes'`.
    /// @default undefined
    pub stdin_bytes: Option<Uint8Array>,
    /// The host dispatcher id of the pull function, for `stdin: 'pull'`.
    /// @default undefined
    pub stdin_host_id: Option<u32>,
    /// Standard output.
    /// @default { mode: 'deny' }
    pub stdout: Option<BindingOutput>,
    /// Standard error.
    /// @default { mode: 'deny' }
    pub stderr: Option<BindingOutput>,
    /// Clocks and `poll_oneoff`.
    /// @default false
    pub clocks: Option<bool>,
    /// `random_get`.
    /// @default false
    pub random: Option<bool>,
    /// Most bytes one WASI call may copy out of guest memory.
    /// @default undefined (Wasmtime's default)
    pub host_call_bytes: Option<f64>,
    /// Audit records kept before the oldest are dropped.
    /// @default 1024
    pub audit_capacity: Option<u32>,
}

/// One refusal of the sandbox.
#[napi(object)]
pub struct BindingAuditRecord {
    /// Milliseconds since the Unix epoch.
    pub time_ms: f64,
    /// The WASI function.
    pub function: String,
    /// Its capability group.
    pub capability: String,
    /// The descriptor, if any.
    pub fd: Option<u32>,
    /// The path, if any.
    pub path: Option<String>,
    /// The errno the guest got.
    pub errno: i32,
    /// Its name as wasi-libc spells it, lowercase (`notcapable`, `perm`, …).
    pub errno_name: String,
    /// Why.
    pub reason: String,
}

/// The audit records a store kept, and how many it dropped.
#[napi(object)]
pub struct BindingAudit {
    /// Records, oldest first.
    pub records: Vec<BindingAuditRecord>,
    /// Records dropped because the store's buffer was full.
    pub dropped: f64,
}

/// One WASI preview 1 function and how the sandbox judges it.
#[napi(object)]
pub struct BindingWasiFunction {
    /// Import name.
    pub name: String,
    /// Capability group (`fs-read`, `env`, …).
    pub capability: String,
    /// `always`, `capability` (refused at load in strict mode) or `descriptor` (judged per call).
    pub judged: String,
}

fn output(o: Option<BindingOutput>, which: &str) -> Result<OutputSink, Error> {
    let Some(o) = o else { return Ok(OutputSink::Denied) };
    Ok(match o.mode.as_str() {
        "capture" => {
            let limit = o.limit.ok_or_else(|| Error::InvalidArgument { message: format!("{which}.limit is required for capture") })?;
            OutputSink::Capture { limit: byte_count(limit, &format!("{which}.limit"))? }
        }
        "stream" => {
            let id = o.host_id.ok_or_else(|| Error::InvalidArgument { message: format!("{which}.hostId is required for stream") })?;
            OutputSink::Stream(js_host_fn(id)?)
        }
        "inherit" => OutputSink::Inherit,
        "discard" => OutputSink::Discard,
        "deny" => OutputSink::Denied,
        other => return Err(Error::InvalidArgument { message: format!("{which}.mode '{other}' is not capture, stream, inherit, discard or deny") }),
    })
}

fn config(o: BindingWasiOptions) -> Result<WasiConfig, Error> {
    let stdin = match o.stdin.as_deref().unwrap_or("empty") {
        "empty" => StdinSource::Empty,
        "bytes" => StdinSource::Bytes(o.stdin_bytes.map(|b| b.to_vec()).unwrap_or_default()),
        "inherit" => StdinSource::Inherit,
        "pull" => {
            let id = o.stdin_host_id.ok_or_else(|| Error::InvalidArgument { message: "stdinHostId is required for pull".into() })?;
            StdinSource::Pull(js_host_fn(id)?)
        }
        "deny" => StdinSource::Denied,
        other => return Err(Error::InvalidArgument { message: format!("stdin '{other}' is not empty, bytes, inherit, pull or deny") }),
    };
    Ok(WasiConfig {
        args: o.args,
        env: o.env.map(|vars| vars.into_iter().map(|v| (v.name, v.value)).collect()),
        preopens: o.preopens.into_iter().map(|p| Preopen { host: p.host.into(), guest: p.guest, read_only: p.read_only }).collect(),
        stdin,
        stdout: output(o.stdout, "stdout")?,
        stderr: output(o.stderr, "stderr")?,
        clocks: o.clocks.unwrap_or(false),
        random: o.random.unwrap_or(false),
        host_call_bytes: o.host_call_bytes.map(|v| byte_count(v, "hostCallBytes")).transpose()?,
        audit_capacity: match o.audit_capacity {
            Some(c) => usize::try_from(c).map_err(|_| Error::InvalidArgument { message: format!("auditCapacity is too large: {c}") })?,
            None => 0,
        },
    })
}

#[napi]
impl BindingStore {
    /// Sets the WASI context of this store's guests.
    #[napi]
    pub fn set_wasi(&self, options: BindingWasiOptions) -> napi::Result<()> {
        guard(|| self.inner.set_wasi(config(options)?))
    }

    /// Takes what was captured of stdout (`1`) or stderr (`2`).
    #[napi]
    pub fn take_wasi_output(&self, stream: u32) -> napi::Result<Uint8Array> {
        guard(|| {
            let s = match stream {
                1 => StdStream::Stdout,
                2 => StdStream::Stderr,
                n => return Err(Error::InvalidArgument { message: format!("stream {n} is not 1 (stdout) or 2 (stderr)") }),
            };
            Ok(self.inner.take_wasi_output(s)?.into())
        })
    }

    /// Takes the audit records kept so far.
    #[napi]
    pub fn take_audit(&self) -> napi::Result<BindingAudit> {
        guard(|| {
            let (records, dropped) = self.inner.take_audit()?;
            Ok(BindingAudit {
                records: records
                    .into_iter()
                    .map(|r| BindingAuditRecord {
                        time_ms: r.time_ms as f64,
                        function: r.function.into(),
                        capability: r.capability.into(),
                        fd: r.fd,
                        path: r.path,
                        errno: r.errno,
                        errno_name: cwasm_core::errno::name(r.errno),
                        reason: r.reason,
                    })
                    .collect(),
                dropped: dropped as f64,
            })
        })
    }
}

/// Every WASI preview 1 function with its capability group.
#[napi]
pub fn wasi_functions() -> Vec<BindingWasiFunction> {
    cwasm_core::wasi_functions()
        .iter()
        .map(|f| BindingWasiFunction {
            name: f.name.into(),
            capability: f.capability.as_str().into(),
            judged: match f.judged {
                Judged::Always => "always",
                Judged::ByCapability => "capability",
                Judged::PerDescriptor => "descriptor",
            }
            .into(),
        })
        .collect()
}

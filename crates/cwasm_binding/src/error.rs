//! Core errors become JS errors whose message is a JSON object with the
//! error's data; `packages/wasm/src/errors.ts` is the one place that turns
//! that data into typed error classes.

use cwasm_core::{Error, Frame, LinkProblem};
use napi::Status;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Marks messages that carry structured error data.
pub const ERROR_PREFIX: &str = "{\"cwasm\":1,";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn opt_num<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "null".into())
}

fn opt_str(v: &Option<String>) -> String {
    v.as_deref().map(esc).unwrap_or_else(|| "null".into())
}

fn frames_json(frames: &[Frame]) -> String {
    let items: Vec<String> = frames
        .iter()
        .map(|f| {
            format!(
                "{{\"funcIndex\":{},\"funcName\":{},\"moduleName\":{},\"moduleOffset\":{}}}",
                f.func_index,
                opt_str(&f.func_name),
                opt_str(&f.module_name),
                opt_num(f.module_offset)
            )
        })
        .collect();
    format!("[{}]", items.join(","))
}

/// Serialises a core error as the JSON data object described above.
pub fn to_json(e: &Error) -> String {
    let mut extra = String::new();
    match e {
        Error::Compile { offset, line, column, .. } => {
            extra = format!(",\"offset\":{},\"line\":{},\"column\":{}", opt_num(*offset), opt_num(*line), opt_num(*column));
        }
        Error::Link { issues, .. } => {
            let items: Vec<String> = issues
                .iter()
                .map(|i| {
                    format!(
                        "{{\"module\":{},\"name\":{},\"problem\":{},\"expected\":{},\"actual\":{}}}",
                        esc(&i.module),
                        esc(&i.name),
                        esc(match i.problem {
                            LinkProblem::Missing => "missing",
                            LinkProblem::Incompatible => "incompatible",
                        }),
                        esc(&i.expected),
                        opt_str(&i.actual)
                    )
                })
                .collect();
            extra = format!(",\"issues\":[{}]", items.join(","));
        }
        Error::Trap { code, frames, .. } => {
            extra = format!(",\"trapCode\":{},\"frames\":{}", esc(code), frames_json(frames));
        }
        Error::Host { payload, frames, .. } => {
            extra = format!(",\"payload\":{},\"frames\":{}", opt_num(*payload), frames_json(frames));
        }
        Error::Exception { exn, values, frames, .. } => {
            // Slots as hex, so JS decodes them as it decodes call results.
            let values: Vec<String> = values
                .iter()
                .map(|(ty, slot)| {
                    let slot = slot.map_or_else(|| "null".to_string(), |s| esc(&s.iter().map(|b| format!("{b:02x}")).collect::<String>()));
                    format!("{{\"type\":{},\"slot\":{slot}}}", esc(ty))
                })
                .collect();
            extra = format!(",\"exn\":{exn},\"values\":[{}],\"frames\":{}", values.join(","), frames_json(frames));
        }
        Error::FuelExhausted { frames } => {
            extra = format!(",\"frames\":{}", frames_json(frames));
        }
        Error::Exit { code } => {
            extra = format!(",\"exitCode\":{code}");
        }
        Error::Timeout { limit_ms } => {
            extra = format!(",\"limitMs\":{limit_ms}");
        }
        Error::Artifact { problem, .. } => {
            extra = format!(",\"problem\":{}", esc(problem.as_str()));
        }
        _ => {}
    }
    format!("{ERROR_PREFIX}\"kind\":{},\"message\":{}{extra}}}", esc(e.kind()), esc(&e.message()))
}

/// Converts a core error into the napi error JS sees.
pub fn to_napi(e: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, to_json(&e))
}

/// Runs a binding body, turning core errors into data and panics into `bug` errors.
///
/// A panic inside a guarded body is a bug we report as `InternalError`, with
/// the message and source location the panic hook recorded; it never prints
/// to the host's stderr, which belongs to the application.
pub fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> napi::Result<T> {
    GUARD_DEPTH.with(|d| d.set(d.get() + 1));
    let r = catch_unwind(AssertUnwindSafe(f));
    GUARD_DEPTH.with(|d| d.set(d.get() - 1));
    match r {
        Ok(r) => r.map_err(to_napi),
        Err(payload) => {
            let recorded = LAST_PANIC.with(|p| p.borrow_mut().take());
            let msg = recorded.unwrap_or_else(|| {
                if let Some(s) = payload.downcast_ref::<&str>() {
                    (*s).to_string()
                } else if let Some(s) = payload.downcast_ref::<String>() {
                    s.clone()
                } else {
                    "unknown panic".to_string()
                }
            });
            Err(to_napi(Error::Bug { message: format!("a panic was caught at the binding boundary: {msg}") }))
        }
    }
}

thread_local! {
    /// How many `guard` bodies this thread is inside: a panic there is caught.
    static GUARD_DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The message and location of the last panic caught on this thread.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs, when the addon is loaded (not on every call: `guard` is on the
/// fast call path), a panic hook that records panics inside `guard` instead
/// of printing them; panics anywhere else still reach the previous hook
/// (Rust's default prints them), since nothing catches those.
#[napi_derive::module_init]
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARD_DEPTH.with(|d| d.get()) == 0 {
                previous(info);
                return;
            }
            let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = info.payload().downcast_ref::<String>() {
                s.clone()
            } else {
                "unknown panic".to_string()
            };
            let at = info.location().map(|l| format!(" (at {}:{})", l.file(), l.line())).unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg}{at}")));
        }));
    });
}

//! Call tokens and the native pool's health, for the executor
//! (`packages/wasm/src/executor/`). Policy is in `cwasm_core::cancel`.

use crate::convert::{count, token_id};
use crate::error::guard;
use cwasm_core::{CallToken, Error};
use napi_derive::napi;
use std::sync::Arc;

/// What the native pool is doing.
#[napi(object)]
pub struct BindingPoolStats {
    /// Threads in the pool (fixed for the life of the process).
    pub threads: u32,
    /// Threads running a call now.
    pub busy: u32,
    /// Calls waiting for a thread.
    pub queued: u32,
}

/// Makes a token for one call, before it is submitted; returns its id.
#[napi]
pub fn new_call_token() -> f64 {
    count(CallToken::new().id())
}

/// Cancels the call of token `id`: `dequeued` (it had not started and
/// fails at once), `stopping` (it runs and stops at its next check) or
/// `finished` (nothing changed).
#[napi]
pub fn cancel_call(id: f64) -> napi::Result<String> {
    guard(|| Ok(cwasm_core::cancel_call(token_id(id)?).as_str().to_string()))
}

/// Forgets a token whose call was never submitted.
#[napi]
pub fn discard_call_token(id: f64) -> napi::Result<()> {
    guard(|| {
        if let Some(t) = CallToken::find(token_id(id)?) {
            t.discard();
        }
        Ok(())
    })
}

/// How many call tokens are live (a leak check for tests).
#[napi]
pub fn live_call_tokens() -> f64 {
    count(cwasm_core::live_call_tokens() as u64)
}

/// What the native pool is doing now.
#[napi]
pub fn pool_stats() -> BindingPoolStats {
    let s = cwasm_core::pool_stats();
    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    BindingPoolStats { threads: n(s.threads), busy: n(s.busy), queued: n(s.queued) }
}

/// The token of id `id` (`None` for no id), for a call about to start.
pub(crate) fn token_of(id: Option<f64>) -> Result<Option<Arc<CallToken>>, Error> {
    match id {
        None => Ok(None),
        // A token gone from the table already ended: an unknown id is a
        // call cancelled and dropped before it started.
        Some(v) => CallToken::find(token_id(v)?).map(Some).ok_or(Error::Cancelled),
    }
}

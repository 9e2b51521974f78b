//! Host functions: functions the embedder provides for a guest to import.

use crate::value::Value;
use std::sync::Arc;

/// What a host function returns when it fails.
///
/// The message is shown to the user; `payload` lets the embedder find its
/// original error object again (the binding keeps the thrown JS value under
/// that id and attaches it as `cause`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    /// What went wrong.
    pub message: String,
    /// The embedder's id for the original error, if it kept one.
    pub payload: Option<u32>,
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host function failed: {}", self.message)
    }
}

impl std::error::Error for HostError {}

/// A host function: takes the guest's arguments, returns its results.
///
/// It runs while the guest waits. It may call back into the same
/// [`Store`](crate::Store) (read memory, call another export): the store
/// routes those calls through the active host call rather than deadlocking.
pub type HostFn = Arc<dyn Fn(&[Value]) -> Result<Vec<Value>, HostError> + Send + Sync>;

/// A host function whose arguments and results cross as 16-byte slots
/// (see [`Store::call_slots`](crate::Store::call_slots)).
pub type SlotHostFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, HostError> + Send + Sync>;

//! Host functions: functions the embedder provides for a guest to import.

use crate::value::Value;
use std::cell::RefCell;
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
    /// An exception object to throw into the guest instead of failing the
    /// call: its id from [`Store::new_exception`](crate::Store::new_exception).
    /// A `try_table` in the guest can catch it; uncaught, the call ends
    /// with [`Error::Exception`](crate::Error::Exception).
    pub throw: Option<u64>,
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host function failed: {}", self.message)
    }
}

impl std::error::Error for HostError {}

/// The message of [`HostError::interrupted`].
pub(crate) const INTERRUPTED: &str = "stopped waiting for the host function: the call's deadline passed or it was cancelled";

impl HostError {
    /// A host function's way to throw the exception object `exn` (from
    /// [`Store::new_exception`](crate::Store::new_exception)) into the guest.
    pub fn throw(exn: u64) -> HostError {
        HostError { message: "the host function threw a wasm exception".into(), payload: None, throw: Some(exn) }
    }

    /// What a host function returns when it gives up waiting because the
    /// call was asked to stop (see [`stop_requested`]); the call then ends
    /// with [`Error::Timeout`](crate::Error::Timeout) or
    /// [`Error::Cancelled`](crate::Error::Cancelled), not a host error.
    pub fn interrupted() -> HostError {
        HostError { message: INTERRUPTED.into(), payload: None, throw: None }
    }
}

/// What tells whether the call running a host function was asked to stop:
/// its store's interrupt flag and cancel request, and its deadline.
pub(crate) struct StopCheck {
    pub(crate) interrupt: Arc<crate::interrupt::Interrupt>,
    pub(crate) cancel: Arc<std::sync::atomic::AtomicBool>,
    pub(crate) deadline: Option<std::time::Instant>,
}

impl StopCheck {
    pub(crate) fn stopped(&self) -> bool {
        self.interrupt.reason() != crate::interrupt::NONE
            || self.cancel.load(std::sync::atomic::Ordering::Relaxed)
            || self.deadline.is_some_and(|at| std::time::Instant::now() >= at)
    }
}

thread_local! {
    static STOP: RefCell<Option<StopCheck>> = const { RefCell::new(None) };
}

/// Whether the call running the current host function on this thread has
/// been asked to stop: its deadline passed, or it was cancelled. Guest code
/// stops at its next check by itself, but while a host function runs no
/// guest code does; a host function that waits (for another thread, say)
/// polls this and returns [`HostError::interrupted`] when it turns true.
/// `false` outside host functions.
///
/// # Examples
///
/// ```
/// assert!(!cwasm_core::stop_requested());
/// ```
pub fn stop_requested() -> bool {
    STOP.with(|s| s.borrow().as_ref().is_some_and(StopCheck::stopped))
}

/// Runs `f` with `check` answering [`stop_requested`] on this thread.
pub(crate) fn with_stop_check<R>(check: StopCheck, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<StopCheck>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            STOP.with(|s| *s.borrow_mut() = prev);
        }
    }
    let _restore = Restore(STOP.with(|s| s.borrow_mut().replace(check)));
    f()
}

/// A host function: takes the guest's arguments, returns its results.
///
/// It runs while the guest waits. It may call back into the same
/// [`Store`](crate::Store) (read memory, call another export): the store
/// routes those calls through the active host call rather than deadlocking.
pub type HostFn = Arc<dyn Fn(&[Value]) -> Result<Vec<Value>, HostError> + Send + Sync>;

/// A host function whose arguments and results cross as 16-byte slots
/// (see [`Store::call_slots`](crate::Store::call_slots)).
pub type SlotHostFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, HostError> + Send + Sync>;

//! Cancelling one call, whatever stage it is at: the [`CallToken`].
//!
//! The rule (also in the README): a cancel that comes **before the call
//! starts** takes it off the pool's queue and it fails with
//! [`Error::Cancelled`] at once; one that comes **while it runs** stops the
//! guest at its next check, and the call fails with [`Error::Cancelled`]
//! even if the guest returned before reaching a check (the cancel came
//! first); one that comes **after it finished** does nothing, to it or to
//! the next call on the same store.
//!
//! The last point is why a token exists at all: raising a store's stop flag
//! directly cannot tell "this call" from "the next call on this store". A
//! token is begun and ended while its store is held (see `call.rs`), and a
//! cancel raises the flag only while the token is running, under the
//! token's lock; so the flag can only ever stop the call it was meant for.

use crate::config::Interrupts;
use crate::error::Error;
use crate::interrupt::{self, Interrupt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Where a call is in its life.
enum Stage {
    /// Made, not started (waiting for a pool thread, or not yet submitted).
    Waiting,
    /// Running in a store: how to stop it, and whether that was asked.
    Running { interrupt: Arc<Interrupt>, cancel: Arc<AtomicBool>, flags: bool, cancelled: bool },
    /// Cancelled before it started.
    Cancelled,
    /// Ended (returned, trapped, or stopped).
    Finished,
}

/// What [`cancel_call`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The call had not started: it will fail with [`Error::Cancelled`]
    /// without running (and was taken off the pool's queue if it was there).
    Dequeued,
    /// The call was running: its guest stops at its next check.
    Stopping,
    /// The call had already finished (or the id is unknown): nothing changed.
    Finished,
}

impl CancelOutcome {
    /// `dequeued`, `stopping` or `finished`.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelOutcome::Dequeued => "dequeued",
            CancelOutcome::Stopping => "stopping",
            CancelOutcome::Finished => "finished",
        }
    }
}

/// One call's cancellation handle, findable by its id from any thread.
///
/// # Examples
///
/// ```
/// use cwasm_core::{cancel_call, CallToken, CancelOutcome};
/// let token = CallToken::new();
/// // Not started yet: cancelling takes it off the queue.
/// assert_eq!(cancel_call(token.id()), CancelOutcome::Dequeued);
/// assert!(token.is_cancelled());
/// // A second cancel, or one for an unknown id, changes nothing.
/// assert_eq!(cancel_call(token.id()), CancelOutcome::Finished);
/// ```
pub struct CallToken {
    id: u64,
    stage: Mutex<Stage>,
}

static NEXT: AtomicU64 = AtomicU64::new(1);
static TOKENS: OnceLock<Mutex<HashMap<u64, Arc<CallToken>>>> = OnceLock::new();

fn tokens() -> MutexGuard<'static, HashMap<u64, Arc<CallToken>>> {
    match TOKENS.get_or_init(|| Mutex::new(HashMap::new())).lock() {
        Ok(t) => t,
        Err(p) => p.into_inner(),
    }
}

impl CallToken {
    /// Makes a token for a call that has not started, findable by [`CallToken::id`].
    pub fn new() -> Arc<CallToken> {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let t = Arc::new(CallToken { id, stage: Mutex::new(Stage::Waiting) });
        tokens().insert(id, t.clone());
        t
    }

    /// The token with this id, while its call has not ended.
    pub fn find(id: u64) -> Option<Arc<CallToken>> {
        tokens().get(&id).cloned()
    }

    /// Its process-wide id (below 2^53, so it survives a JS number).
    pub fn id(&self) -> u64 {
        self.id
    }

    fn stage(&self) -> MutexGuard<'_, Stage> {
        match self.stage.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    /// Whether it was cancelled before it started.
    pub fn is_cancelled(&self) -> bool {
        matches!(*self.stage(), Stage::Cancelled)
    }

    /// Forgets the token without running its call (the call was never
    /// submitted). Idempotent.
    pub fn discard(&self) {
        tokens().remove(&self.id);
    }

    /// Cancels the call; see [`cancel_call`].
    pub fn cancel(&self) -> CancelOutcome {
        let outcome = {
            let mut stage = self.stage();
            match &mut *stage {
                Stage::Waiting => {
                    *stage = Stage::Cancelled;
                    CancelOutcome::Dequeued
                }
                Stage::Running { interrupt, cancel, flags, cancelled } => {
                    *cancelled = true;
                    if *flags {
                        interrupt.raise(interrupt::CANCEL);
                    } else {
                        cancel.store(true, Ordering::SeqCst);
                    }
                    CancelOutcome::Stopping
                }
                Stage::Cancelled | Stage::Finished => CancelOutcome::Finished,
            }
        };
        if outcome == CancelOutcome::Dequeued {
            // Off the pool's queue, if it waits there: it then runs at once
            // on this thread, finds itself cancelled and fails without
            // touching its store.
            crate::executor::dequeue(self.id);
        }
        outcome
    }

    /// Marks the call running in a store whose stop flags are `interrupt`
    /// and `cancel`. Called with the store held.
    ///
    /// # Errors
    ///
    /// [`Error::Cancelled`] when it was cancelled before it started.
    pub(crate) fn begin(&self, interrupt: &Arc<Interrupt>, cancel: &Arc<AtomicBool>, mode: Interrupts) -> Result<(), Error> {
        let mut stage = self.stage();
        match *stage {
            Stage::Waiting => {
                *stage = Stage::Running {
                    interrupt: interrupt.clone(),
                    cancel: cancel.clone(),
                    flags: mode == Interrupts::Flag,
                    cancelled: false,
                };
                Ok(())
            }
            Stage::Cancelled => {
                drop(stage);
                self.discard();
                Err(Error::Cancelled)
            }
            Stage::Running { .. } | Stage::Finished => Err(Error::bug("a call token was used for two calls")),
        }
    }

    /// Marks the call ended; returns whether it was cancelled while it ran.
    /// Called with the store still held, before its stop flags are lowered:
    /// a cancel after this changes nothing.
    pub(crate) fn end(&self) -> bool {
        let was = {
            let mut stage = self.stage();
            let was = matches!(*stage, Stage::Running { cancelled: true, .. });
            *stage = Stage::Finished;
            was
        };
        self.discard();
        was
    }
}

/// Cancels the call whose token has this id, at whatever stage it is (see
/// the module docs): before it starts it is dequeued and fails at once,
/// while it runs the guest stops at its next check, after it finished
/// nothing happens.
pub fn cancel_call(id: u64) -> CancelOutcome {
    match CallToken::find(id) {
        Some(t) => t.cancel(),
        None => CancelOutcome::Finished,
    }
}

/// How many tokens are live (made and not yet ended or discarded): a leak check.
pub fn live_call_tokens() -> usize {
    tokens().len()
}

//! Stopping a running call: the flag that woven checks read (see
//! `instrument.rs`), and the watchdog thread that raises it at deadlines.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Why the flag was raised.
pub(crate) const NONE: u8 = 0;
pub(crate) const TIMEOUT: u8 = 1;
pub(crate) const CANCEL: u8 = 2;

/// The interrupt flags of one store: one byte per instance, in each
/// instance's flag memory.
#[derive(Default)]
pub(crate) struct Interrupt {
    /// Addresses of the flag bytes. Cleared before the store's memories go away.
    flags: Mutex<Vec<usize>>,
    reason: AtomicU8,
}

impl Interrupt {
    /// Sets every flag of the store: its running code traps at the next check.
    pub(crate) fn raise(&self, reason: u8) {
        let _ = self.reason.compare_exchange(NONE, reason, Ordering::SeqCst, Ordering::SeqCst);
        if let Ok(flags) = self.flags.lock() {
            for &p in flags.iter() {
                // SAFETY: `p` is the first byte of a live one-page flag memory
                // (removed from the list before the store is dropped); guests
                // only read it.
                unsafe { AtomicU8::from_ptr(p as *mut u8) }.store(1, Ordering::SeqCst);
            }
        }
    }

    /// Why the flag is up, if it is.
    pub(crate) fn reason(&self) -> u8 {
        self.reason.load(Ordering::SeqCst)
    }

    /// Lowers every flag after a call.
    pub(crate) fn clear(&self) {
        if self.reason.swap(NONE, Ordering::SeqCst) == NONE {
            return;
        }
        if let Ok(flags) = self.flags.lock() {
            for &p in flags.iter() {
                // SAFETY: as in `raise`.
                unsafe { AtomicU8::from_ptr(p as *mut u8) }.store(0, Ordering::SeqCst);
            }
        }
    }

    /// Adds an instance's flag byte (raised at once if a stop is pending).
    pub(crate) fn add(&self, p: *mut u8) {
        if let Ok(mut flags) = self.flags.lock() {
            flags.push(p as usize);
            if self.reason() != NONE {
                // SAFETY: `p` was just taken from a live flag memory.
                unsafe { AtomicU8::from_ptr(p) }.store(1, Ordering::SeqCst);
            }
        }
    }

    /// Forgets every flag byte (the store is going away).
    pub(crate) fn forget(&self) {
        if let Ok(mut flags) = self.flags.lock() {
            flags.clear();
        }
    }
}

/// How often the watchdog looks at deadlines: a call overruns its deadline
/// by at most about this much.
pub const WATCHDOG_TICK: Duration = Duration::from_millis(1);

struct Watched {
    at: Instant,
    target: Arc<Interrupt>,
}

static ACTIVE: OnceLock<Mutex<Vec<Option<Watched>>>> = OnceLock::new();

fn active() -> &'static Mutex<Vec<Option<Watched>>> {
    ACTIVE.get_or_init(|| {
        let _ = std::thread::Builder::new().name("cwasm-watchdog".into()).spawn(|| loop {
            std::thread::sleep(WATCHDOG_TICK);
            let now = Instant::now();
            if let Ok(list) = active().lock() {
                for w in list.iter().flatten() {
                    if now >= w.at {
                        w.target.raise(TIMEOUT);
                    }
                }
            }
        });
        Mutex::new(Vec::new())
    })
}

/// Watches `target` until `at`; returns a ticket for [`unwatch`].
pub(crate) fn watch(at: Instant, target: &Arc<Interrupt>) -> usize {
    let mut list = match active().lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    let entry = Some(Watched { at, target: target.clone() });
    if let Some(i) = list.iter().position(Option::is_none) {
        list[i] = entry;
        i
    } else {
        list.push(entry);
        list.len() - 1
    }
}

/// Stops watching (the call ended).
pub(crate) fn unwatch(ticket: usize) {
    let mut list = match active().lock() {
        Ok(l) => l,
        Err(p) => p.into_inner(),
    };
    if let Some(slot) = list.get_mut(ticket) {
        *slot = None;
    }
    while matches!(list.last(), Some(None)) {
        list.pop();
    }
}

//! The native thread pool that runs guest calls off the caller's thread.
//!
//! Node's libuv pool has four threads shared with fs, dns and crypto; a
//! long guest there would stall them. These threads are ours alone, sized
//! to the machine, with a native stack well above the wasm stack limit.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A queued job, and the id of the call token that can take it off the
/// queue (0: none).
struct Entry {
    token: u64,
    job: Job,
}

struct Pool {
    queue: Mutex<VecDeque<Entry>>,
    ready: Condvar,
    threads: usize,
    /// Threads running a job right now.
    busy: AtomicUsize,
}

/// What the pool is doing, for health checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Threads in the pool (fixed for the life of the process).
    pub threads: usize,
    /// Threads running a job now (it may lag an instant behind a job's end).
    pub busy: usize,
    /// Jobs waiting for a thread.
    pub queued: usize,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Native stack of each pool thread: far above the default 512 KiB wasm
/// stack limit, so host frames above the guest always fit.
const THREAD_STACK: usize = 16 << 20;

fn pool() -> &'static Pool {
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2);
        for i in 0..threads {
            let _ = std::thread::Builder::new()
                .name(format!("cwasm-exec-{i}"))
                .stack_size(THREAD_STACK)
                .spawn(worker);
        }
        Pool { queue: Mutex::new(VecDeque::new()), ready: Condvar::new(), threads, busy: AtomicUsize::new(0) }
    })
}

fn worker() {
    // The pool is initialised before any thread runs this (spawn happens
    // inside get_or_init, but the closure waits for the OnceLock).
    let p = pool();
    loop {
        let job = {
            let mut q = lock(p);
            loop {
                if let Some(entry) = q.pop_front() {
                    p.busy.fetch_add(1, Ordering::SeqCst);
                    break entry.job;
                }
                q = match p.ready.wait(q) {
                    Ok(q) => q,
                    Err(poisoned) => poisoned.into_inner(),
                };
            }
        };
        // A panicking job must not take the thread down with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        p.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock(p: &Pool) -> MutexGuard<'_, VecDeque<Entry>> {
    match p.queue.lock() {
        Ok(q) => q,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Runs `job` on the pool. Jobs start in order as threads free up.
///
/// # Examples
///
/// ```
/// let (tx, rx) = std::sync::mpsc::channel();
/// cwasm_core::spawn(move || tx.send(6 * 7).unwrap());
/// assert_eq!(rx.recv().unwrap(), 42);
/// ```
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    spawn_call(0, job);
}

/// Runs `job` on the pool, findable in the queue under the id of its call's
/// [`CallToken`](crate::CallToken): cancelling the token before a thread
/// takes the job removes it from the queue and runs it at once on the
/// cancelling thread, where it finds its token cancelled and fails without
/// running the guest.
pub fn spawn_call(token: u64, job: impl FnOnce() + Send + 'static) {
    let p = pool();
    let mut q = lock(p);
    q.push_back(Entry { token, job: Box::new(job) });
    drop(q);
    p.ready.notify_one();
}

/// Takes the job of call `token` off the queue, if it is there, and runs it here.
pub(crate) fn dequeue(token: u64) {
    if token == 0 {
        return;
    }
    let Some(p) = POOL.get() else { return };
    let job = {
        let mut q = lock(p);
        q.iter().position(|e| e.token == token).and_then(|i| q.remove(i))
    };
    if let Some(entry) = job {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(entry.job));
    }
}

/// What the pool is doing now.
///
/// # Examples
///
/// ```
/// let s = cwasm_core::pool_stats();
/// assert!(s.threads >= 2 && s.busy <= s.threads);
/// ```
pub fn pool_stats() -> PoolStats {
    let p = pool();
    let queued = lock(p).len();
    PoolStats { threads: p.threads, busy: p.busy.load(Ordering::SeqCst), queued }
}

/// How many threads the pool has (fixed for the life of the process).
pub fn pool_threads() -> usize {
    pool().threads
}

//! The native thread pool that runs guest calls off the caller's thread.
//!
//! Node's libuv pool has four threads shared with fs, dns and crypto; a
//! long guest there would stall them. These threads are ours alone, sized
//! to the machine, with a native stack well above the wasm stack limit.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Pool {
    queue: Mutex<VecDeque<Job>>,
    ready: Condvar,
    threads: usize,
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
        Pool { queue: Mutex::new(VecDeque::new()), ready: Condvar::new(), threads }
    })
}

fn worker() {
    // The pool is initialised before any thread runs this (spawn happens
    // inside get_or_init, but the closure waits for the OnceLock).
    let p = pool();
    loop {
        let job = {
            let mut q = match p.queue.lock() {
                Ok(q) => q,
                Err(poisoned) => poisoned.into_inner(),
            };
            loop {
                if let Some(job) = q.pop_front() {
                    break job;
                }
                q = match p.ready.wait(q) {
                    Ok(q) => q,
                    Err(poisoned) => poisoned.into_inner(),
                };
            }
        };
        // A panicking job must not take the thread down with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
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
    let p = pool();
    let mut q = match p.queue.lock() {
        Ok(q) => q,
        Err(poisoned) => poisoned.into_inner(),
    };
    q.push_back(Box::new(job));
    drop(q);
    p.ready.notify_one();
}

/// How many threads the pool has (fixed for the life of the process).
pub fn pool_threads() -> usize {
    pool().threads
}

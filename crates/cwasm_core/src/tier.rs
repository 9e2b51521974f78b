//! Tiered compilation (`compiler: 'auto'`): a module without cached code
//! starts on Winch code and moves to Cranelift code compiled in the
//! background.
//!
//! A [`Module`] holds up to two compiled forms ([`Code`]): the *main* one,
//! for the engine's main Wasmtime engine (the one caches and artifacts
//! hold), and the *baseline* one, for its Winch engine. A Wasmtime store
//! belongs to one Wasmtime engine, and the two compilers call functions
//! differently, so a store runs one tier: [`crate::Store::for_module`]
//! picks the main engine when the module's main code is ready and the
//! baseline one otherwise, and everything instantiated into a store uses
//! that store's tier. Instances never change code; new ones get the best
//! there is.
//!
//! The background is one queue for the process, one module at a time (a
//! burst of new modules costs one compile's memory, not one per module), run
//! in a thread pool of its own whose threads have low priority (nice 10)
//! and number all cores but one, so calls running on Winch code keep a core.
//! Whoever needs a module's main code now (a store made without a module,
//! an artifact to write) compiles it on its own thread if the background
//! has not started, or waits for the background compile that has.

use crate::error::Error;
use crate::module::Module;
use crate::store_data::StoreData;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// One compiled form of a module.
pub(crate) struct Code {
    pub(crate) module: wasmtime::Module,
    /// For modules whose imports are all WASI (or none): instantiation with
    /// everything resolved up front, made on first use.
    pub(crate) pre: OnceLock<Option<wasmtime::InstancePre<StoreData>>>,
}

impl Code {
    pub(crate) fn new(module: wasmtime::Module) -> Arc<Code> {
        Arc::new(Code { module, pre: OnceLock::new() })
    }
}

/// Where a module's main code is.
enum State {
    /// Not compiled yet; the bytes to compile (woven, binary).
    Queued(Arc<[u8]>),
    /// Being compiled (by the background or by a caller).
    Running,
    /// In `Tiers::main`.
    Done,
    /// The compile failed; the module stays on its baseline code.
    Failed(Error),
}

type Listener = Box<dyn FnOnce(&Module) + Send>;

/// A module's compiled forms, shared by its clones.
pub(crate) struct Tiers {
    pub(crate) main: OnceLock<Arc<Code>>,
    pub(crate) baseline: OnceLock<Arc<Code>>,
    state: Mutex<State>,
    changed: Condvar,
    /// Run once the main code exists (writing the disk cache entry).
    listeners: Mutex<Vec<Listener>>,
    /// When the baseline code was ready, and how long the main code took after that.
    since: Instant,
    tier_up: OnceLock<Duration>,
}

impl Tiers {
    /// A module that has its main code.
    pub(crate) fn main(code: wasmtime::Module) -> Arc<Tiers> {
        let t = Tiers::with_state(State::Done);
        let _ = t.main.set(Code::new(code));
        Arc::new(t)
    }

    /// A module that runs `code` (Winch) until the main code of `woven` is compiled.
    pub(crate) fn baseline(code: wasmtime::Module, woven: Arc<[u8]>) -> Arc<Tiers> {
        let t = Tiers::with_state(State::Queued(woven));
        let _ = t.baseline.set(Code::new(code));
        Arc::new(t)
    }

    fn with_state(state: State) -> Tiers {
        Tiers {
            main: OnceLock::new(),
            baseline: OnceLock::new(),
            state: Mutex::new(state),
            changed: Condvar::new(),
            listeners: Mutex::new(Vec::new()),
            since: Instant::now(),
            tier_up: OnceLock::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long after its baseline code the main code was ready.
    pub(crate) fn tier_up_time(&self) -> Option<Duration> {
        self.tier_up.get().copied()
    }
}

impl Module {
    /// The module's main code (for the engine's main Wasmtime engine),
    /// compiled now on this thread if nobody has started it, or waited for.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] when the main compiler refused the module.
    pub(crate) fn main_code(&self) -> Result<Arc<Code>, Error> {
        let tiers = self.tiers();
        loop {
            if let Some(c) = tiers.main.get() {
                return Ok(c.clone());
            }
            let mut st = tiers.state();
            match std::mem::replace(&mut *st, State::Running) {
                State::Queued(bytes) => {
                    drop(st);
                    return self.compile_main(&bytes, false);
                }
                State::Running => {
                    let _st = tiers.changed.wait(st).unwrap_or_else(|p| p.into_inner());
                }
                State::Failed(e) => {
                    *st = State::Failed(e.clone());
                    return Err(e);
                }
                State::Done => {
                    *st = State::Done;
                    if let Some(c) = tiers.main.get() {
                        return Ok(c.clone());
                    }
                    return Err(Error::bug("a module's main code is marked done but missing"));
                }
            }
        }
    }

    /// Compiles the main code from `bytes` and installs it (or the failure).
    fn compile_main(&self, bytes: &[u8], background: bool) -> Result<Arc<Code>, Error> {
        let engine = self.engine().wasmtime().clone();
        let compile = || wasmtime::Module::from_binary(&engine, bytes).map_err(|e| crate::module::compile_error(&e));
        let result = match pool() {
            Some(p) if background => p.install(compile),
            _ => compile(),
        };
        let tiers = self.tiers();
        match result {
            Ok(m) => {
                let code = Code::new(m);
                // New stores get the code from here on; those waiting in
                // `wait_optimized` wake once the listeners (the disk cache
                // entry) are done too.
                let _ = tiers.main.set(code.clone());
                let _ = tiers.tier_up.set(tiers.since.elapsed());
                crate::module::note_main_compiled(self);
                let listeners = std::mem::take(&mut *tiers.listeners.lock().unwrap_or_else(|p| p.into_inner()));
                for l in listeners {
                    l(self);
                }
                *tiers.state() = State::Done;
                tiers.changed.notify_all();
                Ok(code)
            }
            Err(e) => {
                *tiers.state() = State::Failed(e.clone());
                tiers.changed.notify_all();
                tiers.listeners.lock().unwrap_or_else(|p| p.into_inner()).clear();
                crate::module::note_main_failed(self);
                Err(e)
            }
        }
    }

    /// Runs `f` with this module once its main code exists: now if it
    /// does, else on the thread that compiles it (never if that fails).
    pub(crate) fn on_main(&self, f: impl FnOnce(&Module) + Send + 'static) {
        let tiers = self.tiers();
        {
            let mut l = tiers.listeners.lock().unwrap_or_else(|p| p.into_inner());
            if tiers.main.get().is_none() && matches!(*tiers.state(), State::Queued(_) | State::Running) {
                l.push(Box::new(f));
                return;
            }
        }
        if tiers.main.get().is_some() {
            f(self);
        }
    }

    /// Waits until the module's main code exists (and what waits for it,
    /// such as writing its disk cache entry, is done) or `timeout` passes;
    /// whether it does. It never compiles on this thread.
    ///
    /// # Errors
    ///
    /// [`Error::Compile`] when the background compile failed.
    pub fn wait_optimized(&self, timeout: Option<Duration>) -> Result<bool, Error> {
        let tiers = self.tiers();
        let until = timeout.map(|t| Instant::now() + t);
        let mut st = tiers.state();
        loop {
            match &*st {
                State::Failed(e) => return Err(e.clone()),
                State::Done => return Ok(tiers.main.get().is_some()),
                _ => {}
            }
            st = match until {
                None => tiers.changed.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(u) => {
                    let now = Instant::now();
                    if now >= u {
                        return Ok(false);
                    }
                    tiers.changed.wait_timeout(st, u - now).unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
    }

    /// Puts the module on the background queue for its main code.
    pub(crate) fn queue_main(&self) {
        let q = queue();
        q.jobs.lock().unwrap_or_else(|p| p.into_inner()).push_back(self.clone());
        q.ready.notify_one();
        q.start();
    }

    /// The background's turn: compile unless someone else has started.
    fn compile_main_in_background(&self) {
        let tiers = self.tiers();
        let bytes = {
            let mut st = tiers.state();
            match std::mem::replace(&mut *st, State::Running) {
                State::Queued(b) => b,
                other => {
                    *st = other;
                    return;
                }
            }
        };
        let _ = self.compile_main(&bytes, true);
    }
}

struct Queue {
    jobs: Mutex<VecDeque<Module>>,
    ready: Condvar,
    started: OnceLock<()>,
}

fn queue() -> &'static Queue {
    static Q: OnceLock<Queue> = OnceLock::new();
    Q.get_or_init(|| Queue { jobs: Mutex::new(VecDeque::new()), ready: Condvar::new(), started: OnceLock::new() })
}

impl Queue {
    fn start(&'static self) {
        self.started.get_or_init(|| {
            let _ = std::thread::Builder::new().name("cwasm-tier-up".into()).spawn(move || {
                lower_priority();
                loop {
                    let job = {
                        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
                        loop {
                            if let Some(j) = jobs.pop_front() {
                                break j;
                            }
                            jobs = self.ready.wait(jobs).unwrap_or_else(|p| p.into_inner());
                        }
                    };
                    job.compile_main_in_background();
                }
            });
        });
    }
}

/// Modules waiting for their background compile now.
pub fn tier_up_queue_len() -> usize {
    queue().jobs.lock().map(|j| j.len()).unwrap_or(0)
}

/// The background compiles' own pool: all cores but one, low priority
/// (`None` if its threads could not be started: compiles then run on the
/// background thread itself, which has low priority too).
fn pool() -> Option<&'static rayon_core::ThreadPool> {
    static POOL: OnceLock<Option<rayon_core::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        rayon_core::ThreadPoolBuilder::new()
            .num_threads(cores.saturating_sub(1).max(1))
            .thread_name(|i| format!("cwasm-tier-up-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .ok()
    })
    .as_ref()
}

/// Nice 10 for the calling thread (Linux keeps a nice value per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread's own id.
    unsafe {
        let tid = libc::gettid();
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

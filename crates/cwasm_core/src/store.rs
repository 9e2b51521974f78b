//! Stores: the unit of isolation. Instances, memories, tables, globals and
//! host functions live in one store and can only be linked within it.
//!
//! This file holds the store itself and the one way into it ([`Store::with`]);
//! calls and their limits are in `call.rs`, instantiation in `linking.rs`,
//! host functions in `host_func.rs`, memories, tables and globals in
//! `externs.rs`, externref bookkeeping in `externref.rs`.

use crate::call::CallStats;
use crate::config::Interrupts;
use crate::engine::Engine;
use crate::error::Error;
use crate::externref::ExternRefs;
use crate::interrupt::{self, Interrupt};
use crate::limits::{Limiter, StoreOptions};
use crate::module::Module;
use crate::store_data::{FuncHandles, StoreData};
use std::cell::UnsafeCell;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{AsContextMut, Caller, StoreContextMut};

/// A Wasmtime store with limits, safe to share between threads.
///
/// Every operation goes through [`Store::with`], which either takes the store
/// (one user at a time; a second one gets [`Error::Busy`] instead of a data
/// race) or, while a host function is running, borrows that host call's
/// context: this is how a host function reads guest memory or calls another
/// export without deadlocking.
///
/// # Examples
///
/// ```
/// use cwasm_core::{Engine, EngineConfig, Module, Store, StoreOptions, Value};
/// let engine = Engine::shared(&EngineConfig::default())?;
/// let store = Store::new(&engine, StoreOptions::default());
/// let module = Module::compile(&engine, br#"(module (memory (export "mem") 1))"#)?;
/// let instance = store.instantiate(&module, &[])?;
/// let mem = store.export_memory(instance, "mem")?;
/// store.memory_write(mem, 8, b"hi")?;
/// assert_eq!(store.memory_read(mem, 8, 2)?, b"hi");
/// # Ok::<(), cwasm_core::Error>(())
/// ```
pub struct Store {
    pub(crate) inner: UnsafeCell<wasmtime::Store<StoreData>>,
    pub(crate) active: Arc<AtomicPtr<()>>,
    pub(crate) busy: AtomicBool,
    /// Set by [`Store::release`]: the inner store is an empty stand-in.
    released: AtomicBool,
    engine: Engine,
    /// The Wasmtime engine the inner store belongs to: the engine's main
    /// one, or its baseline (Winch) one for a store made for a module
    /// still on Winch code (see `tier.rs`).
    wt: wasmtime::Engine,
    /// Wall-clock limit for each top-level call, in ms; 0 means none.
    pub(crate) deadline_ms: AtomicU64,
    /// Fuel for each top-level call; 0 means unlimited.
    pub(crate) fuel_budget: AtomicU64,
    pub(crate) cancel: Arc<AtomicBool>,
    /// Record [`CallStats`](crate::CallStats) for each call (costs two clock reads per call).
    pub(crate) collect_stats: AtomicBool,
    pub(crate) last_wall_ns: AtomicU64,
    /// How calls on this store are interrupted.
    pub(crate) mode: Interrupts,
    /// Whether the engine meters fuel (read on every call).
    pub(crate) fuel: bool,
    /// The flags woven checks read, in flag mode.
    pub(crate) interrupt: Arc<Interrupt>,
    /// u64::MAX when the engine does not meter fuel.
    pub(crate) last_fuel: AtomicU64,
    pub(crate) last_peak: AtomicU64,
    /// The limiter's running total of linear memory bytes (see [`Store::memory_bytes`]).
    memory_bytes: Arc<AtomicU64>,
    /// What [`Store::memory_report`] last told the host.
    memory_told: AtomicU64,
    /// Set once the host object is gone: nothing more is reported.
    memory_host_gone: AtomicBool,
    /// GC objects the host holds (the same table as the store data's).
    pub(crate) gc_roots: crate::gcref::GcRoots,
}

// SAFETY: the inner store is only reached through `with`, which hands out one
// exclusive context at a time (the busy flag, or the swapped-out caller pointer).
unsafe impl Send for Store {}
unsafe impl Sync for Store {}

struct ReleaseBusy<'a>(&'a AtomicBool);
impl Drop for ReleaseBusy<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

pub(crate) struct RestorePtr<'a>(pub(crate) &'a AtomicPtr<()>, pub(crate) *mut ());
impl Drop for RestorePtr<'_> {
    fn drop(&mut self) {
        self.0.store(self.1, Ordering::SeqCst);
    }
}

impl Store {
    /// Creates an empty store with the given limits. Its modules run their
    /// main code (Cranelift, unless `compiler: 'winch'`): instantiating a
    /// module whose main code is still compiling waits for it.
    pub fn new(engine: &Engine, options: StoreOptions) -> Store {
        Store::new_on(engine, engine.wasmtime().clone(), options)
    }

    /// Creates an empty store for instances of `module`: one that runs its
    /// Winch code while its Cranelift code is not ready (`compiler:
    /// 'auto'`), so the first instances need not wait for Cranelift. Other
    /// modules instantiated into it run the same tier.
    pub fn for_module(engine: &Engine, options: StoreOptions, module: &Module) -> Store {
        if !module.engine().same(engine) {
            // Instantiating it will say so.
            return Store::new(engine, options);
        }
        Store::new_on(engine, module.preferred_engine().clone(), options)
    }

    fn new_on(engine: &Engine, wt: wasmtime::Engine, options: StoreOptions) -> Store {
        let active = Arc::new(AtomicPtr::new(null_mut()));
        let cancel = Arc::new(AtomicBool::new(false));
        let interrupt = Arc::new(Interrupt::default());
        let gc_roots = crate::gcref::GcRoots::default();
        let memory_bytes = Arc::new(AtomicU64::new(0));
        let data = StoreData {
            limiter: Limiter { options, peak_memory: 0, memory_bytes: memory_bytes.clone() },
            active: active.clone(),
            funcs: FuncHandles::default(),
            extern_refs: ExternRefs::default(),
            gc_roots: gc_roots.clone(),
            cancel: cancel.clone(),
            deadline: None,
            interrupt: interrupt.clone(),
            wasi: None,
            wasi_memories: Vec::new(),
            fuel_globals: None,
        };
        let mut store = wasmtime::Store::new(&wt, data);
        store.limiter(|d| &mut d.limiter);
        if engine.config().woven_fuel() {
            store.data_mut().fuel_globals = crate::fuel::store_globals(&mut store);
        } else if engine.config().fuel {
            // Unlimited until a call asks for a budget.
            let _ = store.set_fuel(u64::MAX);
        }
        if engine.config().interrupts() == Interrupts::Epoch {
            store.set_epoch_deadline(u64::MAX / 2);
            // Checked once per epoch tick while a call runs: cancellation
            // first, then the wall-clock deadline. Per store, so stopping one
            // call never disturbs another on the same engine.
            store.epoch_deadline_callback(|ctx| {
                let d = ctx.data();
                if d.cancel.load(Ordering::Relaxed) {
                    return Err(wasmtime::Error::new(Error::Cancelled));
                }
                if let Some((at, limit_ms)) = d.deadline {
                    if Instant::now() >= at {
                        return Err(wasmtime::Error::new(Error::Timeout { limit_ms }));
                    }
                }
                Ok(wasmtime::UpdateDeadline::Continue(1))
            });
        }
        Store {
            inner: UnsafeCell::new(store),
            active,
            busy: AtomicBool::new(false),
            released: AtomicBool::new(false),
            engine: engine.clone(),
            wt,
            deadline_ms: AtomicU64::new(0),
            fuel_budget: AtomicU64::new(0),
            cancel,
            collect_stats: AtomicBool::new(false),
            last_wall_ns: AtomicU64::new(0),
            mode: engine.config().interrupts(),
            fuel: engine.config().fuel,
            interrupt,
            last_fuel: AtomicU64::new(u64::MAX),
            last_peak: AtomicU64::new(0),
            memory_bytes,
            memory_told: AtomicU64::new(0),
            memory_host_gone: AtomicBool::new(false),
            gc_roots,
        }
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The Wasmtime engine of the inner store (host function types and
    /// linkers must come from it).
    pub(crate) fn wasmtime_engine(&self) -> &wasmtime::Engine {
        &self.wt
    }

    /// Which compiler's code this store's instances run.
    pub fn tier(&self) -> crate::config::Compiler {
        self.engine.compiler_of(&self.wt)
    }

    /// Runs `f` with exclusive access to the store.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] when another thread is using the store and no host
    /// call of this store is waiting; otherwise whatever `f` returns.
    pub fn with<R>(&self, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>) -> Result<R, Error> {
        self.with_inner(true, f)
    }

    /// [`Store::with`]; `scoped: false` skips the GC root scope, for work
    /// that makes no GC references (numeric calls, the hot path).
    pub(crate) fn with_inner<R>(&self, scoped: bool, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>) -> Result<R, Error> {
        // Most uses are top-level: look before swapping (a load is cheaper
        // than a locked swap).
        let ptr = if self.active.load(Ordering::Acquire).is_null() {
            null_mut()
        } else {
            self.active.swap(null_mut(), Ordering::SeqCst)
        };
        if !ptr.is_null() {
            let _restore = RestorePtr(&self.active, ptr);
            // SAFETY: `ptr` was set by the host-call trampoline to its own
            // `Caller`, which stays alive and untouched until the host function
            // returns; swapping it out makes this the only user meanwhile.
            let caller = unsafe { &mut *(ptr as *mut Caller<'static, StoreData>) };
            if !scoped {
                return f(caller.as_context_mut());
            }
            let mut scope = wasmtime::RootScope::new(caller.as_context_mut());
            return f(scope.as_context_mut());
        }
        if self.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return Err(Error::Busy {
                message: "this store is running a call on another thread; wait for it or use another store".into(),
            });
        }
        let _release = ReleaseBusy(&self.busy);
        if self.released.load(Ordering::Relaxed) {
            return Err(Error::invalid("this store was released (its call ended); make a new store"));
        }
        // SAFETY: the busy flag gives us the only reference.
        let store = unsafe { &mut *self.inner.get() };
        if !scoped {
            return f(store.as_context_mut());
        }
        // GC references made here (externrefs crossing in or out) are rooted
        // only until `f` returns; without a scope they would stay rooted,
        // and alive, for the store's whole life.
        let mut scope = wasmtime::RootScope::new(store.as_context_mut());
        f(scope.as_context_mut())
    }

    /// Sets the wall-clock limit of each top-level call (and instantiation)
    /// on this store; `None` removes it. Calls re-entered from a host
    /// function run under their outer call's deadline.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the engine has epoch interruption off.
    pub fn set_deadline(&self, limit: Option<std::time::Duration>) -> Result<(), Error> {
        if limit.is_some() && !self.engine.config().epoch_interruption {
            return Err(Error::invalid("a time limit needs an engine with epochInterruption on"));
        }
        let ms = limit.map(|d| d.as_millis().clamp(1, u64::MAX as u128) as u64).unwrap_or(0);
        self.deadline_ms.store(ms, Ordering::Relaxed);
        Ok(())
    }

    /// Sets the fuel budget of each top-level call; `None` means unlimited.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the engine does not meter fuel.
    pub fn set_fuel_budget(&self, fuel: Option<u64>) -> Result<(), Error> {
        if fuel.is_some() && !self.engine.config().fuel {
            return Err(Error::invalid("a fuel budget needs an engine with fuel on (EngineOptions.fuel = true)"));
        }
        self.fuel_budget.store(fuel.unwrap_or(0).max(if fuel.is_some() { 1 } else { 0 }), Ordering::Relaxed);
        Ok(())
    }

    /// Asks the running call to stop with [`Error::Cancelled`] at its next
    /// check; with no call running it does nothing. A cancel that races the
    /// call's very end may still reach the next call on this store: to stop
    /// exactly one call, give it a [`crate::CallToken`] and use
    /// [`crate::cancel_call`] (what every `AbortSignal` of the JS API does).
    pub fn cancel(&self) {
        if !self.busy.load(Ordering::SeqCst) {
            return;
        }
        match self.mode {
            Interrupts::Flag => self.interrupt.raise(interrupt::CANCEL),
            _ => self.cancel.store(true, Ordering::SeqCst),
        }
    }

    /// Turns recording of [`CallStats`] on or off (off by default: it costs
    /// two clock reads per call, which matters for tiny calls).
    pub fn set_collect_stats(&self, on: bool) {
        self.collect_stats.store(on, Ordering::Relaxed);
    }

    /// What the last top-level call cost (zeros unless stats are collected).
    pub fn last_call_stats(&self) -> CallStats {
        let fuel = self.last_fuel.load(Ordering::Relaxed);
        CallStats {
            wall_ns: self.last_wall_ns.load(Ordering::Relaxed),
            fuel_consumed: (fuel != u64::MAX).then_some(fuel),
            peak_memory: self.last_peak.load(Ordering::Relaxed),
        }
    }

    /// The largest linear memory size this store has seen, in bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn peak_memory(&self) -> Result<u64, Error> {
        self.with(|ctx| Ok(ctx.data().limiter.peak_memory))
    }

    /// Frees everything in the store now (instances, memories, tables),
    /// instead of when the last handle goes. Every later use of the store
    /// or of anything made in it fails with [`Error::InvalidArgument`].
    /// Calls that end by themselves (one store per call) do this: a memory
    /// reserves gigabytes of address space until it is freed, and waiting
    /// for the garbage collector runs a loop of calls out of it.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] when a call is running in the store.
    pub fn release(&self) -> Result<(), Error> {
        if self.in_host_call() {
            return Err(Error::Busy { message: "a store cannot be released from inside one of its own calls".into() });
        }
        if self.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return Err(Error::Busy { message: "this store is running a call; release it when the call has ended".into() });
        }
        let _release = ReleaseBusy(&self.busy);
        if self.released.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        // The watchdog and pending cancels must never write into the flag
        // memories about to be freed.
        self.interrupt.forget();
        // Roots of the old store would point into a store that is gone.
        self.gc_roots.clear();
        let data = StoreData::empty(self.active.clone(), self.cancel.clone(), self.interrupt.clone(), self.gc_roots.clone());
        // SAFETY: the busy flag gives us the only reference.
        let store = unsafe { &mut *self.inner.get() };
        let old = std::mem::replace(store, wasmtime::Store::new(&self.wt, data));
        drop(old);
        self.memory_bytes.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// Bytes of linear memory this store holds now: the sizes of all its
    /// memories (those of its instances and those made by the host; not the
    /// woven interrupt flag's page), summed as they were created and grew;
    /// 0 once released. Shared memories grow outside the store and are
    /// counted at the size they were created with. Read without taking
    /// the store, so it works while a call runs.
    ///
    /// The binding reports it to V8 as external memory, so that the
    /// garbage collector frees unreachable stores before their memories
    /// (each reserving gigabytes of address space) pile up.
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes.load(Ordering::Relaxed)
    }

    /// For a host with a garbage collector (the binding tells V8, whose
    /// collector otherwise sees only a few hundred bytes of JS object per
    /// store): by how much [`Store::memory_bytes`] changed since the last
    /// report, which it records as told. With `gone` (the host's object for
    /// the store is being collected) it returns minus everything told, and
    /// every later report is 0, so the host's total returns to where it was.
    pub fn memory_report(&self, gone: bool) -> i64 {
        if gone {
            if self.memory_host_gone.swap(true, Ordering::Relaxed) {
                return 0;
            }
            return -signed(self.memory_told.swap(0, Ordering::Relaxed));
        }
        let now = self.memory_bytes();
        // The common case costs two loads and no write.
        if self.memory_told.load(Ordering::Relaxed) == now || self.memory_host_gone.load(Ordering::Relaxed) {
            return 0;
        }
        signed(now) - signed(self.memory_told.swap(now, Ordering::Relaxed))
    }

    /// Takes back bytes the limiter counted (the woven flag memory's page).
    pub(crate) fn uncount_memory_bytes(&self, bytes: u64) {
        let _ = self.memory_bytes.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| Some(n.saturating_sub(bytes)));
    }

    /// Counts a memory the limiter does not see (one made outside the store).
    pub(crate) fn note_memory_bytes(&self, bytes: u64) {
        self.memory_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Whether [`Store::release`] was called.
    pub fn is_released(&self) -> bool {
        self.released.load(Ordering::SeqCst)
    }

    /// Whether a host function of this store is running (the store is then
    /// reached through that host call's context).
    pub(crate) fn in_host_call(&self) -> bool {
        !self.active.load(Ordering::SeqCst).is_null()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // The watchdog may still hold the interrupt; make sure it never
        // writes into flag memories that are about to be freed.
        self.interrupt.forget();
    }
}

/// A byte count as a signed delta (counts past `i64::MAX` cannot occur: no
/// machine maps that much, but they saturate rather than wrap).
fn signed(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

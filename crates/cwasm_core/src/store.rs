//! Stores: the unit of isolation. Instances, memories, tables, globals and
//! host functions live in one store and can only be linked within it.

use crate::config::Interrupts;
use crate::engine::Engine;
use crate::interrupt::{self, Interrupt};
use crate::error::{Error, Frame, LinkIssue, LinkProblem};
use crate::host::{HostError, HostFn, SlotHostFn};
use crate::limits::{LimitExceeded, Limiter, StoreOptions};
use crate::module::Module;
use crate::trap::trap_code;
use crate::types::{func_sig, ExternDesc, FuncSig};
use crate::value::{Value, ValueKind};
use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{
    AsContextMut, Caller, Func, FuncType, Global, GlobalType, HeapType, Instance, Linker, Memory, MemoryTypeBuilder,
    Mutability, RefType, StoreContextMut, Table, TableType, Trap, Val, ValRaw, ValType, WasmBacktrace,
};

/// What a [`Store`] keeps beside Wasmtime's own state.
pub struct StoreData {
    limiter: Limiter,
    /// The `Caller` of the host function running right now, if any, so that
    /// the host can re-enter the store while the guest waits.
    active: Arc<AtomicPtr<()>>,
    /// Functions handed to the host as numeric handles (index + 1).
    funcs: Vec<Func>,
    /// Host `externref` ids freed by Wasmtime's collector, not yet reported.
    pub(crate) released_externs: Arc<std::sync::Mutex<Vec<u64>>>,
    /// How many host-made `externref`s of each id exist.
    pub(crate) live_externs: HashMap<u64, u32>,
    /// Handle of each function already handed out, by its funcref address,
    /// so passing the same function again reuses its handle.
    func_ids: HashMap<usize, u32>,
    /// Set to stop the running call at the next epoch tick.
    cancel: Arc<AtomicBool>,
    /// When the running top-level call must stop, and its limit in ms.
    deadline: Option<(Instant, u64)>,
    /// The store's interrupt flag (flag mode), for host functions that wait.
    interrupt: Arc<Interrupt>,
}

/// A function's parameter and result kinds, looked up once and reused for
/// every call (see [`Store::call_slots_with`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncKinds {
    /// Parameter kinds.
    pub params: Vec<ValueKind>,
    /// Result kinds.
    pub results: Vec<ValueKind>,
    /// No reference types anywhere: the call can skip per-value checks.
    numeric: bool,
}

/// What one top-level call cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Wall-clock time of the call, in nanoseconds.
    pub wall_ns: u64,
    /// Fuel the call consumed, when the engine meters fuel.
    pub fuel_consumed: Option<u64>,
    /// The largest linear memory of the store so far, in bytes.
    pub peak_memory: u64,
}

impl StoreData {
    fn func_from_handle(&self, h: u32) -> Option<Func> {
        self.funcs.get((h as usize).checked_sub(1)?).copied()
    }
}

/// The handle of `f` (see [`Store::func_handle`]): one per function, not one
/// per time it crosses, so a store that passes a funcref in a loop does not
/// grow.
fn func_handle(mut ctx: impl AsContextMut<Data = StoreData>, f: Func) -> u32 {
    let key = f.to_raw(&mut ctx) as usize;
    let mut ctx = ctx.as_context_mut();
    let data = ctx.data_mut();
    if let Some(&h) = data.func_ids.get(&key) {
        return h;
    }
    data.funcs.push(f);
    let h = data.funcs.len() as u32;
    data.func_ids.insert(key, h);
    h
}

/// Something an instance exports or imports.
#[derive(Clone, Copy, Debug)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A linear memory.
    Memory(Memory),
    /// A table.
    Table(Table),
    /// A global.
    Global(Global),
    /// An exception tag.
    Tag(wasmtime::Tag),
}

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
    inner: UnsafeCell<wasmtime::Store<StoreData>>,
    active: Arc<AtomicPtr<()>>,
    busy: AtomicBool,
    engine: Engine,
    /// Wall-clock limit for each top-level call, in ms; 0 means none.
    deadline_ms: AtomicU64,
    /// Fuel for each top-level call; 0 means unlimited.
    fuel_budget: AtomicU64,
    cancel: Arc<AtomicBool>,
    /// Record [`CallStats`] for each call (costs two clock reads per call).
    collect_stats: AtomicBool,
    last_wall_ns: AtomicU64,
    /// How calls on this store are interrupted.
    mode: Interrupts,
    /// Whether the engine meters fuel (read on every call).
    fuel: bool,
    /// The flags woven checks read, in flag mode.
    interrupt: Arc<Interrupt>,
    /// u64::MAX when the engine does not meter fuel.
    last_fuel: AtomicU64,
    last_peak: AtomicU64,
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

struct RestorePtr<'a>(&'a AtomicPtr<()>, *mut ());
impl Drop for RestorePtr<'_> {
    fn drop(&mut self) {
        self.0.store(self.1, Ordering::SeqCst);
    }
}

fn parse_val_type(name: &str) -> Result<ValType, Error> {
    Ok(match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        "funcref" => ValType::FUNCREF,
        "externref" => ValType::EXTERNREF,
        other => {
            return Err(Error::invalid(format!(
                "unknown value type '{other}'; use i32, i64, f32, f64, v128, funcref or externref"
            )))
        }
    })
}

fn parse_ref_type(name: &str) -> Result<RefType, Error> {
    match name {
        "funcref" => Ok(RefType::new(true, HeapType::Func)),
        "externref" => Ok(RefType::new(true, HeapType::Extern)),
        other => Err(Error::invalid(format!("unknown table element type '{other}'; use funcref or externref"))),
    }
}

pub(crate) fn frames_of(e: &wasmtime::Error) -> Vec<Frame> {
    match e.downcast_ref::<WasmBacktrace>() {
        Some(bt) => bt
            .frames()
            .iter()
            .map(|f| Frame {
                func_index: f.func_index(),
                func_name: f.func_name().map(str::to_string),
                module_name: f.module().name().map(str::to_string),
                module_offset: f.module_offset().map(|o| o as u64),
            })
            .collect(),
        None => Vec::new(),
    }
}

/// Classifies an error that came out of running guest code.
pub(crate) fn run_error(e: wasmtime::Error) -> Error {
    let frames = frames_of(&e);
    if let Some(h) = e.downcast_ref::<HostError>() {
        return Error::Host { message: h.message.clone(), payload: h.payload, frames };
    }
    if let Some(l) = e.downcast_ref::<LimitExceeded>() {
        return Error::MemoryLimit { message: l.0.clone() };
    }
    if let Some(ours) = e.downcast_ref::<Error>() {
        return ours.clone();
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => Error::FuelExhausted { frames },
            Trap::Interrupt => Error::Timeout { limit_ms: 0 },
            t => Error::Trap { code: trap_code(*t), message: t.to_string(), frames },
        };
    }
    let text = format!("{e:#}");
    if text.contains("resource limit exceeded") {
        return Error::MemoryLimit { message: format!("{text}; raise the store's limits (maxInstances, maxMemory, …) or use fewer") };
    }
    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return Error::MemoryLimit { message: format!("{e:#}; raise the pooling allocator's sizes or drop unused instances") };
    }
    Error::InvalidArgument { message: format!("{e:#}") }
}

impl Store {
    /// Creates an empty store with the given limits.
    pub fn new(engine: &Engine, options: StoreOptions) -> Store {
        let active = Arc::new(AtomicPtr::new(null_mut()));
        let cancel = Arc::new(AtomicBool::new(false));
        let interrupt = Arc::new(Interrupt::default());
        let data = StoreData {
            limiter: Limiter { options, peak_memory: 0 },
            active: active.clone(),
            funcs: Vec::new(),
            func_ids: HashMap::new(),
            released_externs: Arc::default(),
            live_externs: HashMap::new(),
            cancel: cancel.clone(),
            deadline: None,
            interrupt: interrupt.clone(),
        };
        let mut store = wasmtime::Store::new(engine.wasmtime(), data);
        store.limiter(|d| &mut d.limiter);
        if engine.config().fuel {
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
            engine: engine.clone(),
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
        }
    }

    /// The engine this store belongs to.
    pub fn engine(&self) -> &Engine {
        &self.engine
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
    fn with_inner<R>(&self, scoped: bool, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>) -> Result<R, Error> {
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

    /// Asks the running call (or the next one, if none runs) to stop with
    /// [`Error::Cancelled`] at the next epoch tick. The request is cleared
    /// when that call ends.
    pub fn cancel(&self) {
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

    /// Like [`Store::with`], but a top-level use runs under the store's
    /// deadline, fuel budget and cancellation, and records its stats.
    fn with_call<R>(&self, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>) -> Result<R, Error> {
        self.with_call_inner(true, f)
    }

    /// [`Store::with_call`]; `scoped` as for `with_inner`.
    fn with_call_inner<R>(&self, scoped: bool, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>) -> Result<R, Error> {
        let nested = !self.active.load(Ordering::SeqCst).is_null();
        if nested {
            return self.with_inner(scoped, f);
        }
        let limit_ms = self.deadline_ms.load(Ordering::Relaxed);
        let stats = self.collect_stats.load(Ordering::Relaxed);
        let flags = self.mode == Interrupts::Flag;
        if flags && limit_ms == 0 && !stats && !self.fuel {
            // The common case (no deadline, fuel or stats): nothing to set
            // up or read back, only a stop to map if one came.
            let r = self.with_inner(scoped, f);
            return self.after_flag_call(r, 0);
        }
        let budget = self.fuel_budget.load(Ordering::Relaxed);
        let epochs = self.mode == Interrupts::Epoch;
        let fuel = self.fuel;
        let t0 = (stats || (limit_ms > 0 && self.mode != Interrupts::Off)).then(Instant::now);
        let deadline = match t0 {
            Some(t0) if limit_ms > 0 => Some(t0 + std::time::Duration::from_millis(limit_ms)),
            _ => None,
        };
        let ticket = match deadline {
            Some(at) if flags => Some(interrupt::watch(at, &self.interrupt)),
            _ => None,
        };
        let r = self.with_inner(scoped, |mut ctx| {
            if epochs {
                ctx.data_mut().deadline = deadline.map(|at| (at, limit_ms));
                ctx.set_epoch_deadline(1);
            }
            let start_fuel = if fuel {
                let f = if budget > 0 { budget } else { u64::MAX };
                ctx.set_fuel(f).map_err(|e| Error::bug(format!("set_fuel: {e}")))?;
                Some(f)
            } else {
                None
            };
            let r = f(ctx.as_context_mut());
            let consumed = start_fuel.map(|f| f.saturating_sub(ctx.get_fuel().unwrap_or(0)));
            if epochs {
                ctx.set_epoch_deadline(u64::MAX / 2);
                ctx.data_mut().deadline = None;
            }
            if stats {
                let wall = t0.map(|t| t.elapsed().as_nanos() as u64).unwrap_or(0);
                self.last_wall_ns.store(wall, Ordering::Relaxed);
                self.last_fuel.store(consumed.unwrap_or(u64::MAX), Ordering::Relaxed);
                self.last_peak.store(ctx.data().limiter.peak_memory, Ordering::Relaxed);
            }
            r
        });
        if let Some(t) = ticket {
            interrupt::unwatch(t);
        }
        if flags {
            return self.after_flag_call(r, limit_ms);
        }
        let cancelled = self.cancel.load(Ordering::Relaxed);
        if cancelled {
            self.cancel.store(false, Ordering::SeqCst);
        }
        if is_interrupted_host(&r) {
            // A host function gave up waiting because the call was stopped.
            return Err(if cancelled { Error::Cancelled } else { Error::Timeout { limit_ms } });
        }
        r
    }

    /// A raised flag surfaces as a trap at a woven check: says why, and
    /// lowers the flag.
    fn after_flag_call<R>(&self, mut r: Result<R, Error>, limit_ms: u64) -> Result<R, Error> {
        match self.interrupt.reason() {
            interrupt::NONE => {}
            reason => {
                if matches!(&r, Err(Error::Trap { code: "unreachable", .. })) || is_interrupted_host(&r) {
                    r = Err(if reason == interrupt::TIMEOUT { Error::Timeout { limit_ms } } else { Error::Cancelled });
                }
                self.interrupt.clear();
            }
        }
        r
    }

    /// Records the flag byte of a new instance of a woven module, then runs
    /// its start function (weaving moved it out of the start section so
    /// that it runs only once the flag is in place, and so can be stopped).
    fn start_woven(&self, ctx: &mut StoreContextMut<'_, StoreData>, instance: Instance) -> Result<Instance, Error> {
        if self.mode != Interrupts::Flag {
            return Ok(instance);
        }
        if let Some(m) = instance.get_memory(&mut *ctx, crate::instrument::FLAG_EXPORT) {
            self.interrupt.add(m.data_ptr(&*ctx));
        }
        if let Some(start) = instance.get_func(&mut *ctx, crate::instrument::START_EXPORT) {
            start.call(&mut *ctx, &[], &mut []).map_err(run_error)?;
        }
        Ok(instance)
    }

    /// Whether an export name is one weaving added (hidden from users).
    fn is_woven_export(&self, name: &str) -> bool {
        self.mode == Interrupts::Flag && name.starts_with(crate::instrument::RESERVED_PREFIX)
    }

    /// Instantiates `module` with the given imports (module name, field name, item).
    ///
    /// # Errors
    ///
    /// [`Error::Link`] listing every missing or mismatched import;
    /// [`Error::Trap`] when the start function or a segment traps;
    /// [`Error::MemoryLimit`] when the store's limits forbid it.
    pub fn instantiate(&self, module: &Module, imports: &[(String, String, Extern)]) -> Result<Instance, Error> {
        if !module.engine().same(&self.engine) {
            return Err(Error::invalid("the module was compiled for another engine config than this store's"));
        }
        if imports.is_empty() {
            if let Some(pre) = module.instance_pre() {
                return self.with_call(|mut ctx| {
                    let i = pre.instantiate(&mut ctx).map_err(run_error)?;
                    self.start_woven(&mut ctx, i)
                });
            }
        }
        self.with_call(|mut ctx| {
            let mut provided: HashMap<(&str, &str), &Extern> = HashMap::new();
            for (m, n, e) in imports {
                provided.insert((m.as_str(), n.as_str()), e);
            }
            let mut issues = Vec::new();
            for imp in module.wasmtime().imports() {
                let expected = ExternDesc::from_wasmtime(&imp.ty());
                match provided.get(&(imp.module(), imp.name())) {
                    None => issues.push(LinkIssue {
                        module: imp.module().into(),
                        name: imp.name().into(),
                        problem: LinkProblem::Missing,
                        expected: expected.to_string(),
                        actual: None,
                    }),
                    Some(item) => {
                        let actual = extern_desc(&mut ctx, item);
                        let compatible = match (&imp.ty(), item) {
                            (wasmtime::ExternType::Func(want), Extern::Func(f)) => f.ty(&ctx).matches(want),
                            (wasmtime::ExternType::Global(want), Extern::Global(g)) => {
                                let have = g.ty(&ctx);
                                have.mutability() == want.mutability()
                                    && (if want.mutability() == Mutability::Var {
                                        ValType::eq(have.content(), want.content())
                                    } else {
                                        have.content().matches(want.content())
                                    })
                            }
                            (wasmtime::ExternType::Memory(_), Extern::Memory(_)) => true,
                            (wasmtime::ExternType::Table(_), Extern::Table(_)) => true,
                            (wasmtime::ExternType::Tag(_), Extern::Tag(_)) => true,
                            _ => false,
                        };
                        if !compatible {
                            issues.push(LinkIssue {
                                module: imp.module().into(),
                                name: imp.name().into(),
                                problem: LinkProblem::Incompatible,
                                expected: expected.to_string(),
                                actual: Some(actual.to_string()),
                            });
                        }
                    }
                }
            }
            if !issues.is_empty() {
                return Err(link_error(issues));
            }
            let mut linker: Linker<StoreData> = Linker::new(self.engine.wasmtime());
            linker.allow_shadowing(true);
            for (m, n, e) in imports {
                let ext: wasmtime::Extern = match *e {
                    Extern::Func(f) => f.into(),
                    Extern::Memory(x) => x.into(),
                    Extern::Table(x) => x.into(),
                    Extern::Global(x) => x.into(),
                    Extern::Tag(x) => x.into(),
                };
                linker.define(&ctx, m, n, ext).map_err(|e| Error::invalid(format!("{e:#}")))?;
            }
            let instance = linker.instantiate(&mut ctx, module.wasmtime()).map_err(|e| {
                let text = format!("{e:#}");
                if text.contains("incompatible import type") {
                    let (m, n) = quoted_import(&text);
                    let expected = module
                        .imports()
                        .into_iter()
                        .find(|i| i.module == m && i.name == n)
                        .map(|i| i.ty.to_string())
                        .unwrap_or_default();
                    let actual = provided.get(&(m.as_str(), n.as_str())).map(|x| extern_desc(&mut ctx, x).to_string());
                    return Error::Link {
                        message: text,
                        issues: vec![LinkIssue { module: m, name: n, problem: LinkProblem::Incompatible, expected, actual }],
                    };
                }
                run_error(e)
            })?;
            self.start_woven(&mut ctx, instance)
        })
    }

    /// The exports of an instance, in order.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn exports(&self, instance: Instance) -> Result<Vec<(String, Extern)>, Error> {
        self.with(|mut ctx| {
            let names: Vec<String> = instance
                .exports(&mut ctx)
                .map(|e| e.name().to_string())
                .filter(|n| !self.is_woven_export(n))
                .collect();
            let mut out = Vec::with_capacity(names.len());
            for name in names {
                if let Some(ext) = instance.get_export(&mut ctx, &name) {
                    out.push((name, to_extern(ext)?));
                }
            }
            Ok(out)
        })
    }

    /// One export of an instance by name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no such export.
    pub fn export(&self, instance: Instance, name: &str) -> Result<Extern, Error> {
        self.with(|mut ctx| match instance.get_export(&mut ctx, name).filter(|_| !self.is_woven_export(name)) {
            Some(ext) => to_extern(ext),
            None => Err(Error::invalid(format!("the instance has no export named '{name}'"))),
        })
    }

    /// An exported function by name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no such export or it is not a function.
    pub fn export_func(&self, instance: Instance, name: &str) -> Result<Func, Error> {
        match self.export(instance, name)? {
            Extern::Func(f) => Ok(f),
            _ => Err(Error::invalid(format!("the export '{name}' is not a function"))),
        }
    }

    /// An exported memory by name.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when there is no such export or it is not a memory.
    pub fn export_memory(&self, instance: Instance, name: &str) -> Result<Memory, Error> {
        match self.export(instance, name)? {
            Extern::Memory(m) => Ok(m),
            _ => Err(Error::invalid(format!("the export '{name}' is not a memory"))),
        }
    }

    /// The type of an extern.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn extern_type(&self, ext: &Extern) -> Result<ExternDesc, Error> {
        self.with(|mut ctx| Ok(extern_desc(&mut ctx, ext)))
    }

    /// The signature of a function.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn func_sig(&self, func: Func) -> Result<FuncSig, Error> {
        self.with(|ctx| Ok(func_sig(&func.ty(&ctx))))
    }

    /// The parameter and result kinds of a function, for fast conversions.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn func_kinds(&self, func: Func) -> Result<FuncKinds, Error> {
        self.with(|ctx| {
            let ty = func.ty(&ctx);
            let params: Vec<ValueKind> = ty.params().map(|t| ValueKind::of(&t)).collect();
            let results: Vec<ValueKind> = ty.results().map(|t| ValueKind::of(&t)).collect();
            let is_num = |k: &ValueKind| matches!(k, ValueKind::I32 | ValueKind::I64 | ValueKind::F32 | ValueKind::F64 | ValueKind::V128);
            let numeric = params.iter().all(is_num) && results.iter().all(is_num);
            Ok(FuncKinds { params, results, numeric })
        })
    }

    /// [`Store::call_slots`] for a function whose kinds were looked up once
    /// with [`Store::func_kinds`]: numeric signatures skip the per-value
    /// boxing and type checks of the general path.
    ///
    /// # Errors
    ///
    /// As [`Store::call_slots`].
    pub fn call_slots_with(&self, func: Func, kinds: &FuncKinds, slots: &mut [u8]) -> Result<usize, Error> {
        if !kinds.numeric {
            return self.call_slots(func, slots);
        }
        let (np, nr) = (kinds.params.len(), kinds.results.len());
        let n = np.max(nr);
        if slots.len() < n * 16 {
            return Err(Error::invalid(format!(
                "the slot buffer needs {} bytes (16 per argument or result) but has {}",
                n * 16,
                slots.len()
            )));
        }
        self.with_call_inner(false, |mut ctx| {
            let mut stack = [ValRaw::i32(0); 8];
            let mut heap = Vec::new();
            let raw: &mut [ValRaw] = if n <= stack.len() {
                &mut stack[..n]
            } else {
                heap.resize(n, ValRaw::i32(0));
                &mut heap[..]
            };
            // A slot is a little-endian u128; narrower values sit in its low bytes.
            let slot = |slots: &[u8], i: usize| -> u128 {
                let mut w = [0u8; 16];
                w.copy_from_slice(&slots[i * 16..i * 16 + 16]);
                u128::from_le_bytes(w)
            };
            for (i, k) in kinds.params.iter().enumerate() {
                let w = slot(slots, i);
                raw[i] = match k {
                    ValueKind::I32 => ValRaw::i32(w as u32 as i32),
                    ValueKind::I64 => ValRaw::i64(w as u64 as i64),
                    ValueKind::F32 => ValRaw::f32(w as u32),
                    ValueKind::F64 => ValRaw::f64(w as u64),
                    _ => ValRaw::v128(w),
                };
            }
            // SAFETY: `kinds` are this function's own parameter and result
            // types, all numeric; `raw` holds max(params, results) values.
            unsafe { func.call_unchecked(&mut ctx, raw as *mut [ValRaw]) }.map_err(run_error)?;
            for (i, k) in kinds.results.iter().enumerate() {
                let w: u128 = match k {
                    ValueKind::I32 => raw[i].get_i32() as u32 as u128,
                    ValueKind::I64 => raw[i].get_i64() as u64 as u128,
                    ValueKind::F32 => raw[i].get_f32() as u128,
                    ValueKind::F64 => raw[i].get_f64() as u128,
                    _ => raw[i].get_v128(),
                };
                slots[i * 16..i * 16 + 16].copy_from_slice(&w.to_le_bytes());
            }
            Ok(nr)
        })
    }

    /// Calls a function.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a wrong number or type of arguments;
    /// [`Error::Trap`], [`Error::Host`], [`Error::FuelExhausted`],
    /// [`Error::MemoryLimit`] when the guest fails.
    pub fn call(&self, func: Func, args: &[Value]) -> Result<Vec<Value>, Error> {
        self.with_call(|mut ctx| {
            let ty = func.ty(&ctx);
            if ty.params().len() != args.len() {
                return Err(Error::invalid(format!(
                    "the function takes {} argument(s) but was given {}",
                    ty.params().len(),
                    args.len()
                )));
            }
            let mut vals = Vec::with_capacity(args.len());
            for (i, (a, t)) in args.iter().zip(ty.params()).enumerate() {
                let kind = ValueKind::of(&t);
                if !value_fits(a, kind) {
                    return Err(Error::invalid(format!(
                        "argument {i} must be {} but is {}",
                        crate::types::val_type_str(&t),
                        a.type_name()
                    )));
                }
                vals.push(a.to_val(&mut ctx)?);
            }
            let mut results = vec![Val::I32(0); ty.results().len()];
            func.call(&mut ctx, &vals, &mut results).map_err(run_error)?;
            results.iter().map(|v| Value::from_val(v, &mut ctx)).collect()
        })
    }

    /// Calls a function with arguments and results as 16-byte little-endian
    /// slots (see [`Value::to_slot`]): exact bit patterns, NaN payloads
    /// included, and no per-value objects. Results are written back into
    /// `slots`, which must have room for `max(params, results)` slots.
    ///
    /// # Errors
    ///
    /// As [`Store::call`], and [`Error::InvalidArgument`] when `slots` is too short.
    pub fn call_slots(&self, func: Func, slots: &mut [u8]) -> Result<usize, Error> {
        self.with_call(|mut ctx| {
            let ty = func.ty(&ctx);
            let np = ty.params().len();
            let nr = ty.results().len();
            if slots.len() < np.max(nr) * 16 {
                return Err(Error::invalid(format!(
                    "the slot buffer needs {} bytes (16 per argument or result) but has {}",
                    np.max(nr) * 16,
                    slots.len()
                )));
            }
            let mut vals = Vec::with_capacity(np);
            for (i, t) in ty.params().enumerate() {
                let data = ctx.data();
                let v = Value::from_slot(ValueKind::of(&t), &slots[i * 16..i * 16 + 16], |h| data.func_from_handle(h))?;
                vals.push(v.to_val(&mut ctx)?);
            }
            let mut results = vec![Val::I32(0); nr];
            func.call(&mut ctx, &vals, &mut results).map_err(run_error)?;
            for (i, r) in results.iter().enumerate() {
                let v = Value::from_val(r, &mut ctx)?;
                let slot = v.to_slot(|f| func_handle(&mut ctx, f));
                slots[i * 16..i * 16 + 16].copy_from_slice(&slot);
            }
            Ok(nr)
        })
    }

    /// Decodes one 16-byte slot (see [`Value::to_slot`]) as a value of `kind`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name or funcref handle.
    pub fn slot_to_value(&self, kind: &str, slot: &[u8]) -> Result<Value, Error> {
        let kind = ValueKind::of(&parse_val_type(kind)?);
        self.with(|ctx| {
            let data = ctx.data();
            Value::from_slot(kind, slot, |h| data.func_from_handle(h))
        })
    }

    /// Encodes a value as a 16-byte slot, registering a funcref handle if needed.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn value_to_slot(&self, value: Value) -> Result<[u8; 16], Error> {
        self.with(|mut ctx| Ok(value.to_slot(|f| func_handle(&mut ctx, f))))
    }

    /// Runs Wasmtime's collector and returns the embedder ids of `externref`s
    /// that no longer exist anywhere in the store, so the embedder can
    /// forget the values behind them. An id passed in several times is
    /// returned once its last reference is gone. Returns nothing while a
    /// call runs (a collection then waits for the next top-level use).
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn collect_externrefs(&self) -> Result<Vec<u64>, Error> {
        if !self.active.load(Ordering::SeqCst).is_null() {
            return Ok(Vec::new());
        }
        self.with(|mut ctx| {
            ctx.gc(None).map_err(|e| Error::bug(format!("garbage collection failed: {e:#}")))?;
            let released: Vec<u64> = match ctx.data().released_externs.lock() {
                Ok(mut r) => std::mem::take(&mut *r),
                Err(_) => return Err(Error::bug("externref release list poisoned")),
            };
            let live = &mut ctx.data_mut().live_externs;
            let mut gone = Vec::new();
            for id in released {
                if let Some(n) = live.get_mut(&id) {
                    *n -= 1;
                    if *n == 0 {
                        live.remove(&id);
                        gone.push(id);
                    }
                }
            }
            Ok(gone)
        })
    }

    /// A numeric handle for a function, for use in slots. Handles stay valid
    /// for the life of the store.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn func_handle(&self, func: Func) -> Result<u32, Error> {
        self.with(|ctx| Ok(func_handle(ctx, func)))
    }

    /// The function behind a handle.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a handle this store did not give out.
    pub fn func_from_handle(&self, handle: u32) -> Result<Func, Error> {
        self.with(|ctx| {
            ctx.data()
                .func_from_handle(handle)
                .ok_or_else(|| Error::invalid(format!("funcref handle {handle} does not belong to this store")))
        })
    }

    /// Creates a host function whose arguments and results cross as slots
    /// (see [`Store::call_slots`]); the function returns its result slots.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name.
    pub fn host_func_slots(&self, params: &[String], results: &[String], f: SlotHostFn) -> Result<Func, Error> {
        let result_kinds: Vec<ValueKind> =
            results.iter().map(|r| parse_val_type(r).map(|t| ValueKind::of(&t))).collect::<Result<_, _>>()?;
        self.host_func_raw(params, results, move |caller, args| {
            let mut bytes = Vec::with_capacity(args.len() * 16);
            for a in args {
                let slot = a.to_slot(|func| func_handle(&mut *caller, func));
                bytes.extend_from_slice(&slot);
            }
            let out = reenter(caller, || f(&bytes))?;
            if out.len() != result_kinds.len() * 16 {
                return Err(HostError {
                    message: format!(
                        "the host function returned {} bytes of results; its signature needs {}",
                        out.len(),
                        result_kinds.len() * 16
                    ),
                    payload: None,
                });
            }
            let mut values = Vec::with_capacity(result_kinds.len());
            for (i, k) in result_kinds.iter().enumerate() {
                let data = caller.data();
                let v = Value::from_slot(*k, &out[i * 16..i * 16 + 16], |h| data.func_from_handle(h))
                    .map_err(|e| HostError { message: e.message(), payload: None })?;
                values.push(v);
            }
            Ok(values)
        })
    }

    /// Creates a host function with the given signature.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name.
    pub fn host_func(&self, params: &[String], results: &[String], f: HostFn) -> Result<Func, Error> {
        self.host_func_raw(params, results, move |caller, args| reenter(caller, || f(args)))
    }

    fn host_func_raw(
        &self,
        params: &[String],
        results: &[String],
        f: impl Fn(&mut Caller<'_, StoreData>, &[Value]) -> Result<Vec<Value>, HostError> + Send + Sync + 'static,
    ) -> Result<Func, Error> {
        let params: Vec<ValType> = params.iter().map(|p| parse_val_type(p)).collect::<Result<_, _>>()?;
        let results: Vec<ValType> = results.iter().map(|p| parse_val_type(p)).collect::<Result<_, _>>()?;
        let result_kinds: Vec<ValueKind> = results.iter().map(ValueKind::of).collect();
        let ty = FuncType::new(self.engine.wasmtime(), params, results);
        self.with(|mut ctx| {
            Ok(Func::new(&mut ctx, ty, move |mut caller: Caller<'_, StoreData>, params: &[Val], out: &mut [Val]| {
                let mut args = Vec::with_capacity(params.len());
                for p in params {
                    args.push(Value::from_val(p, &mut caller).map_err(wasmtime::Error::new)?);
                }
                let result = f(&mut caller, &args);
                let values = result.map_err(wasmtime::Error::new)?;
                if values.len() != out.len() {
                    return Err(wasmtime::Error::new(HostError {
                        message: format!("the host function returned {} value(s) but its signature has {}", values.len(), out.len()),
                        payload: None,
                    }));
                }
                for (i, (slot, v)) in out.iter_mut().zip(values).enumerate() {
                    if !value_fits(&v, result_kinds[i]) {
                        return Err(wasmtime::Error::new(HostError {
                            message: format!("the host function's result {i} is a {} but its signature says otherwise", v.type_name()),
                            payload: None,
                        }));
                    }
                    *slot = v.to_val(&mut caller).map_err(wasmtime::Error::new)?;
                }
                Ok(())
            }))
        })
    }

    /// Creates a standalone memory (sizes in 64 KiB pages).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for impossible sizes; [`Error::MemoryLimit`] past the store's limit.
    pub fn new_memory(&self, minimum: u64, maximum: Option<u64>, memory64: bool) -> Result<Memory, Error> {
        let ty = MemoryTypeBuilder::new()
            .min(minimum)
            .max(maximum)
            .memory64(memory64)
            .build()
            .map_err(|e| Error::invalid(format!("invalid memory type: {e:#}")))?;
        self.with(|mut ctx| Memory::new(&mut ctx, ty).map_err(run_error))
    }

    /// Creates a standalone table of `funcref` or `externref`, filled with `init`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown element type or wrong init value.
    pub fn new_table(&self, element: &str, minimum: u64, maximum: Option<u64>, init: Value) -> Result<Table, Error> {
        let rt = parse_ref_type(element)?;
        // A 32-bit table (the kind a module without table64 imports).
        let elements = |n: u64| {
            u32::try_from(n).map_err(|_| Error::invalid(format!("a table of {n} elements is too large (at most 2^32-1)")))
        };
        let ty = TableType::new(rt, elements(minimum)?, maximum.map(elements).transpose()?);
        self.with(|mut ctx| {
            let r = init.to_ref(&mut ctx)?;
            Table::new(&mut ctx, ty, r).map_err(run_error)
        })
    }

    /// Creates a standalone global.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type or a value of another type.
    pub fn new_global(&self, value_type: &str, mutable: bool, value: Value) -> Result<Global, Error> {
        let vt = parse_val_type(value_type)?;
        if !value_fits(&value, ValueKind::of(&vt)) {
            return Err(Error::invalid(format!("a {value_type} global cannot hold a {}", value.type_name())));
        }
        let ty = GlobalType::new(vt, if mutable { Mutability::Var } else { Mutability::Const });
        self.with(|mut ctx| {
            let v = value.to_val(&mut ctx)?;
            Global::new(&mut ctx, ty, v).map_err(|e| Error::invalid(format!("{e:#}")))
        })
    }

    /// Reads a global.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a reference type that cannot cross.
    pub fn global_get(&self, global: Global) -> Result<Value, Error> {
        self.with(|mut ctx| {
            let v = global.get(&mut ctx);
            Value::from_val(&v, &mut ctx)
        })
    }

    /// Sets a mutable global.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the global is immutable or the value has another type.
    pub fn global_set(&self, global: Global, value: Value) -> Result<(), Error> {
        self.with(|mut ctx| {
            let ty = global.ty(&ctx);
            if ty.mutability() != Mutability::Var {
                return Err(Error::invalid("the global is immutable; only (mut …) globals can be set"));
            }
            if !value_fits(&value, ValueKind::of(ty.content())) {
                return Err(Error::invalid(format!(
                    "the global holds {} but was given a {}",
                    crate::types::val_type_str(ty.content()),
                    value.type_name()
                )));
            }
            let v = value.to_val(&mut ctx)?;
            global.set(&mut ctx, v).map_err(|e| Error::invalid(format!("{e:#}")))
        })
    }

    /// Size of a memory in bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn memory_size(&self, memory: Memory) -> Result<u64, Error> {
        self.with(|ctx| Ok(memory.data_size(&ctx) as u64))
    }

    /// Copies `len` bytes out of a memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the range is out of bounds.
    pub fn memory_read(&self, memory: Memory, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.with(|ctx| {
            let data = memory.data(&ctx);
            let range = checked_range(offset, len, data.len())?;
            Ok(data[range].to_vec())
        })
    }

    /// Copies bytes into a memory.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the range is out of bounds.
    pub fn memory_write(&self, memory: Memory, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        self.with(|mut ctx| {
            let data = memory.data_mut(&mut ctx);
            let range = checked_range(offset, bytes.len() as u64, data.len())?;
            data[range].copy_from_slice(bytes);
            Ok(())
        })
    }

    /// Grows a memory by `delta` pages; returns the old size in pages.
    ///
    /// # Errors
    ///
    /// [`Error::MemoryLimit`] past the store's limit or the memory's maximum.
    pub fn memory_grow(&self, memory: Memory, delta: u64) -> Result<u64, Error> {
        self.with(|mut ctx| {
            memory.grow(&mut ctx, delta).map_err(|e| match run_error(e) {
                Error::InvalidArgument { message } => Error::MemoryLimit { message },
                other => other,
            })
        })
    }

    /// Number of elements in a table.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn table_size(&self, table: Table) -> Result<u64, Error> {
        self.with(|ctx| Ok(table.size(&ctx)))
    }

    /// Reads one table element.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the index is out of bounds.
    pub fn table_get(&self, table: Table, index: u64) -> Result<Value, Error> {
        self.with(|mut ctx| match table.get(&mut ctx, index) {
            Some(r) => {
                let v: Val = r.into();
                Value::from_val(&v, &mut ctx)
            }
            None => Err(Error::invalid(format!("table index {index} is out of bounds"))),
        })
    }

    /// Writes one table element.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the index is out of bounds or the value has another type.
    pub fn table_set(&self, table: Table, index: u64, value: Value) -> Result<(), Error> {
        self.with(|mut ctx| {
            let r = value.to_ref(&mut ctx)?;
            table.set(&mut ctx, index, r).map_err(|e| Error::invalid(format!("{e:#}")))
        })
    }

    /// Grows a table by `delta` elements filled with `init`; returns the old size.
    ///
    /// # Errors
    ///
    /// [`Error::MemoryLimit`] past a limit or the table's maximum.
    pub fn table_grow(&self, table: Table, delta: u64, init: Value) -> Result<u64, Error> {
        self.with(|mut ctx| {
            let r = init.to_ref(&mut ctx)?;
            table.grow(&mut ctx, delta, r).map_err(|e| match run_error(e) {
                Error::InvalidArgument { message } => Error::MemoryLimit { message },
                other => other,
            })
        })
    }

    /// The largest linear memory size this store has seen, in bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn peak_memory(&self) -> Result<u64, Error> {
        self.with(|ctx| Ok(ctx.data().limiter.peak_memory))
    }
}

/// Whether a call failed because a host function stopped waiting when the
/// call was asked to stop (see [`crate::stop_requested`]).
fn is_interrupted_host<R>(r: &Result<R, Error>) -> bool {
    matches!(r, Err(Error::Host { message, payload: None, .. }) if message == crate::host::INTERRUPTED)
}

/// Runs `g` (the embedder's host code) with the store reachable through
/// [`Store::with`] via this host call's `Caller`.
fn reenter<R>(caller: &mut Caller<'_, StoreData>, g: impl FnOnce() -> R) -> R {
    // While the host runs, no woven check or epoch tick can stop the call:
    // let the host ask instead (`stop_requested`).
    let data = caller.data();
    let check = crate::host::StopCheck {
        interrupt: data.interrupt.clone(),
        cancel: data.cancel.clone(),
        deadline: data.deadline.map(|(at, _)| at),
    };
    crate::host::with_stop_check(check, || reenter_inner(caller, g))
}

fn reenter_inner<R>(caller: &mut Caller<'_, StoreData>, g: impl FnOnce() -> R) -> R {
    let active = caller.data().active.clone();
    let me = caller as *mut Caller<'_, StoreData> as *mut ();
    let prev = active.swap(me, Ordering::SeqCst);
    let _restore = RestorePtr(&active, prev);
    // `caller` is not touched again until `g` returns; re-entrant users
    // reach it through the swapped-out pointer, one at a time.
    g()
}

impl Drop for Store {
    fn drop(&mut self) {
        // The watchdog may still hold the interrupt; make sure it never
        // writes into flag memories that are about to be freed.
        self.interrupt.forget();
    }
}

fn checked_range(offset: u64, len: u64, size: usize) -> Result<std::ops::Range<usize>, Error> {
    match offset.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(offset as usize..end as usize),
        _ => Err(Error::invalid(format!(
            "bytes {offset}..{} are outside the memory of {size} bytes",
            offset.saturating_add(len)
        ))),
    }
}

fn value_fits(v: &Value, kind: ValueKind) -> bool {
    matches!(
        (v, kind),
        (Value::I32(_), ValueKind::I32)
            | (Value::I64(_), ValueKind::I64)
            | (Value::F32(_), ValueKind::F32)
            | (Value::F64(_), ValueKind::F64)
            | (Value::V128(_), ValueKind::V128)
            | (Value::FuncRef(_), ValueKind::FuncRef)
            | (Value::ExternRef(_), ValueKind::ExternRef)
    )
}

fn to_extern(ext: wasmtime::Extern) -> Result<Extern, Error> {
    Ok(match ext {
        wasmtime::Extern::Func(f) => Extern::Func(f),
        wasmtime::Extern::Memory(m) => Extern::Memory(m),
        wasmtime::Extern::Table(t) => Extern::Table(t),
        wasmtime::Extern::Global(g) => Extern::Global(g),
        wasmtime::Extern::Tag(t) => Extern::Tag(t),
        _ => return Err(Error::invalid("shared memories cannot be exported to the host yet")),
    })
}

fn extern_desc(ctx: &mut StoreContextMut<'_, StoreData>, ext: &Extern) -> ExternDesc {
    let w: wasmtime::Extern = match *ext {
        Extern::Func(f) => f.into(),
        Extern::Memory(x) => x.into(),
        Extern::Table(x) => x.into(),
        Extern::Global(x) => x.into(),
        Extern::Tag(x) => x.into(),
    };
    ExternDesc::from_wasmtime(&w.ty(&*ctx))
}

fn link_error(issues: Vec<LinkIssue>) -> Error {
    let parts: Vec<String> = issues
        .iter()
        .map(|i| match i.problem {
            LinkProblem::Missing => format!("missing import {}::{} ({})", i.module, i.name, i.expected),
            LinkProblem::Incompatible => format!(
                "import {}::{} must be {} but was given {}",
                i.module,
                i.name,
                i.expected,
                i.actual.clone().unwrap_or_default()
            ),
        })
        .collect();
    Error::Link { message: format!("cannot link the module: {}", parts.join("; ")), issues }
}

/// Pulls `module::name` out of Wasmtime's "incompatible import type for `m::n`".
fn quoted_import(text: &str) -> (String, String) {
    if let Some(start) = text.find('`') {
        if let Some(len) = text[start + 1..].find('`') {
            let inner = &text[start + 1..start + 1 + len];
            if let Some((m, n)) = inner.split_once("::") {
                return (m.to_string(), n.to_string());
            }
        }
    }
    (String::new(), String::new())
}

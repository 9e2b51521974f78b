//! What a store keeps beside Wasmtime's own state.

use crate::externref::{ExternRefHost, ExternRefs};
use crate::gcref::{GcRootHost, GcRoots};
use crate::interrupt::Interrupt;
use crate::limits::Limiter;
use crate::wasi::WasiState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicPtr};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::{AsContextMut, Func};

/// The data of every Wasmtime store this crate makes (the `T` of
/// `wasmtime::Store<T>`).
pub struct StoreData {
    pub(crate) limiter: Limiter,
    /// The `Caller` of the host function running right now, if any, so that
    /// the host can re-enter the store while the guest waits.
    pub(crate) active: Arc<AtomicPtr<()>>,
    pub(crate) funcs: FuncHandles,
    pub(crate) extern_refs: ExternRefs,
    /// GC objects the host holds, by id (shared with the `Store`).
    pub(crate) gc_roots: GcRoots,
    /// Set to stop the running call (epoch mode; flag mode raises `interrupt`).
    pub(crate) cancel: Arc<AtomicBool>,
    /// When the running top-level call must stop, and its limit in ms.
    pub(crate) deadline: Option<(Instant, u64)>,
    /// The store's interrupt flag (flag mode), for host functions that wait.
    pub(crate) interrupt: Arc<Interrupt>,
    /// The WASI context and sandbox of this store, once one is set.
    pub(crate) wasi: Option<Box<WasiState>>,
    /// Where the `memory` export is in each module instantiated here that
    /// imports WASI: found by index on each WASI call, which is several
    /// times cheaper than by name.
    pub(crate) wasi_memories: Vec<(wasmtime::Module, wasmtime::ModuleExport)>,
    /// The fuel counter and out-of-fuel mark every instance of this store
    /// imports, with woven fuel (`fuel.rs`).
    pub(crate) fuel_globals: Option<(wasmtime::Global, wasmtime::Global)>,
}

impl StoreData {
    /// The data of a store with nothing in it and default limits (what a
    /// released store keeps).
    pub(crate) fn empty(active: Arc<AtomicPtr<()>>, cancel: Arc<AtomicBool>, interrupt: Arc<Interrupt>, gc_roots: GcRoots) -> StoreData {
        StoreData {
            limiter: Limiter { options: crate::limits::StoreOptions::default(), peak_memory: 0, memory_bytes: Default::default() },
            active,
            funcs: FuncHandles::default(),
            extern_refs: ExternRefs::default(),
            gc_roots,
            cancel,
            deadline: None,
            interrupt,
            wasi: None,
            wasi_memories: Vec::new(),
            fuel_globals: None,
        }
    }
}

impl ExternRefHost for StoreData {
    fn extern_refs(&mut self) -> &mut ExternRefs {
        &mut self.extern_refs
    }
}

impl GcRootHost for StoreData {
    fn gc_roots(&self) -> &GcRoots {
        &self.gc_roots
    }
}

/// Functions handed to the host as numeric handles (index + 1).
#[derive(Default)]
pub(crate) struct FuncHandles {
    funcs: Vec<Func>,
    /// Handle of each function already handed out, by its funcref address,
    /// so passing the same function again reuses its handle.
    ids: HashMap<usize, u32>,
}

impl FuncHandles {
    /// The function behind a handle, if this store gave it out.
    pub(crate) fn get(&self, h: u32) -> Option<Func> {
        self.funcs.get((h as usize).checked_sub(1)?).copied()
    }
}

/// The handle of `f`: one per function, not one per time it crosses, so a
/// store that passes a funcref in a loop does not grow.
pub(crate) fn func_handle(mut ctx: impl AsContextMut<Data = StoreData>, f: Func) -> u32 {
    let key = f.to_raw(&mut ctx) as usize;
    let mut ctx = ctx.as_context_mut();
    let handles = &mut ctx.data_mut().funcs;
    if let Some(&h) = handles.ids.get(&key) {
        return h;
    }
    handles.funcs.push(f);
    // A store holds far fewer than 2^32 functions; saturate rather than wrap.
    let h = u32::try_from(handles.funcs.len()).unwrap_or(u32::MAX);
    handles.ids.insert(key, h);
    h
}

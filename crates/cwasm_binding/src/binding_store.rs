//! `BindingStore`: a store with its limits, where instances live.

use crate::binding_engine::BindingEngine;
use crate::binding_extern::BindingExtern;
use crate::binding_instance::BindingInstance;
use crate::binding_module::BindingModule;
use crate::error::guard;
use cwasm_core::{Extern, HostError, SlotHostFn, Store, StoreOptions};
use napi::bindgen_prelude::{ClassInstance, Either, FnArgs, Function, FunctionRef, Uint8Array};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use napi::Env;
use napi_derive::napi;
use std::sync::Arc;

/// Limits for one store.
#[napi(object)]
#[derive(Clone, Default)]
pub struct BindingStoreOptions {
    /// Largest size of one linear memory, in bytes.
    /// @default undefined (the module's own maximum)
    pub max_memory_bytes: Option<f64>,
    /// Largest number of elements of one table.
    /// @default undefined
    pub max_table_elements: Option<f64>,
    /// How many instances the store may hold.
    /// @default 10000
    pub max_instances: Option<u32>,
    /// `true`: growing past a limit raises `MemoryLimitError`; `false`: `memory.grow` returns -1.
    /// @default true
    pub trap_on_grow_failure: Option<bool>,
}

/// A store: instances, memories, tables, globals and host functions live here.
#[napi]
pub struct BindingStore {
    pub(crate) inner: Arc<Store>,
}

/// The JS side of a host function: `(argSlots, callId)` returns the result
/// slots, a number ≥ 1 (the id of the error it threw), or 0 when `callId` is
/// not 0 and the result will come later through `completeHostCall`.
type HostCallback<'a> = Function<'a, FnArgs<(Uint8Array, u32)>, Either<Uint8Array, f64>>;
type HostTsfn = ThreadsafeFunction<FnArgs<(Uint8Array, u32)>, Either<Uint8Array, f64>, FnArgs<(Uint8Array, u32)>, Status, false, true>;

/// Host calls made from pool threads wait here for the JS thread's answer.
static PENDING: OnceLock<Mutex<HashMap<u32, mpsc::Sender<Result<Vec<u8>, HostError>>>>> = OnceLock::new();
static NEXT_CALL: AtomicU32 = AtomicU32::new(1);

fn pending() -> &'static Mutex<HashMap<u32, mpsc::Sender<Result<Vec<u8>, HostError>>>> {
    PENDING.get_or_init(|| Mutex::new(HashMap::new()))
}

fn answer(r: Either<Uint8Array, f64>) -> Option<Result<Vec<u8>, HostError>> {
    match r {
        Either::A(bytes) => Some(Ok(bytes.to_vec())),
        Either::B(id) if id >= 1.0 => Some(Err(HostError { message: "the host function threw".into(), payload: Some(id as u32) })),
        Either::B(_) => None,
    }
}

/// Delivers the result of an async host function to the guest waiting for it.
#[napi]
pub fn complete_host_call(call_id: u32, result: Either<Uint8Array, f64>) {
    let tx = pending().lock().ok().and_then(|mut m| m.remove(&call_id));
    if let (Some(tx), Some(r)) = (tx, answer(result)) {
        let _ = tx.send(r);
    }
}

fn js_host_fn(env: &Env, sync: FunctionRef<FnArgs<(Uint8Array, u32)>, Either<Uint8Array, f64>>, tsfn: HostTsfn) -> SlotHostFn {
    let raw_env = env.raw() as usize;
    let thread = std::thread::current().id();
    let tsfn = Arc::new(tsfn);
    Arc::new(move |args: &[u8]| {
        if std::thread::current().id() == thread {
            let env = Env::from_raw(raw_env as napi::sys::napi_env);
            let func = sync
                .borrow_back(&env)
                .map_err(|e| HostError { message: format!("the host function is gone: {}", e.reason), payload: None })?;
            return match func.call(FnArgs::from((Uint8Array::from(args.to_vec()), 0))) {
                Ok(r) => answer(r).unwrap_or_else(|| Err(HostError { message: "the host function did not answer".into(), payload: None })),
                Err(e) => Err(HostError { message: e.reason.clone(), payload: None }),
            };
        }
        // On a pool thread: ask the JS thread and wait. The guest stays
        // blocked, and the store reachable through this host call, until then.
        let id = NEXT_CALL.fetch_add(1, Ordering::Relaxed).max(1);
        let (tx, rx) = mpsc::channel();
        if let Ok(mut m) = pending().lock() {
            m.insert(id, tx.clone());
        }
        let status = tsfn.call_with_return_value(
            FnArgs::from((Uint8Array::from(args.to_vec()), id)),
            ThreadsafeFunctionCallMode::NonBlocking,
            move |r: napi::Result<Either<Uint8Array, f64>>, _env| {
                let immediate = match r {
                    Ok(v) => answer(v),
                    Err(e) => Some(Err(HostError { message: e.reason.clone(), payload: None })),
                };
                if let Some(r) = immediate {
                    if let Ok(mut m) = pending().lock() {
                        m.remove(&id);
                    }
                    let _ = tx.send(r);
                }
                Ok(())
            },
        );
        if status != Status::Ok {
            if let Ok(mut m) = pending().lock() {
                m.remove(&id);
            }
            return Err(HostError { message: format!("could not reach the JS thread ({status})"), payload: None });
        }
        rx.recv().unwrap_or_else(|_| Err(HostError { message: "the host function never answered".into(), payload: None }))
    })
}

/// What the last call on a store cost.
#[napi(object)]
pub struct BindingCallStats {
    /// Wall-clock time in nanoseconds.
    pub wall_ns: f64,
    /// Fuel consumed, when the engine meters fuel.
    pub fuel_consumed: Option<f64>,
    /// Largest linear memory of the store so far, in bytes.
    pub peak_memory: f64,
}

#[napi]
impl BindingStore {
    /// Creates an empty store.
    #[napi(constructor)]
    pub fn new(engine: &BindingEngine, options: Option<BindingStoreOptions>) -> BindingStore {
        let o = options.unwrap_or_default();
        let d = StoreOptions::default();
        let opts = StoreOptions {
            max_memory_bytes: o.max_memory_bytes.map(|v| v as u64),
            max_table_elements: o.max_table_elements.map(|v| v as u64),
            max_instances: o.max_instances.map(|v| v as usize).unwrap_or(d.max_instances),
            trap_on_grow_failure: o.trap_on_grow_failure.unwrap_or(d.trap_on_grow_failure),
            ..d
        };
        BindingStore { inner: Arc::new(Store::new(&engine.inner, opts)) }
    }

    /// Instantiates a module; `modules[i]`/`names[i]` name the import `items[i]` satisfies.
    #[napi]
    pub fn instantiate(
        &self,
        module: &BindingModule,
        modules: Vec<String>,
        names: Vec<String>,
        items: Vec<ClassInstance<BindingExtern>>,
    ) -> napi::Result<BindingInstance> {
        guard(|| {
            let imports: Vec<(String, String, Extern)> = modules
                .into_iter()
                .zip(names)
                .zip(items.iter())
                .map(|((m, n), e)| (m, n, e.item))
                .collect();
            let instance = self.inner.instantiate(&module.inner, &imports)?;
            Ok(BindingInstance { store: self.inner.clone(), inner: instance })
        })
    }

    /// Wraps a JS callback as a host function. The callback receives the
    /// argument slots and returns the result slots, or a number: the id of
    /// the error it threw.
    #[napi]
    pub fn host_func(
        &self,
        env: Env,
        params: Vec<String>,
        results: Vec<String>,
        callback: HostCallback,
    ) -> napi::Result<BindingExtern> {
        let sync = callback.create_ref()?;
        // Weak: a host function never keeps the process alive by itself.
        let tsfn: HostTsfn = callback.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
        guard(|| {
            let f = self.inner.host_func_slots(&params, &results, js_host_fn(&env, sync, tsfn))?;
            Ok(BindingExtern::new(&self.inner, Extern::Func(f), None))
        })
    }

    /// Creates a memory (sizes in 64 KiB pages).
    #[napi]
    pub fn new_memory(&self, minimum: f64, maximum: Option<f64>, memory64: Option<bool>) -> napi::Result<BindingExtern> {
        guard(|| {
            let m = self.inner.new_memory(minimum as u64, maximum.map(|v| v as u64), memory64.unwrap_or(false))?;
            Ok(BindingExtern::new(&self.inner, Extern::Memory(m), None))
        })
    }

    /// Creates a table of `funcref` or `externref`, each element set to the `init` slot.
    #[napi]
    pub fn new_table(&self, element: String, minimum: f64, maximum: Option<f64>, init: &[u8]) -> napi::Result<BindingExtern> {
        guard(|| {
            let init = self.inner.slot_to_value(&element, init)?;
            let t = self.inner.new_table(&element, minimum as u64, maximum.map(|v| v as u64), init)?;
            Ok(BindingExtern::new(&self.inner, Extern::Table(t), None))
        })
    }

    /// Creates a global holding the value in `slot`.
    #[napi]
    pub fn new_global(&self, value_type: String, mutable: bool, slot: &[u8]) -> napi::Result<BindingExtern> {
        guard(|| {
            let v = self.inner.slot_to_value(&value_type, slot)?;
            let g = self.inner.new_global(&value_type, mutable, v)?;
            Ok(BindingExtern::new(&self.inner, Extern::Global(g), None))
        })
    }

    /// The function behind a funcref handle found in a slot.
    #[napi]
    pub fn func_from_handle(&self, handle: u32) -> napi::Result<BindingExtern> {
        guard(|| {
            let f = self.inner.func_from_handle(handle)?;
            Ok(BindingExtern::new(&self.inner, Extern::Func(f), None))
        })
    }

    /// Sets the wall-clock limit of each call on this store, in ms; `null` removes it.
    #[napi]
    pub fn set_deadline(&self, ms: Option<f64>) -> napi::Result<()> {
        guard(|| self.inner.set_deadline(ms.map(|v| std::time::Duration::from_secs_f64(v / 1000.0))))
    }

    /// Sets the fuel budget of each call; `null` means unlimited.
    #[napi]
    pub fn set_fuel(&self, fuel: Option<f64>) -> napi::Result<()> {
        guard(|| self.inner.set_fuel_budget(fuel.map(|f| f as u64)))
    }

    /// Stops the running call at the next epoch tick with `cancelled`.
    #[napi]
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// What the last call cost.
    #[napi]
    pub fn last_call_stats(&self) -> BindingCallStats {
        let s = self.inner.last_call_stats();
        BindingCallStats { wall_ns: s.wall_ns as f64, fuel_consumed: s.fuel_consumed.map(|f| f as f64), peak_memory: s.peak_memory as f64 }
    }

    /// The largest linear memory this store has had, in bytes.
    #[napi]
    pub fn peak_memory(&self) -> napi::Result<f64> {
        guard(|| Ok(self.inner.peak_memory()? as f64))
    }
}

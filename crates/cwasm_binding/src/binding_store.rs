//! `BindingStore`: a store with its limits, where instances live.

use crate::binding_engine::BindingEngine;
use crate::binding_extern::BindingExtern;
use crate::binding_module::BindingModule;
use crate::convert::{millis, whole};
use crate::error::guard;
use crate::binding_options::{to_store_config, BindingStoreOptions};
use cwasm_core::{Extern, Instance, Store};
use std::cell::RefCell;
use crate::binding_host::js_host_fn;
use napi::bindgen_prelude::{ClassInstance, ObjectFinalize};
use napi::Env;
use napi_derive::napi;
use std::sync::Arc;

/// A store: instances, memories, tables, globals and host functions live here.
#[napi(custom_finalize)]
pub struct BindingStore {
    pub(crate) inner: Arc<Store>,
    /// Its instances, by the index JS holds (see `binding_instance.rs`).
    pub(crate) instances: RefCell<Vec<Instance>>,
    /// Exports registered for `callFast` through `instanceFuncFastId`.
    pub(crate) fast_ids: RefCell<Vec<u32>>,
}

/// Tells V8 how much linear memory `store` holds now (the change since it
/// was last told; with `gone`, takes back everything told): V8's collector
/// sees only the small JS object of a store, so without this a loop of
/// unreleased stores piles up their memories, each reserving gigabytes of
/// address space, until the system refuses a mapping.
pub(crate) fn report_memory(env: napi::sys::napi_env, store: &Store, gone: bool) {
    let delta = store.memory_report(gone);
    if delta != 0 {
        let mut total = 0i64;
        // SAFETY: a plain N-API call on the env of the current callback.
        // Only a hint to the collector: nothing to do if V8 declines it.
        unsafe { napi::sys::napi_adjust_external_memory(env, delta, &mut total) };
    }
}

impl ObjectFinalize for BindingStore {
    fn finalize(self, env: Env) -> napi::Result<()> {
        report_memory(env.raw(), &self.inner, true);
        Ok(())
    }
}

impl Drop for BindingStore {
    fn drop(&mut self) {
        for id in self.fast_ids.get_mut().drain(..) {
            crate::binding_fast_call::unregister(id);
        }
    }
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
    pub fn new(engine: &BindingEngine, options: Option<BindingStoreOptions>) -> napi::Result<BindingStore> {
        let opts = guard(|| to_store_config(&options.unwrap_or_default()))?;
        Ok(BindingStore { inner: Arc::new(Store::new(&engine.inner, opts)), instances: RefCell::default(), fast_ids: RefCell::default() })
    }

    /// Creates an empty store for instances of `module`: it runs the
    /// module's Winch code while its Cranelift code is not ready.
    #[napi(factory)]
    pub fn for_module(engine: &BindingEngine, module: &BindingModule, options: Option<BindingStoreOptions>) -> napi::Result<BindingStore> {
        let opts = guard(|| to_store_config(&options.unwrap_or_default()))?;
        let store = Store::for_module(&engine.inner, opts, &module.inner);
        Ok(BindingStore { inner: Arc::new(store), instances: RefCell::default(), fast_ids: RefCell::default() })
    }

    /// Which compiler's code this store's instances run: `'winch'` or `'cranelift'`.
    #[napi(getter)]
    pub fn tier(&self) -> String {
        self.inner.tier().as_str().to_string()
    }

    /// Instantiates a module; `modules[i]`/`names[i]` name the import
    /// `items[i]` satisfies. Returns the instance's index in this store.
    #[napi]
    pub fn instantiate(
        &self,
        env: &Env,
        module: &BindingModule,
        modules: Vec<String>,
        names: Vec<String>,
        items: Vec<ClassInstance<BindingExtern>>,
    ) -> napi::Result<u32> {
        guard(|| {
            let imports: Vec<(String, String, Extern)> = modules
                .into_iter()
                .zip(names)
                .zip(items.iter())
                .map(|((m, n), e)| (m, n, e.item.clone()))
                .collect();
            let instance = self.inner.instantiate(&module.inner, &imports);
            // A failed instantiation may have made memories too.
            report_memory(env.raw(), &self.inner, false);
            Ok(self.add_instance(instance?))
        })
    }

    /// Makes a host function that the JS host dispatcher answers under `hostId`
    /// (see `setHostDispatcher`).
    #[napi]
    pub fn host_func(&self, params: Vec<String>, results: Vec<String>, host_id: u32) -> napi::Result<BindingExtern> {
        guard(|| {
            let f = self.inner.host_func_slots(&params, &results, js_host_fn(host_id)?)?;
            Ok(BindingExtern::new(&self.inner, Extern::Func(f), None))
        })
    }

    /// Creates a memory (sizes in 64 KiB pages); a shared one with `shared`.
    #[napi]
    pub fn new_memory(&self, env: &Env, minimum: f64, maximum: Option<f64>, memory64: Option<bool>, shared: Option<bool>) -> napi::Result<BindingExtern> {
        guard(|| {
            let maximum = maximum.map(|v| whole(v, "maximum")).transpose()?;
            let (minimum, memory64) = (whole(minimum, "minimum")?, memory64.unwrap_or(false));
            let item = if shared.unwrap_or(false) {
                Extern::SharedMemory(self.inner.new_shared_memory(minimum, maximum, memory64)?)
            } else {
                Extern::Memory(self.inner.new_memory(minimum, maximum, memory64)?)
            };
            report_memory(env.raw(), &self.inner, false);
            Ok(BindingExtern::new(&self.inner, item, None))
        })
    }

    /// Creates a table of a reference type, each element set to the `init`
    /// slot; 64-bit indices with `table64`.
    #[napi]
    pub fn new_table(&self, element: String, minimum: f64, maximum: Option<f64>, init: &[u8], table64: Option<bool>) -> napi::Result<BindingExtern> {
        guard(|| {
            let init = self.inner.slot_to_value(&element, init)?;
            let maximum = maximum.map(|v| whole(v, "maximum")).transpose()?;
            let t = self.inner.new_table(&element, whole(minimum, "minimum")?, maximum, init, table64.unwrap_or(false))?;
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
        guard(|| self.inner.set_deadline(ms.map(|v| millis(v, "timeout")).transpose()?))
    }

    /// Sets the fuel budget of each call; `null` means unlimited.
    #[napi]
    pub fn set_fuel(&self, fuel: Option<f64>) -> napi::Result<()> {
        guard(|| self.inner.set_fuel_budget(fuel.map(|f| whole(f, "fuel")).transpose()?))
    }

    /// Stops the running call at the next epoch tick with `cancelled`.
    #[napi]
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Records what each call costs (off by default: two clock reads per call).
    #[napi]
    pub fn set_collect_stats(&self, on: bool) {
        self.inner.set_collect_stats(on);
    }

    /// What the last call cost.
    #[napi]
    pub fn last_call_stats(&self) -> BindingCallStats {
        let s = self.inner.last_call_stats();
        BindingCallStats { wall_ns: s.wall_ns as f64, fuel_consumed: s.fuel_consumed.map(|f| f as f64), peak_memory: s.peak_memory as f64 }
    }

    /// Collects garbage and returns the ids of host `externref`s that no
    /// longer exist in the store (ids are below 2^53).
    #[napi]
    pub fn collect_externrefs(&self) -> napi::Result<Vec<f64>> {
        guard(|| Ok(self.inner.collect_externrefs()?.into_iter().map(|id| id as f64).collect()))
    }

    /// The largest linear memory this store has had, in bytes.
    #[napi]
    pub fn peak_memory(&self) -> napi::Result<f64> {
        guard(|| Ok(self.inner.peak_memory()? as f64))
    }
}

//! One call in a store of its own, start to end on the calling thread: the
//! executor's path for pure-compute calls (no host imports), so that making
//! the store, instantiating, calling and freeing it all happen on a pool
//! thread and the JS thread only hands over the arguments.

use crate::call::CallStats;
use crate::cancel::CallToken;
use crate::error::Error;
use crate::limits::StoreOptions;
use crate::module::Module;
use crate::store::Store;
use std::time::Duration;

/// The limits of a [`Module::call_once`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OneShot {
    /// The store's limits.
    pub store: StoreOptions,
    /// Wall-clock limit of instantiation and of the call; `None` for none.
    pub deadline: Option<Duration>,
    /// Fuel budget of the call; `None` for unlimited.
    pub fuel: Option<u64>,
    /// Measure the call's [`CallStats`].
    pub stats: bool,
}

impl Module {
    /// Instantiates this module (which must have no imports) in a new store with `o`'s limits, calls export
    /// `name` with arguments and results as slots (as
    /// [`Store::call_slots_with`]), and frees the store before returning.
    ///
    /// # Errors
    ///
    /// [`Error::Cancelled`] when `token` is cancelled before or while it
    /// runs; [`Error::Link`] when the module has imports; otherwise as
    /// [`Store::instantiate`] and [`Store::call_slots`].
    ///
    /// # Examples
    ///
    /// ```
    /// use cwasm_core::{Engine, EngineConfig, Module, OneShot};
    /// let engine = Engine::shared(&EngineConfig::default())?;
    /// let m = Module::compile(&engine, br#"(module (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul))"#)?;
    /// let mut slots = [0u8; 16];
    /// slots[0] = 21;
    /// let (results, _stats) = m.call_once("double", &mut slots, &OneShot::default(), None)?;
    /// assert_eq!((results, slots[0]), (1, 42));
    /// # Ok::<(), cwasm_core::Error>(())
    /// ```
    pub fn call_once(&self, name: &str, slots: &mut [u8], o: &OneShot, token: Option<&CallToken>) -> Result<(usize, CallStats), Error> {
        if let Some(t) = token {
            if t.is_cancelled() {
                t.discard();
                return Err(Error::Cancelled);
            }
        }
        let store = Store::for_module(self.engine(), o.store.clone(), self);
        let r = (|| {
            store.set_deadline(o.deadline)?;
            store.set_fuel_budget(o.fuel)?;
            store.set_collect_stats(o.stats);
            let instance = store.instantiate(self, &[])?;
            let f = store.export_func(instance, name)?;
            let kinds = store.func_kinds(f)?;
            let n = store.call_slots_token(f, &kinds, slots, token)?;
            Ok((n, store.last_call_stats()))
        })();
        if let Some(t) = token {
            t.discard();
        }
        r
    }
}

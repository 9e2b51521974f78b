//! Instances of a `BindingStore`, by index. An instance is not a JS object
//! of its own on this side: creating and finalizing a napi object costs more
//! than a fresh small instance's other work (see bench: instantiate), and
//! Wasmtime keeps instances for the store's life anyway.

use crate::binding_extern::BindingExtern;
use crate::binding_store::BindingStore;
use crate::error::guard;
use cwasm_core::{Error, Extern, Instance};
use napi_derive::napi;
use std::sync::Arc;

impl BindingStore {
    pub(crate) fn instance(&self, index: u32) -> Result<Instance, Error> {
        self.instances
            .borrow()
            .get(index as usize)
            .copied()
            .ok_or_else(|| Error::InvalidArgument { message: format!("this store has no instance {index}") })
    }

    /// Keeps a new instance; returns its index.
    pub(crate) fn add_instance(&self, instance: Instance) -> u32 {
        let mut instances = self.instances.borrow_mut();
        instances.push(instance);
        (instances.len() - 1) as u32
    }
}

#[napi]
impl BindingStore {
    /// Every export of instance `index`, in order, each carrying its name.
    #[napi]
    pub fn instance_exports(&self, index: u32) -> napi::Result<Vec<BindingExtern>> {
        guard(|| {
            let instance = self.instance(index)?;
            Ok(self
                .inner
                .exports(instance)?
                .into_iter()
                .map(|(name, e)| BindingExtern::new(&self.inner, e, Some(name)))
                .collect())
        })
    }

    /// One export of instance `index` by name.
    #[napi]
    pub fn instance_export(&self, index: u32, name: String) -> napi::Result<BindingExtern> {
        guard(|| {
            let e = self.inner.export(self.instance(index)?, &name)?;
            Ok(BindingExtern::new(&self.inner, e, Some(name)))
        })
    }

    /// Registers the exported function `name` of instance `index` for
    /// `callFast` on this thread and returns its id, without making an
    /// object for the function. It stays registered while this store
    /// object lives (functions made from it keep the store alive).
    #[napi]
    pub fn instance_func_fast_id(&self, index: u32, name: String) -> napi::Result<u32> {
        guard(|| match self.inner.export(self.instance(index)?, &name)? {
            Extern::Func(f) => {
                let kinds = Arc::new(self.inner.func_kinds(f)?);
                let id = crate::binding_fast_call::register(self.inner.clone(), f, kinds);
                self.fast_ids.borrow_mut().push(id);
                Ok(id)
            }
            _ => Err(Error::InvalidArgument { message: format!("the export '{name}' is not a function") }),
        })
    }
}

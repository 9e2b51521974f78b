//! `BindingInstance`: an instantiated module and its exports.

use crate::binding_extern::BindingExtern;
use crate::error::guard;
use cwasm_core::{Error, Extern, Instance, Store};
use std::cell::RefCell;
use napi_derive::napi;
use std::sync::Arc;

/// An instance living in a store.
#[napi]
pub struct BindingInstance {
    pub(crate) store: Arc<Store>,
    pub(crate) inner: Instance,
    /// Exports registered for `callFast` through this instance; they stay
    /// registered while the instance object lives (JS functions made from
    /// them keep it alive).
    fast_ids: RefCell<Vec<u32>>,
}

impl BindingInstance {
    pub(crate) fn new(store: Arc<Store>, inner: Instance) -> BindingInstance {
        BindingInstance { store, inner, fast_ids: RefCell::new(Vec::new()) }
    }
}

impl Drop for BindingInstance {
    fn drop(&mut self) {
        for id in self.fast_ids.get_mut().drain(..) {
            crate::binding_fast_call::unregister(id);
        }
    }
}

#[napi]
impl BindingInstance {
    /// Every export, in order, each carrying its name.
    #[napi]
    pub fn exports(&self) -> napi::Result<Vec<BindingExtern>> {
        guard(|| {
            Ok(self
                .store
                .exports(self.inner)?
                .into_iter()
                .map(|(name, e)| BindingExtern::new(&self.store, e, Some(name)))
                .collect())
        })
    }

    /// Registers the exported function `name` for `callFast` on this thread
    /// and returns its id, without making an object for the function (a
    /// fresh instance's first call is then one napi object cheaper).
    #[napi]
    pub fn func_fast_id(&self, name: String) -> napi::Result<u32> {
        guard(|| match self.store.export(self.inner, &name)? {
            Extern::Func(f) => {
                let kinds = Arc::new(self.store.func_kinds(f)?);
                let id = crate::binding_fast_call::register(self.store.clone(), f, kinds);
                self.fast_ids.borrow_mut().push(id);
                Ok(id)
            }
            _ => Err(Error::InvalidArgument { message: format!("the export '{name}' is not a function") }),
        })
    }

    /// One export by name.
    #[napi]
    pub fn export(&self, name: String) -> napi::Result<BindingExtern> {
        guard(|| {
            let e = self.store.export(self.inner, &name)?;
            Ok(BindingExtern::new(&self.store, e, Some(name)))
        })
    }
}

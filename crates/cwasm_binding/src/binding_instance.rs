//! `BindingInstance`: an instantiated module and its exports.

use crate::binding_extern::BindingExtern;
use crate::error::guard;
use cwasm_core::{Instance, Store};
use napi_derive::napi;
use std::sync::Arc;

/// An instance living in a store.
#[napi]
pub struct BindingInstance {
    pub(crate) store: Arc<Store>,
    pub(crate) inner: Instance,
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

    /// One export by name.
    #[napi]
    pub fn export(&self, name: String) -> napi::Result<BindingExtern> {
        guard(|| {
            let e = self.store.export(self.inner, &name)?;
            Ok(BindingExtern::new(&self.store, e, Some(name)))
        })
    }
}

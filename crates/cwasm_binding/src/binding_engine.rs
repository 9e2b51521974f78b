//! `BindingEngine`: the process-wide engine for one configuration.

use crate::binding_options::{to_config, BindingEngineOptions};
use crate::error::guard;
use cwasm_core::Engine;
use napi_derive::napi;

/// The process-wide engine for one configuration.
#[napi]
pub struct BindingEngine {
    pub(crate) inner: Engine,
}

#[napi]
impl BindingEngine {
    /// Returns the engine shared by every caller with the same options.
    #[napi(factory)]
    pub fn shared(options: Option<BindingEngineOptions>) -> napi::Result<BindingEngine> {
        // Before the first engine exists: Wasmtime's signal handlers will point into this image.
        napi::bindgen_prelude::retain_current_module_for_unload_safety();
        guard(|| {
            let config = to_config(&options.unwrap_or_default())?;
            Ok(BindingEngine { inner: Engine::shared(&config)? })
        })
    }

    /// Hex of the compatibility hash: equal hashes can share AOT artifacts.
    #[napi(getter)]
    pub fn compatibility_hash(&self) -> String {
        self.inner.compatibility_hash().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The engine's config key (a stable description of its options).
    #[napi(getter)]
    pub fn config_key(&self) -> String {
        self.inner.key().to_string()
    }
}

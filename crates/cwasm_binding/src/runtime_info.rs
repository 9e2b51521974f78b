//! Process-wide facts: versions, trap codes, and the unload pin.

use napi_derive::napi;

/// Every trap code this build can produce (one per Wasmtime trap variant).
#[napi]
pub fn trap_codes() -> Vec<String> {
    cwasm_core::all_trap_codes().into_iter().map(str::to_string).collect()
}

/// The embedded Wasmtime version.
#[napi]
pub fn wasmtime_version() -> String {
    cwasm_core::WASMTIME_VERSION.to_string()
}

/// Panics inside the binding on purpose, to test that panics become errors.
#[napi]
pub fn debug_panic(message: String) -> napi::Result<()> {
    crate::error::guard(|| -> Result<(), cwasm_core::Error> {
        #[allow(clippy::panic)]
        {
            panic!("{message}")
        }
    })
}

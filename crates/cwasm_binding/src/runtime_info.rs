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

/// Converts WAT text to the wasm binary format (binary input passes through).
#[napi]
pub fn wat_to_wasm(text: &[u8]) -> napi::Result<napi::bindgen_prelude::Uint8Array> {
    crate::error::guard(|| Ok(cwasm_core::to_binary(text)?.into_owned().into()))
}

/// Does nothing: the baseline for measuring the cost of a call into the addon
/// (the `call.sync.vs_napi_noop` benchmark).
#[napi]
pub fn noop() -> u32 {
    0
}

/// The external memory V8 counts for this isolate, in bytes: what addons
/// (stores' linear memories among them, see `report_memory`) have told it.
/// `process.memoryUsage().external` does not include it on Node 20.
#[napi]
pub fn v8_external_memory(env: napi::Env) -> napi::Result<f64> {
    Ok(env.adjust_external_memory(0)? as f64)
}

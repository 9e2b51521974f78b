//! `BindingEngine`: the process-wide engine for one configuration.

use crate::convert::whole;
use crate::error::guard;
use cwasm_core::{Engine, EngineConfig, Error, OptLevel, PoolingConfig};
use napi_derive::napi;

/// Sizes for the pooling instance allocator.
#[napi(object)]
#[derive(Clone)]
pub struct BindingPoolingOptions {
    /// Live instances the pool can hold at once.
    /// @default 512
    pub total_core_instances: Option<u32>,
    /// Live linear memories the pool can hold at once.
    /// @default 512
    pub total_memories: Option<u32>,
    /// Live tables the pool can hold at once.
    /// @default 512
    pub total_tables: Option<u32>,
    /// Largest size of a pooled memory, in bytes.
    /// @default 268435456
    pub max_memory_size: Option<f64>,
}

/// Engine options, already validated by `packages/wasm/src/options/validate.ts`.
#[napi(object)]
#[derive(Clone, Default)]
pub struct BindingEngineOptions {
    /// Cranelift optimisation: `none`, `speed` or `speed_and_size`.
    /// @default "speed"
    pub opt_level: Option<String>,
    /// Fixed-width SIMD.
    /// @default true
    pub simd: Option<bool>,
    /// Relaxed SIMD (results may differ between CPUs).
    /// @default true
    pub relaxed_simd: Option<bool>,
    /// Fuel metering: deterministic instruction budgets, at some speed cost.
    /// @default false
    pub fuel: Option<bool>,
    /// Interruption: deadlines and cancellation, cheaper than fuel.
    /// @default true
    pub epoch_interruption: Option<bool>,
    /// Interrupt through Wasmtime's epoch checks instead of woven flag checks
    /// (slower loops; see EngineOptions.epochChecks).
    /// @default false
    pub epoch_checks: Option<bool>,
    /// Bytes of stack a guest may use before `stack_overflow`.
    /// @default 524288
    pub max_wasm_stack: Option<u32>,
    /// Multiple memories.
    /// @default true
    pub multi_memory: Option<bool>,
    /// 64-bit memories.
    /// @default true
    pub memory64: Option<bool>,
    /// Tail calls.
    /// @default true
    pub tail_call: Option<bool>,
    /// Threads and shared memories.
    /// @default false
    pub threads: Option<bool>,
    /// Extended constant expressions.
    /// @default true
    pub extended_const: Option<bool>,
    /// Function references and GC.
    /// @default true
    pub gc: Option<bool>,
    /// Pooling allocator sizes; absent means allocate on demand.
    /// @default undefined
    pub pooling: Option<BindingPoolingOptions>,
    /// Compile one module's functions on several threads.
    /// @default true
    pub parallel_compilation: Option<bool>,
}

pub(crate) fn to_config(o: &BindingEngineOptions) -> Result<EngineConfig, Error> {
    let d = EngineConfig::default();
    let opt_level = match o.opt_level.as_deref() {
        None | Some("speed") => OptLevel::Speed,
        Some("none") => OptLevel::None,
        Some("speed_and_size") => OptLevel::SpeedAndSize,
        Some(other) => {
            return Err(Error::InvalidArgument { message: format!("unknown optLevel '{other}'") });
        }
    };
    let pooling = o
        .pooling
        .as_ref()
        .map(|p| -> Result<PoolingConfig, Error> {
            let pd = PoolingConfig::default();
            Ok(PoolingConfig {
                total_core_instances: p.total_core_instances.unwrap_or(pd.total_core_instances),
                total_memories: p.total_memories.unwrap_or(pd.total_memories),
                total_tables: p.total_tables.unwrap_or(pd.total_tables),
                max_memory_size: p.max_memory_size.map(|v| whole(v, "pooling.maxMemorySize")).transpose()?.unwrap_or(pd.max_memory_size),
            })
        })
        .transpose()?;
    Ok(EngineConfig {
        opt_level,
        simd: o.simd.unwrap_or(d.simd),
        relaxed_simd: o.relaxed_simd.unwrap_or(d.relaxed_simd),
        fuel: o.fuel.unwrap_or(d.fuel),
        epoch_interruption: o.epoch_interruption.unwrap_or(d.epoch_interruption),
        epoch_checks: o.epoch_checks.unwrap_or(d.epoch_checks),
        max_wasm_stack: match o.max_wasm_stack {
            Some(v) => usize::try_from(v).map_err(|_| Error::InvalidArgument { message: format!("maxWasmStack is too large: {v}") })?,
            None => d.max_wasm_stack,
        },
        multi_memory: o.multi_memory.unwrap_or(d.multi_memory),
        memory64: o.memory64.unwrap_or(d.memory64),
        tail_call: o.tail_call.unwrap_or(d.tail_call),
        threads: o.threads.unwrap_or(d.threads),
        extended_const: o.extended_const.unwrap_or(d.extended_const),
        gc: o.gc.unwrap_or(d.gc),
        pooling,
        parallel_compilation: o.parallel_compilation.unwrap_or(d.parallel_compilation),
    })
}

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

//! Engine configuration: what the compiler and runtime may do.

use crate::error::Error;
use wasmtime::{Config, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How hard Cranelift optimises generated code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OptLevel {
    /// No optimisation: fastest compile, slowest code.
    None,
    /// Optimise for speed (the default).
    #[default]
    Speed,
    /// Optimise for speed and size.
    SpeedAndSize,
}

/// Sizes for Wasmtime's pooling instance allocator.
///
/// Pooling makes instantiation cheap (slots are reserved once), at the price
/// of a fixed number of live instances per engine and a reserved range of
/// virtual address space per memory slot. The sizes here are deliberately
/// modest: Wasmtime's own defaults reserve about 1000 × 4 GiB. With woven
/// interrupt checks (the default) every instance also takes one memory slot
/// for its interrupt flag, on top of `total_memories`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolingConfig {
    /// Live core instances the pool can hold at once. Default 512.
    pub total_core_instances: u32,
    /// Live linear memories the pool can hold at once. Default 512.
    pub total_memories: u32,
    /// Live tables the pool can hold at once. Default 512.
    pub total_tables: u32,
    /// The largest a pooled linear memory may grow, in bytes. Default 256 MiB.
    pub max_memory_size: u64,
}

impl Default for PoolingConfig {
    fn default() -> Self {
        PoolingConfig {
            total_core_instances: 512,
            total_memories: 512,
            total_tables: 512,
            max_memory_size: 256 << 20,
        }
    }
}

/// Everything that decides how an [`Engine`](crate::Engine) compiles and runs code.
///
/// Two configs that compare equal share one engine process-wide, and modules
/// compiled for one are reused by everyone with the same config.
///
/// # Examples
///
/// ```
/// let config = cwasm_core::EngineConfig { fuel: true, ..Default::default() };
/// assert!(config.cache_key().contains("fuel: true"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EngineConfig {
    /// Cranelift optimisation level. Default [`OptLevel::Speed`].
    pub opt_level: OptLevel,
    /// The fixed-width SIMD proposal (`v128`). Default on.
    pub simd: bool,
    /// The relaxed SIMD proposal; results may differ between CPUs. Default on.
    pub relaxed_simd: bool,
    /// Fuel metering: a deterministic instruction budget per call. Costs
    /// some speed on every loop back-edge and call. Default off.
    pub fuel: bool,
    /// Interruption: wall-clock deadlines and cancellation. Cheaper than
    /// fuel but not deterministic. Default on. How calls are interrupted is
    /// [`EngineConfig::epoch_checks`].
    pub epoch_interruption: bool,
    /// Interrupt through Wasmtime's epoch checks instead of our own woven
    /// flag checks. Epoch checks call into the runtime on their slow path,
    /// which makes Cranelift keep a loop's floating-point and vector values
    /// on the stack (up to 1.8× slower kernels); flag checks trap instead.
    /// Default off. Flag checks need `multi_memory` (they add a one-page
    /// memory to each module); without it, epoch checks are used.
    pub epoch_checks: bool,
    /// Bytes of native stack a guest may use before it traps with
    /// `stack_overflow`. Default 512 KiB.
    pub max_wasm_stack: usize,
    /// Multiple memories per module. Default on.
    pub multi_memory: bool,
    /// 64-bit memories and tables. Default on.
    pub memory64: bool,
    /// `return_call` and friends. Default on.
    pub tail_call: bool,
    /// Shared memories and atomics. Default off: shared memories cannot be
    /// capped by a store's limiter the same way.
    pub threads: bool,
    /// Extended constant expressions. Default on.
    pub extended_const: bool,
    /// Typed function references and GC types. Default on.
    pub gc: bool,
    /// Pooling instance allocator; `None` allocates on demand. Default `None`.
    pub pooling: Option<PoolingConfig>,
    /// Compile functions of one module on several threads. Default on.
    pub parallel_compilation: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            opt_level: OptLevel::Speed,
            simd: true,
            relaxed_simd: true,
            fuel: false,
            epoch_interruption: true,
            epoch_checks: false,
            max_wasm_stack: 512 * 1024,
            multi_memory: true,
            memory64: true,
            tail_call: true,
            threads: false,
            extended_const: true,
            gc: true,
            pooling: None,
            parallel_compilation: true,
        }
    }
}

/// How an engine interrupts running calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupts {
    /// Calls cannot be interrupted (no deadlines, no cancellation).
    Off,
    /// Wasmtime's epoch checks.
    Epoch,
    /// Checks of a flag memory woven into each module.
    Flag,
}

impl EngineConfig {
    /// Which interruption mechanism this config uses.
    pub fn interrupts(&self) -> Interrupts {
        if !self.epoch_interruption {
            Interrupts::Off
        } else if self.epoch_checks || !self.multi_memory {
            Interrupts::Epoch
        } else {
            Interrupts::Flag
        }
    }

    /// Each setting by the name the JS options give it (`engine.fuel`, …)
    /// and its value in text: written into artifacts, so that one compiled
    /// for another configuration can be refused naming what differs.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        let opt = match self.opt_level {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        };
        let pooling = match &self.pooling {
            None => "off".to_string(),
            Some(p) => format!(
                "totalInstances={},totalMemories={},totalTables={},maxMemorySize={}",
                p.total_core_instances, p.total_memories, p.total_tables, p.max_memory_size
            ),
        };
        vec![
            ("optLevel", opt.to_string()),
            ("simd", self.simd.to_string()),
            ("relaxedSimd", self.relaxed_simd.to_string()),
            ("fuel", self.fuel.to_string()),
            ("epochInterruption", self.epoch_interruption.to_string()),
            ("epochChecks", self.epoch_checks.to_string()),
            ("maxWasmStack", self.max_wasm_stack.to_string()),
            ("multiMemory", self.multi_memory.to_string()),
            ("memory64", self.memory64.to_string()),
            ("tailCall", self.tail_call.to_string()),
            ("threads", self.threads.to_string()),
            ("extendedConst", self.extended_const.to_string()),
            ("gc", self.gc.to_string()),
            ("pooling", pooling),
            ("parallelCompilation", self.parallel_compilation.to_string()),
        ]
    }

    /// A stable string that identifies this config, used as a cache key.
    pub fn cache_key(&self) -> String {
        format!("{self:?}")
    }

    /// Builds the Wasmtime [`Config`] this describes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when a value is out of range (a zero stack).
    pub fn to_wasmtime(&self) -> Result<Config, Error> {
        if self.max_wasm_stack < 16 * 1024 || self.max_wasm_stack > 64 << 20 {
            return Err(Error::invalid(format!(
                "maxWasmStack must be between 16 KiB and 64 MiB, got {} bytes",
                self.max_wasm_stack
            )));
        }
        let mut c = Config::new();
        c.cranelift_opt_level(match self.opt_level {
            OptLevel::None => wasmtime::OptLevel::None,
            OptLevel::Speed => wasmtime::OptLevel::Speed,
            OptLevel::SpeedAndSize => wasmtime::OptLevel::SpeedAndSize,
        });
        c.wasm_simd(self.simd)
            .wasm_relaxed_simd(self.simd && self.relaxed_simd)
            .wasm_multi_memory(self.multi_memory)
            .wasm_memory64(self.memory64)
            .wasm_tail_call(self.tail_call)
            .wasm_threads(self.threads || self.interrupts() == Interrupts::Flag)
            .wasm_extended_const(self.extended_const)
            .wasm_function_references(self.gc)
            .wasm_gc(self.gc)
            .wasm_reference_types(true)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .consume_fuel(self.fuel)
            .epoch_interruption(self.interrupts() == Interrupts::Epoch)
            .max_wasm_stack(self.max_wasm_stack)
            .parallel_compilation(self.parallel_compilation)
            .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(64))
            .wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
        if let Some(p) = &self.pooling {
            let mut pool = PoolingAllocationConfig::new();
            // Each instance of a woven module also has its flag memory.
            let flag_memories = if self.interrupts() == Interrupts::Flag { p.total_core_instances } else { 0 };
            pool.total_core_instances(p.total_core_instances)
                .total_memories(p.total_memories.saturating_add(flag_memories))
                .total_tables(p.total_tables)
                .max_memory_size(p.max_memory_size as usize)
                .max_memories_per_module(8)
                .total_component_instances(0)
                .total_stacks(0)
                .total_gc_heaps(p.total_core_instances);
            c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        Ok(c)
    }
}

//! Engine configuration: what the compiler and runtime may do.

use crate::error::Error;
use wasmtime::{Config, InstanceAllocationStrategy, PoolingAllocationConfig};

// The settings themselves (fields, defaults, ranges, the settings list)
// are generated from the option definitions: config_options.rs.
pub use crate::config_options::{Compiler, EngineConfig, FuelMeter, OptLevel, PoolingConfig};

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

    /// Whether fuel is counted by code woven into each module (`fuel.rs`)
    /// rather than by Wasmtime.
    pub fn woven_fuel(&self) -> bool {
        self.fuel && self.fuel_meter == FuelMeter::Woven
    }

    /// Whether Wasmtime's own fuel counts (`fuelMeter: 'wasmtime'`).
    pub fn wasmtime_fuel(&self) -> bool {
        self.fuel && self.fuel_meter == FuelMeter::Wasmtime
    }

    /// A stable string that identifies this config, used as a cache key.
    pub fn cache_key(&self) -> String {
        format!("{self:?}")
    }

    /// Builds the Wasmtime [`Config`] this describes: the engine that runs
    /// stores and makes cached artifacts (Winch with `compiler: 'winch'`,
    /// Cranelift otherwise).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when a value is out of its range (a stack under 16 KiB, …).
    pub fn to_wasmtime(&self) -> Result<Config, Error> {
        self.wasmtime_config(self.compiler == Compiler::Winch)
    }

    /// The compiler of the code stores run once a module is fully
    /// compiled, and that artifacts and caches hold.
    pub fn main_compiler(&self) -> Compiler {
        match self.compiler {
            Compiler::Winch => Compiler::Winch,
            _ => Compiler::Cranelift,
        }
    }

    /// The config as far as the code in artifacts and cache entries goes:
    /// `auto` and `cranelift` make the same main (Cranelift) code, and
    /// `baselineMinBytes` only chooses when Winch code comes first, so an
    /// artifact of one such engine loads in the other.
    pub fn code_identity(&self) -> EngineConfig {
        EngineConfig { compiler: self.main_compiler(), baseline_min_bytes: EngineConfig::default().baseline_min_bytes, ..self.clone() }
    }

    /// Whether modules start on Winch code while Cranelift compiles them
    /// in the background: `compiler: 'auto'`, unless Wasmtime's own fuel
    /// is on (Winch cannot count it).
    pub fn tiered(&self) -> bool {
        self.compiler == Compiler::Auto && !self.wasmtime_fuel()
    }

    /// The Wasmtime [`Config`] of the baseline (Winch) engine of a tiered
    /// config; `None` when the config is not tiered.
    ///
    /// # Errors
    ///
    /// As [`EngineConfig::to_wasmtime`].
    pub fn baseline_wasmtime(&self) -> Result<Option<Config>, Error> {
        if !self.tiered() {
            return Ok(None);
        }
        self.wasmtime_config(true).map(Some)
    }

    fn wasmtime_config(&self, winch: bool) -> Result<Config, Error> {
        self.check_ranges()?;
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
            .wasm_wide_arithmetic(self.wide_arithmetic)
            .wasm_custom_page_sizes(self.custom_page_sizes)
            // Shared memories only where every wait is woven to end at its
            // deadline (`waits.rs`), which the flag checks do.
            .shared_memory(self.threads && self.interrupts() == Interrupts::Flag)
            .wasm_reference_types(true)
            .wasm_bulk_memory(true)
            .wasm_multi_value(true)
            .consume_fuel(self.fuel && !self.woven_fuel())
            .epoch_interruption(self.interrupts() == Interrupts::Epoch)
            .max_wasm_stack(self.max_wasm_stack)
            .parallel_compilation(self.parallel_compilation)
            .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(64))
            .wasm_backtrace_details(wasmtime::WasmBacktraceDetails::Disable);
        if winch {
            c.strategy(wasmtime::Strategy::Winch);
            if self.wasmtime_fuel() {
                return Err(Error::invalid("compiler 'winch' cannot count Wasmtime's own fuel; use fuelMeter: 'woven' or another compiler"));
            }
            // What Winch does not compile: a module using it fails to
            // validate here (and `auto` compiles it with Cranelift instead).
            c.wasm_gc(false)
                .wasm_function_references(false)
                .wasm_relaxed_simd(false)
                .wasm_tail_call(false)
                .wasm_exceptions(false)
                .wasm_stack_switching(false);
        } else {
            c.strategy(wasmtime::Strategy::Cranelift);
        }
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

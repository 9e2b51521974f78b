//! Per-store resource limits.

use wasmtime::ResourceLimiter;

/// Limits for one [`Store`](crate::Store) and everything instantiated in it.
///
/// # Examples
///
/// ```
/// let opts = cwasm_core::StoreOptions { max_memory_bytes: Some(1 << 20), ..Default::default() };
/// assert!(opts.trap_on_grow_failure);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Largest size of any one linear memory, in bytes. Default `None` (the
    /// module's own maximum, or 4 GiB / 2^64 for memory64).
    pub max_memory_bytes: Option<u64>,
    /// Largest number of elements in any one table. Default `None`.
    pub max_table_elements: Option<u64>,
    /// How many instances the store may hold. Default 10 000.
    pub max_instances: usize,
    /// How many memories the store may hold. Default 10 000.
    pub max_memories: usize,
    /// How many tables the store may hold. Default 10 000.
    pub max_tables: usize,
    /// When a grow would pass a limit: `true` raises a `memory_limit` error,
    /// `false` gives plain wasm semantics (`memory.grow` returns -1). Default `true`.
    pub trap_on_grow_failure: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_memory_bytes: None,
            max_table_elements: None,
            max_instances: 10_000,
            max_memories: 10_000,
            max_tables: 10_000,
            trap_on_grow_failure: true,
        }
    }
}

/// The error a limiter raises; recognised when a call fails.
#[derive(Debug)]
pub(crate) struct LimitExceeded(pub String);

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitExceeded {}

pub(crate) struct Limiter {
    pub(crate) options: StoreOptions,
    pub(crate) peak_memory: u64,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if let Some(max) = self.options.max_memory_bytes {
            if desired as u64 > max {
                if self.options.trap_on_grow_failure {
                    return Err(wasmtime::Error::new(LimitExceeded(format!(
                        "linear memory would grow from {current} to {desired} bytes, past the limit of {max} bytes; raise maxMemory or make the guest use less"
                    ))));
                }
                return Ok(false);
            }
        }
        self.peak_memory = self.peak_memory.max(desired as u64);
        Ok(true)
    }

    fn table_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if let Some(max) = self.options.max_table_elements {
            if desired as u64 > max {
                if self.options.trap_on_grow_failure {
                    return Err(wasmtime::Error::new(LimitExceeded(format!(
                        "table would grow from {current} to {desired} elements, past the limit of {max}; raise maxTableElements"
                    ))));
                }
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.options.max_instances
    }

    fn tables(&self) -> usize {
        self.options.max_tables
    }

    fn memories(&self) -> usize {
        self.options.max_memories
    }
}

//! Per-store resource limits.

use wasmtime::ResourceLimiter;

// The limits themselves (fields, defaults, ranges) are generated from the
// option definitions: config_options.rs.
pub use crate::config_options::StoreOptions;

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
    /// Bytes of linear memory the store holds: every memory's size, summed
    /// as they are created and grow (memories never shrink, and go only
    /// with the store). Shared with [`crate::Store`], which reads it
    /// without taking the store.
    pub(crate) memory_bytes: std::sync::Arc<std::sync::atomic::AtomicU64>,
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
        let added = (desired as u64).saturating_sub(current as u64);
        self.memory_bytes.fetch_add(added, std::sync::atomic::Ordering::Relaxed);
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

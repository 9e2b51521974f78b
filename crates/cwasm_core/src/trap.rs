//! Stable trap codes, one per Wasmtime [`wasmtime::Trap`] variant.

use crate::error::{Error, Frame};
use crate::host::HostError;
use crate::limits::LimitExceeded;
use wasmtime::{Trap, WasmBacktrace};

/// The stable code for a Wasmtime trap.
///
/// The common ones have short names that match the WebAssembly spec's wording
/// (`unreachable`, `integer_divide_by_zero`, `indirect_call_type_mismatch`);
/// every other variant gets its Wasmtime name in snake_case, so a variant
/// added by a newer Wasmtime still gets a code, and the test of
/// [`all_trap_codes`] against the JS union fails until the union is updated.
///
/// # Examples
///
/// ```
/// assert_eq!(cwasm_core::trap_code(wasmtime::Trap::UnreachableCodeReached), "unreachable");
/// ```
pub fn trap_code(trap: Trap) -> &'static str {
    match trap {
        Trap::StackOverflow => "stack_overflow",
        Trap::MemoryOutOfBounds => "memory_out_of_bounds",
        Trap::HeapMisaligned => "heap_misaligned",
        Trap::TableOutOfBounds => "table_out_of_bounds",
        Trap::IndirectCallToNull => "indirect_call_to_null",
        Trap::BadSignature => "indirect_call_type_mismatch",
        Trap::IntegerOverflow => "integer_overflow",
        Trap::IntegerDivisionByZero => "integer_divide_by_zero",
        Trap::BadConversionToInteger => "bad_conversion_to_integer",
        Trap::UnreachableCodeReached => "unreachable",
        Trap::Interrupt => "interrupt",
        Trap::OutOfFuel => "out_of_fuel",
        Trap::AtomicWaitNonSharedMemory => "atomic_wait_non_shared_memory",
        Trap::NullReference => "null_reference",
        Trap::ArrayOutOfBounds => "array_out_of_bounds",
        Trap::AllocationTooLarge => "allocation_too_large",
        Trap::CastFailure => "cast_failure",
        other => snake_name(other),
    }
}

/// Interns the snake_case form of a variant's Debug name.
fn snake_name(trap: Trap) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashMap<Trap, &'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = match names.lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    map.entry(trap).or_insert_with(|| {
        let debug = format!("{trap:?}");
        let mut out = String::with_capacity(debug.len() + 4);
        for (i, ch) in debug.chars().enumerate() {
            if ch.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(ch.to_ascii_lowercase());
            } else {
                out.push(ch);
            }
        }
        Box::leak(out.into_boxed_str())
    })
}

/// Every trap code this build of Wasmtime can produce, in variant order.
///
/// # Examples
///
/// ```
/// assert!(cwasm_core::all_trap_codes().contains(&"stack_overflow"));
/// ```
pub fn all_trap_codes() -> Vec<&'static str> {
    (0u8..=250).filter_map(Trap::from_u8).map(trap_code).collect()
}

/// The wasm backtrace of an error that came out of guest code.
pub(crate) fn frames_of(e: &wasmtime::Error) -> Vec<Frame> {
    match e.downcast_ref::<WasmBacktrace>() {
        Some(bt) => bt
            .frames()
            .iter()
            .map(|f| Frame {
                func_index: f.func_index(),
                func_name: f.func_name().map(str::to_string),
                module_name: f.module().name().map(str::to_string),
                module_offset: f.module_offset().map(|o| o as u64),
            })
            .collect(),
        None => Vec::new(),
    }
}

/// [`run_error`] where the store is at hand: a wasm exception that escaped
/// is taken from the store and rooted for the host.
pub(crate) fn guest_error<T: crate::gcref::GcRootHost + 'static>(mut ctx: impl wasmtime::AsContextMut<Data = T>, e: wasmtime::Error) -> Error {
    if e.downcast_ref::<wasmtime::ThrownException>().is_none() {
        return run_error(e);
    }
    let frames = frames_of(&e);
    // Its own scope: the hot numeric path calls without one.
    let mut scope = wasmtime::RootScope::new(ctx.as_context_mut());
    let mut ctx = wasmtime::AsContextMut::as_context_mut(&mut scope);
    let Some(exn) = ctx.take_pending_exception() else {
        return Error::bug("a wasm exception was thrown but the store holds none");
    };
    let roots = ctx.data().gc_roots().clone();
    let params: Vec<wasmtime::ValType> = exn.tag(&mut ctx).map(|t| t.ty(&ctx).ty().params().collect()).unwrap_or_default();
    let mut values = Vec::with_capacity(params.len());
    for (i, ty) in params.iter().enumerate() {
        use crate::Value as V;
        use wasmtime::Val;
        let number = |v: Val| match v {
            Val::I32(x) => Some(V::I32(x)),
            Val::I64(x) => Some(V::I64(x)),
            Val::F32(x) => Some(V::F32(x)),
            Val::F64(x) => Some(V::F64(x)),
            Val::V128(x) => Some(V::V128(x.as_u128())),
            _ => None,
        };
        let slot = match exn.field(&mut ctx, i) {
            Ok(v) => number(v).map(|n| n.to_slot(|_| 0)),
            Err(e) => return Error::bug(format!("reading an exception's payload: {e}")),
        };
        values.push((crate::types::val_type_str(ty), slot));
    }
    match roots.hold_exn(&mut ctx, &exn) {
        Ok(o) => Error::Exception {
            message: format!("a wasm exception escaped the call uncaught (its tag carries {} value(s))", params.len()),
            exn: o.id,
            values,
            frames,
        },
        Err(e) => e,
    }
}

/// [`Error::MemoryLimit`] when the operating system refused memory
/// (`ENOMEM`) somewhere in `e`'s causes: an address-space reservation for a
/// new linear memory, a mapping past `vm.max_map_count`, a commit. That is
/// the process running out of room, not a bad argument, and its fix is
/// fewer live stores.
pub(crate) fn system_refused_memory(e: &wasmtime::Error) -> Option<Error> {
    let enomem = e.chain().any(|c| {
        c.downcast_ref::<rustix::io::Errno>().is_some_and(|n| *n == rustix::io::Errno::NOMEM)
            || c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::OutOfMemory || io.raw_os_error() == Some(libc::ENOMEM))
    });
    enomem.then(|| Error::MemoryLimit {
        message: format!(
            "the system refused memory ({e:#}): every linear memory reserves about 4 GiB of address space, held until its store is released \
             or garbage-collected; call release() on stores that are done, or keep fewer alive at once"
        ),
    })
}

/// Classifies an error that came out of running guest code.
pub(crate) fn run_error(e: wasmtime::Error) -> Error {
    let frames = frames_of(&e);
    if let Some(h) = e.downcast_ref::<HostError>() {
        return Error::Host { message: h.message.clone(), payload: h.payload, frames };
    }
    if let Some(l) = e.downcast_ref::<LimitExceeded>() {
        return Error::MemoryLimit { message: l.0.clone() };
    }
    if e.downcast_ref::<wasmtime::ThrownException>().is_some() {
        // Every path that runs guest code uses `guest_error` instead.
        return Error::bug("a wasm exception escaped where the store could not take it");
    }
    if let Some(ours) = e.downcast_ref::<Error>() {
        return ours.clone();
    }
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Error::Exit { code: exit.0 };
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => Error::FuelExhausted { frames },
            Trap::Interrupt => Error::Timeout { limit_ms: 0 },
            t => Error::Trap { code: trap_code(*t), message: t.to_string(), frames },
        };
    }
    let text = format!("{e:#}");
    if text.contains("resource limit exceeded") {
        return Error::MemoryLimit { message: format!("{text}; raise the store's limits (maxInstances, maxMemory, …) or use fewer") };
    }
    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return Error::MemoryLimit { message: format!("{e:#}; raise the pooling allocator's sizes or drop unused instances") };
    }
    if let Some(refused) = system_refused_memory(&e) {
        return refused;
    }
    Error::InvalidArgument { message: format!("{e:#}") }
}

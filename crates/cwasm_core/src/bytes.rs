//! Bytes in and out of a guest: the `allocate` convention.
//!
//! The ABI (written once, also in the README):
//!
//! - the guest exports its linear memory as `memory` and
//!   `allocate(size: i32) -> i32`, which returns a pointer to `size` free
//!   bytes (it may also export `deallocate(ptr: i32, size: i32)`);
//! - the host calls `allocate(len)`, copies the input there, and calls the
//!   function as `fn(ptr: i32, len: i32) -> i64`;
//! - the result packs the output's pointer in the high 32 bits and its
//!   length in the low 32 bits: `(ptr << 32) | len`;
//! - the host copies the output out, then, when `deallocate` is exported,
//!   frees the input (`deallocate(in_ptr, in_len)`) and the output
//!   (`deallocate(out_ptr, out_len)`). Without `deallocate` the guest owns
//!   both buffers (a bump allocator reset per call, say).

use crate::cancel::CallToken;
use crate::error::Error;
use crate::store::Store;
use crate::store_data::StoreData;
use crate::trap::guest_error;
use wasmtime::{Instance, StoreContextMut, TypedFunc};

fn abi(message: impl Into<String>) -> Error {
    Error::Abi { message: message.into() }
}

fn typed<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(
    ctx: &mut StoreContextMut<'_, StoreData>,
    instance: Instance,
    name: &str,
    sig: &str,
) -> Result<Option<TypedFunc<P, R>>, Error> {
    match instance.get_func(&mut *ctx, name) {
        None => Ok(None),
        Some(f) => f
            .typed::<P, R>(&*ctx)
            .map(Some)
            .map_err(|_| abi(format!("the export '{name}' must have the type {sig} for a bytes call"))),
    }
}

impl Store {
    /// Calls `name` with `input` as bytes, following the `allocate`
    /// convention above, and returns the output bytes. The whole exchange
    /// (allocate, call, deallocate) is one call: one deadline, one fuel
    /// budget, one cancellation.
    ///
    /// # Errors
    ///
    /// [`Error::Abi`] when the guest lacks `memory` or `allocate`, an
    /// export has the wrong type, or a pointer or length falls outside the
    /// memory; otherwise as [`Store::call`] (traps, timeouts, …), and
    /// [`Error::Cancelled`] when `token` is cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use cwasm_core::{Engine, EngineConfig, Module, Store, StoreOptions};
    /// let engine = Engine::shared(&EngineConfig::default())?;
    /// // Upper-cases ASCII in place and hands the same buffer back.
    /// let module = Module::compile(&engine, br#"(module
    ///   (memory (export "memory") 1)
    ///   (global $top (mut i32) (i32.const 1024))
    ///   (func (export "allocate") (param $n i32) (result i32)
    ///     (global.get $top) (global.set $top (i32.add (global.get $top) (local.get $n))))
    ///   (func (export "upper") (param $p i32) (param $n i32) (result i64) (local $i i32) (local $c i32)
    ///     (block $done (loop $next
    ///       (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    ///       (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $i))))
    ///       (if (i32.and (i32.ge_u (local.get $c) (i32.const 97)) (i32.le_u (local.get $c) (i32.const 122)))
    ///         (then (i32.store8 (i32.add (local.get $p) (local.get $i)) (i32.sub (local.get $c) (i32.const 32)))))
    ///       (local.set $i (i32.add (local.get $i) (i32.const 1)))
    ///       (br $next)))
    ///     (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n)))))"#)?;
    /// let store = Store::new(&engine, StoreOptions::default());
    /// let instance = store.instantiate(&module, &[])?;
    /// assert_eq!(store.call_bytes(instance, "upper", b"hello", None)?, b"HELLO");
    /// # Ok::<(), cwasm_core::Error>(())
    /// ```
    pub fn call_bytes(&self, instance: Instance, name: &str, input: &[u8], token: Option<&CallToken>) -> Result<Vec<u8>, Error> {
        let len = u32::try_from(input.len()).map_err(|_| abi(format!("the input is {} bytes; a bytes call takes at most 4 GiB - 1", input.len())))?;
        self.with_call_inner(true, token, |mut ctx| {
            let memory = instance
                .get_memory(&mut ctx, "memory")
                .ok_or_else(|| abi("the guest exports no memory named 'memory', which a bytes call needs"))?;
            let allocate = typed::<i32, i32>(&mut ctx, instance, "allocate", "(i32) -> i32")?
                .ok_or_else(|| abi("the guest exports no 'allocate(size: i32) -> i32', which a bytes call needs"))?;
            let deallocate = typed::<(i32, i32), ()>(&mut ctx, instance, "deallocate", "(i32, i32) -> ()")?;
            let func = typed::<(i32, i32), i64>(&mut ctx, instance, name, "(ptr: i32, len: i32) -> i64")?
                .ok_or_else(|| Error::invalid(format!("the module has no exported function '{name}'")))?;
            let in_ptr = allocate.call(&mut ctx, len as i32).map_err(|e| guest_error(&mut ctx, e))? as u32;
            let size = memory.data_size(&ctx) as u64;
            if u64::from(in_ptr) + u64::from(len) > size {
                return Err(abi(format!("allocate({len}) returned {in_ptr}, which leaves no room for {len} bytes in a memory of {size} bytes")));
            }
            memory.data_mut(&mut ctx)[in_ptr as usize..(in_ptr + len) as usize].copy_from_slice(input);
            let packed = func.call(&mut ctx, (in_ptr as i32, len as i32)).map_err(|e| guest_error(&mut ctx, e))? as u64;
            let (out_ptr, out_len) = ((packed >> 32) as u32, packed as u32);
            let size = memory.data_size(&ctx) as u64;
            if u64::from(out_ptr) + u64::from(out_len) > size {
                return Err(abi(format!(
                    "'{name}' returned a result at {out_ptr} of {out_len} bytes, outside its memory of {size} bytes"
                )));
            }
            let out = memory.data(&ctx)[out_ptr as usize..(out_ptr as usize + out_len as usize)].to_vec();
            if let Some(free) = deallocate {
                free.call(&mut ctx, (in_ptr as i32, len as i32)).map_err(|e| guest_error(&mut ctx, e))?;
                if out_len > 0 && out_ptr != in_ptr {
                    free.call(&mut ctx, (out_ptr as i32, out_len as i32)).map_err(|e| guest_error(&mut ctx, e))?;
                }
            }
            Ok(out)
        })
    }
}

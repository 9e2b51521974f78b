//! Host functions: Rust closures (and, through the binding, JS functions)
//! that a guest imports, and the re-entry that lets them use the store
//! while the guest waits.

use crate::error::Error;
use crate::host::{HostError, HostFn, SlotHostFn};
use crate::store::{RestorePtr, Store};
use crate::store_data::{func_handle, StoreData};
use crate::types::parse_val_type;
use crate::value::{Value, ValueKind};
use std::sync::atomic::Ordering;
use wasmtime::{AsContextMut, Caller, Func, FuncType, Val, ValType};

impl Store {
    /// Creates a host function whose arguments and results cross as slots
    /// (see [`Store::call_slots`]); the function returns its result slots.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name.
    pub fn host_func_slots(&self, params: &[String], results: &[String], f: SlotHostFn) -> Result<Func, Error> {
        let result_kinds: Vec<ValueKind> =
            results.iter().map(|r| parse_val_type(r).map(|t| ValueKind::of(&t))).collect::<Result<_, _>>()?;
        self.host_func_raw(params, results, move |caller, args| {
            let mut bytes = Vec::with_capacity(args.len() * 16);
            for a in args {
                let slot = a.to_slot(|func| func_handle(&mut *caller, func));
                bytes.extend_from_slice(&slot);
            }
            let out = reenter(caller, || f(&bytes))?;
            if out.len() != result_kinds.len() * 16 {
                return Err(HostError {
                    message: format!(
                        "the host function returned {} bytes of results; its signature needs {}",
                        out.len(),
                        result_kinds.len() * 16
                    ),
                    payload: None,
                    throw: None,
                });
            }
            let mut values = Vec::with_capacity(result_kinds.len());
            for (i, k) in result_kinds.iter().enumerate() {
                let data = caller.data();
                let v = Value::from_slot(*k, &out[i * 16..i * 16 + 16], |h| data.funcs.get(h))
                    .map_err(|e| HostError { message: e.message(), payload: None, throw: None })?;
                values.push(v);
            }
            Ok(values)
        })
    }

    /// Creates a host function with the given signature.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name.
    pub fn host_func(&self, params: &[String], results: &[String], f: HostFn) -> Result<Func, Error> {
        self.host_func_raw(params, results, move |caller, args| reenter(caller, || f(args)))
    }

    fn host_func_raw(
        &self,
        params: &[String],
        results: &[String],
        f: impl Fn(&mut Caller<'_, StoreData>, &[Value]) -> Result<Vec<Value>, HostError> + Send + Sync + 'static,
    ) -> Result<Func, Error> {
        let params: Vec<ValType> = params.iter().map(|p| parse_val_type(p)).collect::<Result<_, _>>()?;
        let results: Vec<ValType> = results.iter().map(|p| parse_val_type(p)).collect::<Result<_, _>>()?;
        let result_types = results.clone();
        let ty = FuncType::new(self.wasmtime_engine(), params, results);
        self.with(|mut ctx| {
            Ok(Func::new(&mut ctx, ty, move |mut caller: Caller<'_, StoreData>, params: &[Val], out: &mut [Val]| {
                let mut args = Vec::with_capacity(params.len());
                for p in params {
                    args.push(Value::from_val(p, &mut caller).map_err(wasmtime::Error::new)?);
                }
                let values = match f(&mut caller, &args) {
                    Ok(v) => v,
                    Err(HostError { throw: Some(exn), .. }) => {
                        let roots = caller.data().gc_roots.clone();
                        let exn = roots.exn(&mut caller, exn).map_err(wasmtime::Error::new)?;
                        return caller.as_context_mut().throw(exn);
                    }
                    Err(e) => return Err(wasmtime::Error::new(e)),
                };
                if values.len() != out.len() {
                    return Err(wasmtime::Error::new(HostError {
                        message: format!("the host function returned {} value(s) but its signature has {}", values.len(), out.len()),
                        payload: None,
                        throw: None,
                    }));
                }
                for (i, (slot, v)) in out.iter_mut().zip(values).enumerate() {
                    *slot = v.to_val_checked(&mut caller, &result_types[i], || format!("the host function's result {i}")).map_err(|e| {
                        wasmtime::Error::new(HostError { message: e.message(), payload: None, throw: None })
                    })?;
                }
                Ok(())
            }))
        })
    }
}

/// Runs `g` (the embedder's host code) with the store reachable through
/// [`Store::with`] via this host call's `Caller`.
pub(crate) fn reenter<R>(caller: &mut Caller<'_, StoreData>, g: impl FnOnce() -> R) -> R {
    // While the host runs, no woven check or epoch tick can stop the call:
    // let the host ask instead (`stop_requested`).
    let data = caller.data();
    let check = crate::host::StopCheck {
        interrupt: data.interrupt.clone(),
        cancel: data.cancel.clone(),
        deadline: data.deadline.map(|(at, _)| at),
    };
    crate::host::with_stop_check(check, || reenter_inner(caller, g))
}

fn reenter_inner<R>(caller: &mut Caller<'_, StoreData>, g: impl FnOnce() -> R) -> R {
    let active = caller.data().active.clone();
    let me = caller as *mut Caller<'_, StoreData> as *mut ();
    let prev = active.swap(me, Ordering::SeqCst);
    let _restore = RestorePtr(&active, prev);
    // `caller` is not touched again until `g` returns; re-entrant users
    // reach it through the swapped-out pointer, one at a time.
    g()
}

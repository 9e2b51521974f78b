//! The fast synchronous call path: functions registered in a per-thread
//! table and called by number, with arguments and results in a scratch
//! buffer shared with JS once. A call then crosses napi with one integer,
//! instead of unwrapping a class instance and a typed array every time
//! (measured: a method call on a napi-rs class costs ~10× a plain function).

use crate::error::guard;
use cwasm_core::{Error, Func, FuncKinds, Store};
use napi::bindgen_prelude::Uint8Array;
use napi::{sys, Env};
use napi_derive::napi;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

struct Entry {
    store: Arc<Store>,
    func: Func,
    kinds: Arc<FuncKinds>,
}

/// This thread's fast-call state, in one thread-local: a thread-local
/// access in a dynamically loaded library is a call (`__tls_get_addr`).
struct Fast {
    table: RefCell<Vec<Option<Arc<Entry>>>>,
    free: RefCell<Vec<u32>>,
    // Leaked on purpose (one per JS thread): the typed array stays referenced,
    // so its memory stays put, and nothing is released after the environment
    // that owns it is torn down.
    scratch: Cell<Option<(*mut u8, usize)>>,
}

thread_local! {
    static FAST: Fast = const { Fast { table: RefCell::new(Vec::new()), free: RefCell::new(Vec::new()), scratch: Cell::new(None) } };
}

/// Shares this thread's scratch buffer for `callFast` (once, at load).
#[napi]
pub fn set_call_scratch(mut buffer: Uint8Array) {
    // SAFETY: the slice stays valid while the typed array is referenced,
    // which is forever: the reference is leaked below.
    let slice = unsafe { buffer.as_mut() };
    let raw = (slice.as_mut_ptr(), slice.len());
    Box::leak(Box::new(buffer));
    FAST.with(|f| f.scratch.set(Some(raw)));
}

pub(crate) fn register(store: Arc<Store>, func: Func, kinds: Arc<FuncKinds>) -> u32 {
    let entry = Arc::new(Entry { store, func, kinds });
    FAST.with(|fast| {
        let reused = fast.free.borrow_mut().pop();
        let mut t = fast.table.borrow_mut();
        match reused {
            Some(id) => {
                t[id as usize - 1] = Some(entry);
                id
            }
            None => {
                t.push(Some(entry));
                t.len() as u32
            }
        }
    })
}

pub(crate) fn unregister(id: u32) {
    FAST.with(|fast| {
        let removed = fast.table.borrow_mut().get_mut(id as usize - 1).and_then(Option::take);
        if removed.is_some() {
            fast.free.borrow_mut().push(id);
        }
    });
}

/// Calls function `id` (from `fastId`) on this thread with the arguments in
/// the scratch buffer; results overwrite them. Returns the result count.
#[napi]
pub fn call_fast(env: Env, id: u32) -> napi::Result<u32> {
    guard(|| call_fast_impl(env.raw(), id))
}

/// Returns `callFast` as a raw N-API function. napi-rs wraps every generated
/// function with a borrow scope that costs more than the rest of a small
/// call; this one reads its one integer and returns one, nothing else.
#[napi(ts_return_type = "(id: number) => number")]
pub fn raw_call_fast(env: Env) -> napi::Result<napi::bindgen_prelude::Unknown<'static>> {
    raw_function(env, c"callFast", raw_call_fast_cb)
}

/// A plain N-API function value calling `cb`, without napi-rs's wrapper.
fn raw_function(
    env: Env,
    name: &std::ffi::CStr,
    cb: unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value,
) -> napi::Result<napi::bindgen_prelude::Unknown<'static>> {
    let mut f = std::ptr::null_mut();
    let len = name.to_bytes().len() as isize;
    // SAFETY: plain N-API calls on the current env with valid arguments.
    let status = unsafe { sys::napi_create_function(env.raw(), name.as_ptr(), len, Some(cb), std::ptr::null_mut(), &mut f) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("napi_create_function failed"));
    }
    // SAFETY: `f` is a live function value of this env.
    Ok(unsafe { napi::bindgen_prelude::Unknown::from_raw_unchecked(env.raw(), f) })
}

/// Returns a raw N-API function of the same shape as `rawCallFast` (one
/// integer in, one out) that does nothing: the baseline of the
/// `call.sync.vs_napi_noop` benchmark.
#[napi(ts_return_type = "(id: number) => number")]
pub fn raw_noop(env: Env) -> napi::Result<napi::bindgen_prelude::Unknown<'static>> {
    raw_function(env, c"noop", raw_noop_cb)
}

/// Returns a raw N-API function `(a, b) => a + b` that calls a plain
/// Wasmtime function with nothing of ours in between (see
/// `cwasm_core::calibration`): the floor of `call.sync.vs_napi_noop`.
#[napi(ts_return_type = "(a: number, b: number) => number")]
pub fn raw_bare_add(env: Env) -> napi::Result<napi::bindgen_prelude::Unknown<'static>> {
    raw_function(env, c"bareAdd", raw_bare_add_cb)
}

unsafe extern "C" fn raw_bare_add_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut argc = 2usize;
    let mut argv = [std::ptr::null_mut(); 2];
    let (mut a, mut b) = (0i32, 0i32);
    let mut out = std::ptr::null_mut();
    // SAFETY: as in raw_call_fast_cb.
    unsafe {
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), std::ptr::null_mut());
        if argc >= 2 {
            sys::napi_get_value_int32(env, argv[0], &mut a);
            sys::napi_get_value_int32(env, argv[1], &mut b);
        }
        sys::napi_create_int32(env, cwasm_core::calibration::bare_add(a, b).unwrap_or(0), &mut out);
    }
    out
}

unsafe extern "C" fn raw_noop_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut argc = 1usize;
    let mut argv = [std::ptr::null_mut(); 1];
    let mut id = 0u32;
    let mut out = std::ptr::null_mut();
    // SAFETY: as in raw_call_fast_cb.
    unsafe {
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), std::ptr::null_mut());
        if argc >= 1 {
            sys::napi_get_value_uint32(env, argv[0], &mut id);
        }
        sys::napi_create_uint32(env, std::hint::black_box(id), &mut out);
    }
    out
}

unsafe extern "C" fn raw_call_fast_cb(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let mut argc = 1usize;
    let mut argv = [std::ptr::null_mut(); 1];
    let mut id = 0u32;
    // SAFETY: N-API contract: `info` belongs to this callback, argv has room for argc values.
    unsafe {
        sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), std::ptr::null_mut());
        if argc >= 1 {
            sys::napi_get_value_uint32(env, argv[0], &mut id);
        }
    }
    let mut out = std::ptr::null_mut();
    match guard(|| call_fast_impl(env, id)) {
        // SAFETY: creating a number on the current env.
        Ok(n) => unsafe {
            sys::napi_create_uint32(env, n, &mut out);
        },
        Err(e) => {
            let msg = std::ffi::CString::new(e.reason.replace('\0', " ")).unwrap_or_default();
            // SAFETY: throwing on the current env; the strings outlive the call.
            unsafe {
                sys::napi_throw_error(env, c"GenericFailure".as_ptr(), msg.as_ptr());
            }
        }
    }
    out
}

fn call_fast_impl(env: sys::napi_env, id: u32) -> Result<u32, Error> {
    // Borrow, don't clone, the entry: a clone costs two locked atomic
    // operations per call. The entry outlives this call because it is only
    // removed when the JS object that registered it is collected, and that
    // object is on the JS stack of this call. A host function may register
    // more functions meanwhile, which can move the table but not the entry.
    let (entry, scratch) = FAST.with(|fast| {
        let entry = fast.table.borrow().get((id as usize).wrapping_sub(1)).and_then(|e| e.as_ref().map(Arc::as_ptr));
        (entry, fast.scratch.get())
    });
    let entry = entry.ok_or_else(|| Error::InvalidArgument { message: format!("no function is registered under fast id {id}") })?;
    // SAFETY: see above.
    let entry = unsafe { &*entry };
    let (ptr, len) = scratch.ok_or_else(|| Error::Bug { message: "no call scratch buffer is set on this thread".into() })?;
    // SAFETY: the scratch memory lives forever (see set_call_scratch);
    // JS does not touch it while this call runs except through nested
    // calls, which finish before we read results back.
    let slots = unsafe { std::slice::from_raw_parts_mut(ptr, len) };
    let r = entry.store.call_slots_with(entry.func, &entry.kinds, slots);
    // Two loads when the call grew nothing.
    crate::binding_store::report_memory(env, &entry.store, false);
    Ok(r? as u32)
}

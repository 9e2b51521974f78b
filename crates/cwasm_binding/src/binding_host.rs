//! JS host functions. One dispatcher function per JS thread answers every
//! host call, by host-function id; native code holds no reference to the
//! user's functions, so a store and its host functions are garbage like any
//! other JS objects (no cycle through native references).

use cwasm_core::{Error, HostError, SlotHostFn};
use napi::bindgen_prelude::{Either, FnArgs, Function, FunctionRef, Uint8Array};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread::ThreadId;

/// `(hostId, argSlots, callId)` → result slots, or a number: ≥ 1 is the id
/// of the error the host function threw; ≤ -1 the negated id of a wasm
/// exception object to throw into the guest; 0 (only when `callId` ≠ 0) means
/// the answer comes later through `completeHostCall`.
type Args = FnArgs<(u32, Uint8Array, u32)>;
type Answer = Either<Uint8Array, f64>;
type Tsfn = ThreadsafeFunction<Args, Answer, Args, Status, false, true>;

struct Dispatcher {
    sync: FunctionRef<Args, Answer>,
    tsfn: Tsfn,
    raw_env: usize,
    thread: ThreadId,
}

// Leaked on purpose, one per JS thread: dropping the napi reference or the
// threadsafe function after its environment is torn down (a worker exiting)
// would be undefined behaviour, and nothing here is worth that risk.
thread_local! {
    static DISPATCHER: Cell<Option<&'static Dispatcher>> = const { Cell::new(None) };
}

type Waiters = Mutex<HashMap<u32, mpsc::Sender<Result<Vec<u8>, HostError>>>>;
static PENDING: OnceLock<Waiters> = OnceLock::new();
static NEXT_CALL: AtomicU32 = AtomicU32::new(1);

/// How often a guest waiting for an async host function looks whether its
/// call was stopped: the deadline's resolution while a host function runs.
const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(1);

fn pending() -> &'static Waiters {
    PENDING.get_or_init(|| Mutex::new(HashMap::new()))
}

fn answer(r: Answer) -> Option<Result<Vec<u8>, HostError>> {
    match r {
        Either::A(bytes) => Some(Ok(bytes.to_vec())),
        // Our own dispatcher answers 0 for "pending" (an async host function),
        // or the id (a whole number from 1) under which it keeps what was thrown.
        Either::B(0.0) => None,
        Either::B(id) if (1.0..=f64::from(u32::MAX)).contains(&id) && id.fract() == 0.0 => {
            Some(Err(HostError { message: "the host function threw".into(), payload: Some(id as u32), throw: None }))
        }
        // A negative number: the host function threw a wasm exception, the
        // object the store holds under `-n` (see `newException`).
        Either::B(n) if (-9_007_199_254_740_991.0..=-1.0).contains(&n) && n.fract() == 0.0 => Some(Err(HostError::throw((-n) as u64))),
        Either::B(id) => Some(Err(HostError { message: format!("the host dispatcher answered {id}, which is neither bytes nor an error id"), payload: None, throw: None })),
    }
}

/// Registers this JS thread's host-call dispatcher (once, at load).
#[napi(ts_args_type = "dispatcher: (hostId: number, argSlots: Uint8Array, callId: number) => Uint8Array | number")]
pub fn set_host_dispatcher(env: Env, dispatcher: Function<Args, Answer>) -> napi::Result<()> {
    let sync = dispatcher.create_ref()?;
    // Weak: pending host calls never keep the process alive by themselves.
    let tsfn: Tsfn = dispatcher.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
    let d: &'static Dispatcher =
        Box::leak(Box::new(Dispatcher { sync, tsfn, raw_env: env.raw() as usize, thread: std::thread::current().id() }));
    DISPATCHER.with(|cell| cell.set(Some(d)));
    Ok(())
}

/// Delivers the result of an async host function to the guest waiting for
/// it. Returns `false` when nobody waits any more (the call was stopped), so
/// the caller can let go of what it kept for the answer.
#[napi(ts_args_type = "callId: number, result: Uint8Array | number")]
pub fn complete_host_call(call_id: u32, result: Answer) -> bool {
    let tx = pending().lock().ok().and_then(|mut m| m.remove(&call_id));
    match (tx, answer(result)) {
        (Some(tx), Some(r)) => tx.send(r).is_ok(),
        _ => false,
    }
}

fn gone(e: napi::Error) -> HostError {
    HostError { message: e.reason.clone(), payload: None, throw: None }
}

/// A host function answered by this JS thread's dispatcher under `host_id`.
pub(crate) fn js_host_fn(host_id: u32) -> Result<SlotHostFn, Error> {
    let d = DISPATCHER.with(|cell| cell.get()).ok_or_else(|| Error::Bug {
        message: "no host dispatcher is registered on this thread; load @cybernetic/wasm, not the addon alone".into(),
    })?;
    Ok(Arc::new(move |args: &[u8]| {
        if std::thread::current().id() == d.thread {
            // The guest runs on the JS thread (a synchronous call): call directly.
            let env = Env::from_raw(d.raw_env as napi::sys::napi_env);
            let func = d.sync.borrow_back(&env).map_err(gone)?;
            let r = func.call(FnArgs::from((host_id, Uint8Array::from(args.to_vec()), 0))).map_err(gone)?;
            return answer(r).unwrap_or_else(|| Err(HostError { message: "the host function did not answer".into(), payload: None, throw: None }));
        }
        // On a pool thread: ask the JS thread and wait. The guest, and the
        // store reachable through this host call, wait with us.
        let id = NEXT_CALL.fetch_add(1, Ordering::Relaxed).max(1);
        let (tx, rx) = mpsc::channel();
        if let Ok(mut m) = pending().lock() {
            m.insert(id, tx.clone());
        }
        let status = d.tsfn.call_with_return_value(
            FnArgs::from((host_id, Uint8Array::from(args.to_vec()), id)),
            ThreadsafeFunctionCallMode::NonBlocking,
            move |r: napi::Result<Answer>, _env| {
                let now = match r {
                    Ok(v) => answer(v),
                    Err(e) => Some(Err(gone(e))),
                };
                if let Some(r) = now {
                    if let Ok(mut m) = pending().lock() {
                        m.remove(&id);
                    }
                    let _ = tx.send(r);
                }
                Ok(())
            },
        );
        if status != Status::Ok {
            if let Ok(mut m) = pending().lock() {
                m.remove(&id);
            }
            return Err(HostError { message: format!("could not reach the JS thread ({status})"), payload: None, throw: None });
        }
        // Most host functions answer within microseconds: spin briefly before
        // sleeping, since waking a parked thread costs tens of microseconds.
        let spin_until = std::time::Instant::now() + std::time::Duration::from_micros(50);
        loop {
            match rx.try_recv() {
                Ok(r) => return r,
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err(HostError { message: "the host function never answered".into(), payload: None, throw: None })
                }
                Err(mpsc::TryRecvError::Empty) if std::time::Instant::now() < spin_until => std::hint::spin_loop(),
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        // Then sleep, waking each millisecond to see whether the call was
        // stopped meanwhile (deadline or cancellation): a host function
        // that never settles must not hold the call, or this thread, forever.
        loop {
            match rx.recv_timeout(STOP_POLL) {
                Ok(r) => return r,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(HostError { message: "the host function never answered".into(), payload: None, throw: None })
                }
                Err(mpsc::RecvTimeoutError::Timeout) if cwasm_core::stop_requested() => {
                    // A late answer finds no waiter and is dropped.
                    if let Ok(mut m) = pending().lock() {
                        m.remove(&id);
                    }
                    return Err(HostError::interrupted());
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
    }))
}

//! Calls into the guest, and the policy every top-level call runs under:
//! its deadline, fuel budget, cancellation and stats.

use crate::cancel::CallToken;
use crate::config::Interrupts;
use crate::error::Error;
use crate::interrupt;
use crate::store::Store;
use crate::store_data::{func_handle, StoreData};
use crate::trap::guest_error;
use crate::value::{Value, ValueKind};
use std::sync::atomic::Ordering;
use std::time::Instant;
use wasmtime::{AsContextMut, Func, StoreContextMut, Val, ValRaw};

/// A function's parameter and result kinds, looked up once and reused for
/// every call (see [`Store::call_slots_with`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncKinds {
    /// Parameter kinds.
    pub params: Vec<ValueKind>,
    /// Result kinds.
    pub results: Vec<ValueKind>,
    /// No reference types anywhere: the call can skip per-value checks.
    numeric: bool,
}

/// What one top-level call cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallStats {
    /// Wall-clock time of the call, in nanoseconds.
    pub wall_ns: u64,
    /// Fuel the call consumed, when the engine meters fuel.
    pub fuel_consumed: Option<u64>,
    /// The largest linear memory of the store so far, in bytes.
    pub peak_memory: u64,
}

impl Store {
    /// Like [`Store::with`], but a top-level use runs under the store's
    /// deadline, fuel budget and cancellation, and records its stats.
    pub(crate) fn with_call<R>(&self, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>) -> Result<R, Error> {
        self.with_call_inner(true, None, f)
    }

    /// [`Store::with_call`]; `scoped` as for `with_inner`. With a `token`,
    /// the call is begun and ended on it while the store is held (see
    /// `cancel.rs`): a cancel before it starts fails it without running,
    /// one while it runs fails it even if the guest returns first, one
    /// after it ended changes nothing.
    pub(crate) fn with_call_inner<R>(
        &self,
        scoped: bool,
        token: Option<&CallToken>,
        f: impl FnOnce(StoreContextMut<'_, StoreData>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        if let Some(t) = token {
            if t.is_cancelled() {
                t.discard();
                return Err(Error::Cancelled);
            }
        }
        let nested = self.in_host_call();
        if nested {
            let r = self.with_inner(scoped, f);
            if let Some(t) = token {
                t.discard();
            }
            return r;
        }
        let limit_ms = self.deadline_ms.load(Ordering::Relaxed);
        let stats = self.collect_stats.load(Ordering::Relaxed);
        let flags = self.mode == Interrupts::Flag;
        if flags && limit_ms == 0 && !stats && !self.fuel {
            // The common case (no deadline, fuel or stats): nothing to set
            // up or read back, only a stop to map if one came.
            let r = self.with_inner(scoped, |ctx| {
                if let Some(t) = token {
                    t.begin(&self.interrupt, &self.cancel, self.mode)?;
                }
                let r = f(ctx);
                let cancelled = token.is_some_and(|t| t.end());
                Ok(self.after_flag_call(r, 0, cancelled))
            });
            if let Some(t) = token {
                t.discard();
            }
            return r?;
        }
        let budget = self.fuel_budget.load(Ordering::Relaxed);
        let epochs = self.mode == Interrupts::Epoch;
        let fuel = self.fuel;
        let r = self.with_inner(scoped, |mut ctx| {
            if let Some(t) = token {
                t.begin(&self.interrupt, &self.cancel, self.mode)?;
            }
            let t0 = (stats || (limit_ms > 0 && self.mode != Interrupts::Off)).then(Instant::now);
            let deadline = match t0 {
                Some(t0) if limit_ms > 0 => Some(t0 + std::time::Duration::from_millis(limit_ms)),
                _ => None,
            };
            let ticket = match deadline {
                Some(at) if flags => Some(interrupt::watch(at, &self.interrupt)),
                _ => None,
            };
            if epochs {
                ctx.data_mut().deadline = deadline.map(|at| (at, limit_ms));
                ctx.set_epoch_deadline(1);
            }
            let woven = fuel.then(|| ctx.data().fuel_globals).flatten();
            let start_fuel = match fuel.then(|| set_budget(&mut ctx, woven, budget)).transpose() {
                Ok(f) => f,
                Err(e) => {
                    if let Some(t) = ticket {
                        interrupt::unwatch(t);
                    }
                    if let Some(t) = token {
                        t.end();
                    }
                    return Err(e);
                }
            };
            let mut r = f(ctx.as_context_mut());
            let consumed = start_fuel.map(|start| fuel_used(&mut ctx, woven, start, &mut r));
            if epochs {
                ctx.set_epoch_deadline(u64::MAX / 2);
                ctx.data_mut().deadline = None;
            }
            if stats {
                let wall = t0.map(|t| t.elapsed().as_nanos() as u64).unwrap_or(0);
                self.last_wall_ns.store(wall, Ordering::Relaxed);
                self.last_fuel.store(consumed.unwrap_or(u64::MAX), Ordering::Relaxed);
                self.last_peak.store(ctx.data().limiter.peak_memory, Ordering::Relaxed);
            }
            // The watchdog lets go first, then the token ends, then the
            // flags come down: nothing raised after this point survives
            // into the next call.
            if let Some(t) = ticket {
                interrupt::unwatch(t);
            }
            let cancelled = token.is_some_and(|t| t.end());
            if flags {
                return Ok(self.after_flag_call(r, limit_ms, cancelled));
            }
            let stop = self.cancel.swap(false, Ordering::SeqCst);
            if cancelled || (stop && is_interrupted_host(&r)) {
                return Ok(Err(Error::Cancelled));
            }
            if is_interrupted_host(&r) {
                // A host function gave up waiting because the call was stopped.
                return Ok(Err(Error::Timeout { limit_ms }));
            }
            Ok(r)
        });
        if let Some(t) = token {
            t.discard();
        }
        r?
    }

    /// A raised flag surfaces as a trap at a woven check: says why, and
    /// lowers the flag. `cancelled`: the call's token was cancelled while it
    /// ran, so it fails even if the guest returned before any check.
    fn after_flag_call<R>(&self, mut r: Result<R, Error>, limit_ms: u64, cancelled: bool) -> Result<R, Error> {
        match self.interrupt.reason() {
            interrupt::NONE => {}
            reason => {
                if matches!(&r, Err(Error::Trap { code: "unreachable", .. })) || is_interrupted_host(&r) {
                    r = Err(if reason == interrupt::TIMEOUT { Error::Timeout { limit_ms } } else { Error::Cancelled });
                }
                self.interrupt.clear();
            }
        }
        if cancelled && !matches!(r, Err(Error::Timeout { .. })) {
            r = Err(Error::Cancelled);
        }
        r
    }

    /// The parameter and result kinds of a function, for fast conversions.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn func_kinds(&self, func: Func) -> Result<FuncKinds, Error> {
        self.with(|ctx| {
            let ty = func.ty(&ctx);
            let params: Vec<ValueKind> = ty.params().map(|t| ValueKind::of(&t)).collect();
            let results: Vec<ValueKind> = ty.results().map(|t| ValueKind::of(&t)).collect();
            let is_num = |k: &ValueKind| matches!(k, ValueKind::I32 | ValueKind::I64 | ValueKind::F32 | ValueKind::F64 | ValueKind::V128);
            let numeric = params.iter().all(is_num) && results.iter().all(is_num);
            Ok(FuncKinds { params, results, numeric })
        })
    }

    /// [`Store::call_slots`] for a function whose kinds were looked up once
    /// with [`Store::func_kinds`]: numeric signatures skip the per-value
    /// boxing and type checks of the general path.
    ///
    /// # Errors
    ///
    /// As [`Store::call_slots`].
    pub fn call_slots_with(&self, func: Func, kinds: &FuncKinds, slots: &mut [u8]) -> Result<usize, Error> {
        self.call_slots_token(func, kinds, slots, None)
    }

    /// [`Store::call_slots_with`] under a [`CallToken`]: cancelling the
    /// token (see [`crate::cancel_call`]) stops this call and only this one.
    ///
    /// # Errors
    ///
    /// As [`Store::call_slots`], and [`Error::Cancelled`] when the token was
    /// cancelled before or while the call ran.
    pub fn call_slots_token(&self, func: Func, kinds: &FuncKinds, slots: &mut [u8], token: Option<&CallToken>) -> Result<usize, Error> {
        if !kinds.numeric {
            return self.call_slots_inner(func, slots, token);
        }
        let (np, nr) = (kinds.params.len(), kinds.results.len());
        let n = np.max(nr);
        if slots.len() < n * 16 {
            return Err(Error::invalid(format!(
                "the slot buffer needs {} bytes (16 per argument or result) but has {}",
                n * 16,
                slots.len()
            )));
        }
        self.with_call_inner(false, token, |mut ctx| {
            let mut stack = [ValRaw::i32(0); 8];
            let mut heap = Vec::new();
            let raw: &mut [ValRaw] = if n <= stack.len() {
                &mut stack[..n]
            } else {
                heap.resize(n, ValRaw::i32(0));
                &mut heap[..]
            };
            // A slot is a little-endian u128; narrower values sit in its low bytes.
            let slot = |slots: &[u8], i: usize| -> u128 {
                let mut w = [0u8; 16];
                w.copy_from_slice(&slots[i * 16..i * 16 + 16]);
                u128::from_le_bytes(w)
            };
            for (i, k) in kinds.params.iter().enumerate() {
                let w = slot(slots, i);
                raw[i] = match k {
                    ValueKind::I32 => ValRaw::i32(w as u32 as i32),
                    ValueKind::I64 => ValRaw::i64(w as u64 as i64),
                    ValueKind::F32 => ValRaw::f32(w as u32),
                    ValueKind::F64 => ValRaw::f64(w as u64),
                    _ => ValRaw::v128(w),
                };
            }
            // SAFETY: `kinds` are this function's own parameter and result
            // types, all numeric; `raw` holds max(params, results) values.
            unsafe { func.call_unchecked(&mut ctx, raw as *mut [ValRaw]) }.map_err(|e| guest_error(&mut ctx, e))?;
            for (i, k) in kinds.results.iter().enumerate() {
                let w: u128 = match k {
                    ValueKind::I32 => raw[i].get_i32() as u32 as u128,
                    ValueKind::I64 => raw[i].get_i64() as u64 as u128,
                    ValueKind::F32 => raw[i].get_f32() as u128,
                    ValueKind::F64 => raw[i].get_f64() as u128,
                    _ => raw[i].get_v128(),
                };
                slots[i * 16..i * 16 + 16].copy_from_slice(&w.to_le_bytes());
            }
            Ok(nr)
        })
    }

    /// Calls a function.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a wrong number or type of arguments;
    /// [`Error::Trap`], [`Error::Host`], [`Error::FuelExhausted`],
    /// [`Error::MemoryLimit`] when the guest fails.
    pub fn call(&self, func: Func, args: &[Value]) -> Result<Vec<Value>, Error> {
        self.with_call(|mut ctx| {
            let ty = func.ty(&ctx);
            if ty.params().len() != args.len() {
                return Err(Error::invalid(format!(
                    "the function takes {} argument(s) but was given {}",
                    ty.params().len(),
                    args.len()
                )));
            }
            let mut vals = Vec::with_capacity(args.len());
            for (i, (a, t)) in args.iter().zip(ty.params()).enumerate() {
                vals.push(a.to_val_checked(&mut ctx, &t, || format!("argument {i}"))?);
            }
            let mut results = vec![Val::I32(0); ty.results().len()];
            func.call(&mut ctx, &vals, &mut results).map_err(|e| guest_error(&mut ctx, e))?;
            results.iter().map(|v| Value::from_val(v, &mut ctx)).collect()
        })
    }

    /// Calls a function with arguments and results as 16-byte little-endian
    /// slots (see [`Value::to_slot`]): exact bit patterns, NaN payloads
    /// included, and no per-value objects. Results are written back into
    /// `slots`, which must have room for `max(params, results)` slots.
    ///
    /// # Errors
    ///
    /// As [`Store::call`], and [`Error::InvalidArgument`] when `slots` is too short.
    pub fn call_slots(&self, func: Func, slots: &mut [u8]) -> Result<usize, Error> {
        self.call_slots_inner(func, slots, None)
    }

    fn call_slots_inner(&self, func: Func, slots: &mut [u8], token: Option<&CallToken>) -> Result<usize, Error> {
        self.with_call_inner(true, token, |mut ctx| {
            let ty = func.ty(&ctx);
            let np = ty.params().len();
            let nr = ty.results().len();
            if slots.len() < np.max(nr) * 16 {
                return Err(Error::invalid(format!(
                    "the slot buffer needs {} bytes (16 per argument or result) but has {}",
                    np.max(nr) * 16,
                    slots.len()
                )));
            }
            let mut vals = Vec::with_capacity(np);
            for (i, t) in ty.params().enumerate() {
                let data = ctx.data();
                let v = Value::from_slot(ValueKind::of(&t), &slots[i * 16..i * 16 + 16], |h| data.funcs.get(h))?;
                vals.push(v.to_val_checked(&mut ctx, &t, || format!("argument {i}"))?);
            }
            let mut results = vec![Val::I32(0); nr];
            func.call(&mut ctx, &vals, &mut results).map_err(|e| guest_error(&mut ctx, e))?;
            for (i, r) in results.iter().enumerate() {
                let v = Value::from_val(r, &mut ctx)?;
                let slot = v.to_slot(|f| func_handle(&mut ctx, f));
                slots[i * 16..i * 16 + 16].copy_from_slice(&slot);
            }
            Ok(nr)
        })
    }
}

/// Whether a call failed because a host function stopped waiting when the
/// call was asked to stop (see [`crate::stop_requested`]).
fn is_interrupted_host<R>(r: &Result<R, Error>) -> bool {
    matches!(r, Err(Error::Host { message, payload: None, .. }) if message == crate::host::INTERRUPTED)
}

/// Gives a call its fuel budget (`0`: unlimited), on the woven counter
/// (`fuel.rs`: it holds consumed minus budget) or Wasmtime's; returns the
/// budget set, for [`fuel_used`].
fn set_budget(ctx: &mut StoreContextMut<'_, StoreData>, woven: Option<(wasmtime::Global, wasmtime::Global)>, budget: u64) -> Result<u64, Error> {
    match woven {
        Some((counter, out)) => {
            let start = if budget > 0 { -i64::try_from(budget).unwrap_or(i64::MAX) } else { crate::fuel::UNLIMITED };
            counter
                .set(&mut *ctx, wasmtime::Val::I64(start))
                .and_then(|()| out.set(&mut *ctx, wasmtime::Val::I32(0)))
                .map_err(|e| Error::bug(format!("setting the fuel counter: {e}")))?;
            Ok(start.unsigned_abs())
        }
        None => {
            let f = if budget > 0 { budget } else { u64::MAX };
            ctx.set_fuel(f).map_err(|e| Error::bug(format!("set_fuel: {e}")))?;
            Ok(f)
        }
    }
}

/// The fuel a call used of the `start` budget (never more: like Wasmtime's
/// remaining fuel). With woven fuel, a trap from the check's slow path
/// becomes [`Error::FuelExhausted`] in `r`.
fn fuel_used<R>(ctx: &mut StoreContextMut<'_, StoreData>, woven: Option<(wasmtime::Global, wasmtime::Global)>, start: u64, r: &mut Result<R, Error>) -> u64 {
    let Some((counter, out)) = woven else {
        return start.saturating_sub(ctx.get_fuel().unwrap_or(0));
    };
    if out.get(&mut *ctx).i32() == Some(1) {
        if let Err(Error::Trap { code: "unreachable", frames, .. }) = r {
            *r = Err(Error::FuelExhausted { frames: std::mem::take(frames) });
        }
    }
    let now = counter.get(&mut *ctx).i64().unwrap_or(0);
    u64::try_from(i128::from(now) + i128::from(start)).unwrap_or(0).min(start)
}

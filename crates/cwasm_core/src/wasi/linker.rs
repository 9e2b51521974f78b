//! The WASI functions a guest links to: each checks the store's grants,
//! hands standard streams to the host's sinks, runs wasmtime-wasi's own
//! implementation for everything else, and audits what was refused.
//!
//! They are defined once per engine (in one `Linker`, see
//! [`wasi_linker`]); what they allow is read from the calling store's
//! [`WasiState`] at each call, so one linker serves every sandbox.

use super::functions::{errno, lookup, Capability, Judged, WasiFunction, WASI_MODULE};
use super::state::WasiState;
use super::stdio;
use crate::error::Error;
use crate::host::{with_stop_check, HostError, StopCheck};
use crate::store_data::StoreData;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use wasmtime::{AsContextMut, Caller, Extern, Linker};
use wasmtime_wasi::p1::wasi_snapshot_preview1 as p1;
use wasmtime_wasi::p1::wasi_snapshot_preview1::WasiSnapshotPreview1;
use wasmtime_wasi::p1::WasiP1Ctx;
use wiggle::GuestMemory;

/// How often a WASI call that waits (a sleep, a read of inherited stdin)
/// looks whether its call was asked to stop.
const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(1);

/// Builds the linker with every WASI preview 1 function.
///
/// # Errors
///
/// [`Error::Bug`] if Wasmtime refuses a definition.
pub(crate) fn wasi_linker(engine: &wasmtime::Engine) -> Result<Linker<StoreData>, Error> {
    let mut linker: Linker<StoreData> = Linker::new(engine);
    define_all(&mut linker).map_err(|e| Error::bug(format!("cannot define the WASI functions: {e:#}")))?;
    Ok(linker)
}

fn info(name: &str) -> wasmtime::Result<&'static WasiFunction> {
    lookup(name).ok_or_else(|| wasmtime::Error::msg(format!("{name} is missing from the WASI function table")))
}

/// Runs an async wasmtime-wasi function to completion on this thread,
/// giving up when the call is asked to stop (deadline or cancellation), so
/// a guest waiting on a clock or a stream never outlives its deadline.
fn block_on<F: Future<Output = wasmtime::Result<i32>>>(fut: F) -> wasmtime::Result<i32> {
    wasmtime_wasi::runtime::in_tokio(async move {
        let mut fut = pin!(fut);
        let mut tick: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
        std::future::poll_fn(move |cx| {
            if let Poll::Ready(r) = fut.as_mut().poll(cx) {
                return Poll::Ready(r);
            }
            if crate::host::stop_requested() {
                return Poll::Ready(Err(wasmtime::Error::new(HostError::interrupted())));
            }
            // Wake again in a moment to look at the stop request.
            let t = tick.get_or_insert_with(|| Box::pin(tokio::time::sleep(STOP_POLL)));
            while t.as_mut().poll(cx).is_ready() {
                *t = Box::pin(tokio::time::sleep(STOP_POLL));
            }
            Poll::Pending
        })
        .await
    })
}

macro_rules! run {
    (sync, $e:expr) => {
        $e
    };
    (async, $e:expr) => {
        block_on($e)
    };
}

/// Whether a function may wait (on a file, a stream, a clock): those run
/// with the call's stop check in place, so they end at its deadline.
macro_rules! waits {
    (sync) => {
        false
    };
    (async) => {
        true
    };
}

macro_rules! define {
    ($linker:ident; $( $mode:ident $name:ident ( $($a:ident : $t:ty),* ); )*) => {
        $(
            let f = info(stringify!($name))?;
            $linker.func_wrap(
                WASI_MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, StoreData>, $($a: $t),*| -> wasmtime::Result<i32> {
                    let args: &[i64] = &[$(i64::from($a)),*];
                    dispatch::<{ waits!($mode) }>(&mut caller, f, args, |ctx, mem| run!($mode, p1::$name(ctx, mem $(, $a)*)))
                },
            )?;
        )*
    };
}

fn define_all(linker: &mut Linker<StoreData>) -> wasmtime::Result<()> {
    define! { linker;
        sync args_get(a0: i32, a1: i32);
        sync args_sizes_get(a0: i32, a1: i32);
        sync environ_get(a0: i32, a1: i32);
        sync environ_sizes_get(a0: i32, a1: i32);
        sync clock_res_get(a0: i32, a1: i32);
        async fd_advise(a0: i32, a1: i64, a2: i64, a3: i32);
        sync fd_allocate(a0: i32, a1: i64, a2: i64);
        async fd_close(a0: i32);
        async fd_datasync(a0: i32);
        async fd_fdstat_get(a0: i32, a1: i32);
        sync fd_fdstat_set_flags(a0: i32, a1: i32);
        sync fd_fdstat_set_rights(a0: i32, a1: i64, a2: i64);
        async fd_filestat_get(a0: i32, a1: i32);
        async fd_filestat_set_size(a0: i32, a1: i64);
        async fd_filestat_set_times(a0: i32, a1: i64, a2: i64, a3: i32);
        async fd_pread(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32);
        sync fd_prestat_get(a0: i32, a1: i32);
        sync fd_prestat_dir_name(a0: i32, a1: i32, a2: i32);
        async fd_pwrite(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32);
        async fd_read(a0: i32, a1: i32, a2: i32, a3: i32);
        async fd_readdir(a0: i32, a1: i32, a2: i32, a3: i64, a4: i32);
        async fd_renumber(a0: i32, a1: i32);
        async fd_seek(a0: i32, a1: i64, a2: i32, a3: i32);
        async fd_sync(a0: i32);
        sync fd_tell(a0: i32, a1: i32);
        async fd_write(a0: i32, a1: i32, a2: i32, a3: i32);
        async path_create_directory(a0: i32, a1: i32, a2: i32);
        async path_filestat_get(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32);
        async path_filestat_set_times(a0: i32, a1: i32, a2: i32, a3: i32, a4: i64, a5: i64, a6: i32);
        async path_link(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32, a6: i32);
        async path_open(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i64, a6: i64, a7: i32, a8: i32);
        async path_readlink(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32);
        async path_remove_directory(a0: i32, a1: i32, a2: i32);
        async path_rename(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32);
        async path_symlink(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32);
        async path_unlink_file(a0: i32, a1: i32, a2: i32);
        async poll_oneoff(a0: i32, a1: i32, a2: i32, a3: i32);
        sync proc_raise(a0: i32);
        sync sched_yield();
        sync random_get(a0: i32, a1: i32);
        sync sock_accept(a0: i32, a1: i32, a2: i32);
        sync sock_recv(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32, a5: i32);
        sync sock_send(a0: i32, a1: i32, a2: i32, a3: i32, a4: i32);
        sync sock_shutdown(a0: i32, a1: i32);
    }
    // proc_exit returns nothing: it ends the call with an `I32Exit`.
    let f = info("proc_exit")?;
    linker.func_wrap(WASI_MODULE, "proc_exit", move |mut caller: Caller<'_, StoreData>, a0: i32| -> wasmtime::Result<()> {
        dispatch::<false>(&mut caller, f, &[i64::from(a0)], |ctx, mem| p1::proc_exit(ctx, mem, a0).map(|()| 0)).map(|_| ())
    })?;
    // clock_time_get reads the context's own clocks directly when it may:
    // the same values as wasmtime-wasi's, without its dispatch.
    let f = info("clock_time_get")?;
    linker.func_wrap(
        WASI_MODULE,
        "clock_time_get",
        move |mut caller: Caller<'_, StoreData>, a0: i32, a1: i64, a2: i32| -> wasmtime::Result<i32> {
            if let Some(e) = clock_fast(&mut caller, a0, a2)? {
                return Ok(e);
            }
            dispatch::<false>(&mut caller, f, &[i64::from(a0), a1, i64::from(a2)], |ctx, mem| p1::clock_time_get(ctx, mem, a0, a1, a2))
        },
    )?;
    Ok(())
}

/// The errnos that mean the sandbox (or the preopen rules underneath it, or
/// the bytes-per-call quota) refused something, and so are audited when
/// wasmtime-wasi returns them.
fn is_refusal(f: &WasiFunction, e: i32) -> bool {
    matches!(e, errno::ACCES | errno::PERM | errno::NOTCAPABLE | errno::ROFS | errno::NOMEM) || (f.path_args.is_some() && e == errno::LOOP)
}

/// The stop check of the call that made this WASI call.
pub(crate) fn stop_check(data: &StoreData) -> StopCheck {
    StopCheck { interrupt: data.interrupt.clone(), cancel: data.cancel.clone(), deadline: data.deadline.map(|(at, _)| at) }
}

fn arg_u32(args: &[i64], i: Option<usize>) -> Option<u32> {
    i.and_then(|i| args.get(i)).and_then(|&v| u32::try_from(v & 0xffff_ffff).ok())
}

/// The path argument of a call, for the audit log.
fn path_of(mem: &[u8], f: &WasiFunction, args: &[i64]) -> Option<String> {
    let (p, l) = f.path_args?;
    let ptr = usize::try_from(arg_u32(args, Some(p))?).ok()?;
    let len = usize::try_from(arg_u32(args, Some(l))?).ok()?.min(4096);
    let bytes = mem.get(ptr..ptr.checked_add(len)?)?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// The calling instance's `memory` export, which every WASI function reads
/// and writes: by index when its module is known to the store, else by name.
pub(crate) fn guest_memory(caller: &mut Caller<'_, StoreData>) -> wasmtime::Result<wasmtime::Memory> {
    for i in 0..caller.data().wasi_memories.len() {
        let at = caller.data().wasi_memories[i].1;
        if let Some(Extern::Memory(m)) = caller.get_module_export(&at) {
            return Ok(m);
        }
    }
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(wasmtime::Error::msg("missing required memory export")),
    }
}

/// One WASI call: grants first, then the standard streams, then
/// wasmtime-wasi; refusals are audited.
fn dispatch<const WAITS: bool>(
    caller: &mut Caller<'_, StoreData>,
    f: &'static WasiFunction,
    args: &[i64],
    real: impl FnOnce(&mut WasiP1Ctx, &mut GuestMemory<'_>) -> wasmtime::Result<i32>,
) -> wasmtime::Result<i32> {
    if caller.data().wasi.is_none() {
        // A store whose host set no sandbox: everything is refused.
        let state = WasiState::deny_all().map_err(wasmtime::Error::new)?;
        caller.data_mut().wasi = Some(Box::new(state));
    }
    let fd = if f.judged == Judged::PerDescriptor { arg_u32(args, f.fd_arg) } else { None };
    let granted = caller.data().wasi.as_ref().is_some_and(|w| w.grants.allows(f.capability));
    if f.judged == Judged::ByCapability && !granted && f.capability == Capability::Env {
        return empty_environment(caller, f, args);
    }
    if f.judged == Judged::ByCapability && !granted {
        let path = match guest_memory(caller) {
            Ok(m) => path_of(m.data(&*caller), f, args),
            Err(_) => None,
        };
        if let Some(w) = caller.data_mut().wasi.as_mut() {
            w.record(f, arg_u32(args, f.fd_arg), path, errno::NOTCAPABLE, format!("the {} capability is not granted", f.capability.as_str()));
        }
        return Ok(errno::NOTCAPABLE);
    }
    if let Some(fd) = fd {
        let stream = caller.data().wasi.as_ref().and_then(|w| w.stdio_of(fd));
        if let Some(stream) = stream {
            if let Some(e) = stdio::handle(caller, f, fd, stream, args)? {
                return Ok(e);
            }
        }
    }
    if f.name == "poll_oneoff" {
        if let Some(e) = stdio::sleep(caller, args)? {
            return Ok(e);
        }
    }
    let memory = guest_memory(caller)?;
    let fuel = caller.as_context_mut().hostcall_fuel();
    let check = WAITS.then(|| stop_check(caller.data()));
    let (mem, data) = memory.data_and_store_mut(&mut *caller);
    let Some(w) = data.wasi.as_mut() else {
        return Err(wasmtime::Error::new(Error::bug("the WASI state vanished during a call")));
    };
    w.ctx.set_hostcall_fuel(w.host_call_bytes.unwrap_or(fuel));
    let r = match check {
        Some(check) => with_stop_check(check, || real(&mut w.ctx, &mut GuestMemory::Unshared(&mut *mem))),
        None => real(&mut w.ctx, &mut GuestMemory::Unshared(&mut *mem)),
    }
    .map_err(|e| classify(f, e))?;
    if r == errno::SUCCESS {
        match f.name {
            "fd_close" => w.closed(arg_u32(args, Some(0)).unwrap_or(u32::MAX)),
            "fd_renumber" => {
                if let (Some(from), Some(to)) = (arg_u32(args, Some(0)), arg_u32(args, Some(1))) {
                    w.renumbered(from, to);
                }
            }
            _ => {}
        }
    } else if is_refusal(f, r) {
        let path = path_of(mem, f, args);
        let what = if path.is_some() { "the preopen rules refused the path" } else { "the descriptor does not allow it" };
        w.record(f, arg_u32(args, f.fd_arg), path, r, format!("{what} ({})", errno::name(r)));
    }
    Ok(r)
}

/// An environment that is not granted is an empty one, as `wasmtime run`
/// gives without `--env`, rather than `ERRNO_NOTCAPABLE`: wasi-libc ends the
/// program with exit code 71 at its first `getenv` when `environ_sizes_get`
/// fails, so a refusal would kill every C program that merely looks at a
/// variable. The guest sees no variable; the refusal is audited.
fn empty_environment(caller: &mut Caller<'_, StoreData>, f: &'static WasiFunction, args: &[i64]) -> wasmtime::Result<i32> {
    if f.name == "environ_sizes_get" {
        let memory = guest_memory(caller)?;
        let mem = memory.data_mut(&mut *caller);
        for i in 0..2 {
            let at = usize::try_from(arg_u32(args, Some(i)).unwrap_or(u32::MAX)).unwrap_or(usize::MAX);
            if at % 4 != 0 {
                return Err(wasmtime::Error::new(wasmtime::Trap::HeapMisaligned));
            }
            let slot = at.checked_add(4).and_then(|end| mem.get_mut(at..end)).ok_or_else(|| wasmtime::Error::new(wasmtime::Trap::MemoryOutOfBounds))?;
            slot.copy_from_slice(&0u32.to_le_bytes());
        }
    }
    if let Some(w) = caller.data_mut().wasi.as_mut() {
        w.record(f, None, None, errno::SUCCESS, "the env capability is not granted: the guest sees an empty environment".into());
    }
    Ok(errno::SUCCESS)
}

/// Gives an error out of wasmtime-wasi a type: traps, exits and stops pass
/// as they are, a bad pointer is a memory trap, and anything else (an exit
/// status outside 0..126, an argument it cannot decode) is a failure of
/// the host function, named.
fn classify(f: &WasiFunction, e: wasmtime::Error) -> wasmtime::Error {
    if e.is::<wasmtime::Trap>() || e.is::<wasmtime_wasi::I32Exit>() || e.is::<HostError>() || e.is::<Error>() {
        return e;
    }
    if let Some(g) = e.downcast_ref::<wiggle::GuestError>() {
        match g {
            wiggle::GuestError::PtrOutOfBounds { .. } | wiggle::GuestError::PtrOverflow => return wasmtime::Error::new(wasmtime::Trap::MemoryOutOfBounds),
            wiggle::GuestError::PtrNotAligned { .. } => return wasmtime::Error::new(wasmtime::Trap::HeapMisaligned),
            _ => {}
        }
    }
    wasmtime::Error::new(HostError { message: format!("WASI {} failed: {e:#}", f.name), payload: None, throw: None })
}

/// `clock_time_get` of the realtime or monotonic clock, when granted: the
/// values wasmtime-wasi gives (its wall clock is `SystemTime`, its monotonic
/// clock the shared one), read without its dispatch. `None`: anything else
/// (refused, CPU-time clocks, an unknown id), which the general path answers.
fn clock_fast(caller: &mut Caller<'_, StoreData>, id: i32, at: i32) -> wasmtime::Result<Option<i32>> {
    let now = match caller.data().wasi.as_deref() {
        Some(w) if w.grants.allows(Capability::Clock) => match id {
            0 => match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| u64::try_from(d.as_nanos())) {
                Ok(Ok(ns)) => ns,
                _ => return Ok(None),
            },
            1 => wasmtime_wasi::HostMonotonicClock::now(&*w.monotonic),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let at = usize::try_from(at as u32).unwrap_or(usize::MAX);
    if at % 8 != 0 {
        return Err(wasmtime::Error::new(wasmtime::Trap::HeapMisaligned));
    }
    let memory = guest_memory(caller)?;
    let mem = memory.data_mut(&mut *caller);
    let slot = at.checked_add(8).and_then(|end| mem.get_mut(at..end)).ok_or_else(|| wasmtime::Error::new(wasmtime::Trap::MemoryOutOfBounds))?;
    slot.copy_from_slice(&now.to_le_bytes());
    Ok(Some(errno::SUCCESS))
}

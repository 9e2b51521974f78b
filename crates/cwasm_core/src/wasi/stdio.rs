//! Standard streams the host handles itself (captured with a cap, streamed
//! to a host function, discarded, refused), and interruptible sleeps.
//!
//! Semantics follow wasmtime-wasi's: `fd_write` writes the first non-empty
//! buffer of its list, `fd_pwrite`/`fd_pread` on a stream give
//! `ERRNO_SPIPE`, and a pointer outside guest memory traps.

use super::functions::{errno, WasiFunction};
use super::state::{Input, Output, Stdio};
use crate::error::Error;
use crate::host::HostError;
use crate::host_func::reenter;
use crate::store_data::StoreData;
use wasmtime::{Caller, Memory, Trap};

const SPIPE: i32 = 70;

/// Most bytes one call may move (wasmtime-wasi's "hostcall fuel", which it
/// charges for the buffer list and the buffer; errno::NOMEM past it, as it gives).
fn over_budget(caller: &mut Caller<'_, StoreData>, count: usize, len: usize) -> bool {
    use wasmtime::AsContextMut;
    let budget = caller.data().wasi.as_ref().and_then(|w| w.host_call_bytes).unwrap_or_else(|| caller.as_context_mut().hostcall_fuel());
    count.saturating_mul(8).saturating_add(len) > budget
}

/// A WASI pointer that does not fit guest memory: a trap, as wasmtime-wasi gives.
fn out_of_bounds() -> wasmtime::Error {
    wasmtime::Error::new(Trap::MemoryOutOfBounds)
}

fn memory(caller: &mut Caller<'_, StoreData>) -> wasmtime::Result<Memory> {
    super::linker::guest_memory(caller)
}

fn usize_arg(args: &[i64], i: usize) -> wasmtime::Result<usize> {
    let v = args.get(i).copied().ok_or_else(|| wasmtime::Error::new(Error::bug("a WASI argument is missing")))?;
    usize::try_from(v & 0xffff_ffff).map_err(|_| out_of_bounds())
}

fn read_u32(mem: &[u8], at: usize) -> wasmtime::Result<u32> {
    let b = mem.get(at..at.checked_add(4).ok_or_else(out_of_bounds)?).ok_or_else(out_of_bounds)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn read_u64(mem: &[u8], at: usize) -> wasmtime::Result<u64> {
    let b = mem.get(at..at.checked_add(8).ok_or_else(out_of_bounds)?).ok_or_else(out_of_bounds)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    Ok(u64::from_le_bytes(w))
}

fn write_bytes(mem: &mut [u8], at: usize, bytes: &[u8]) -> wasmtime::Result<()> {
    let end = at.checked_add(bytes.len()).ok_or_else(out_of_bounds)?;
    mem.get_mut(at..end).ok_or_else(out_of_bounds)?.copy_from_slice(bytes);
    Ok(())
}

fn check_align(ptr: usize, align: usize) -> wasmtime::Result<()> {
    if !ptr.is_multiple_of(align) {
        return Err(wasmtime::Error::new(Trap::HeapMisaligned));
    }
    Ok(())
}

/// The first non-empty buffer of an (i/ci)ovec list: (pointer, length).
fn first_buffer(mem: &[u8], list: usize, count: usize) -> wasmtime::Result<(usize, usize)> {
    check_align(list, 4)?;
    for i in 0..count {
        let at = list.checked_add(i.checked_mul(8).ok_or_else(out_of_bounds)?).ok_or_else(out_of_bounds)?;
        let buf = read_u32(mem, at)? as usize;
        let len = read_u32(mem, at + 4)? as usize;
        if len > 0 {
            if buf.checked_add(len).is_none_or(|end| end > mem.len()) {
                return Err(out_of_bounds());
            }
            return Ok((buf, len));
        }
    }
    Ok((0, 0))
}

/// Handles `fd_read`/`fd_write` (and the positional forms) on a standard
/// stream when the host, not wasmtime-wasi, owns it. `None`: wasmtime-wasi
/// answers.
pub(crate) fn handle(
    caller: &mut Caller<'_, StoreData>,
    f: &'static WasiFunction,
    fd: u32,
    stream: Stdio,
    args: &[i64],
) -> wasmtime::Result<Option<i32>> {
    match (f.name, stream) {
        ("fd_write" | "fd_pwrite", Stdio::Out | Stdio::Err) => write(caller, f, fd, stream, args),
        ("fd_read" | "fd_pread", Stdio::In) => read(caller, f, fd, args),
        _ => Ok(None),
    }
}

fn state<'a>(caller: &'a mut Caller<'_, StoreData>) -> wasmtime::Result<&'a mut super::state::WasiState> {
    caller.data_mut().wasi.as_deref_mut().ok_or_else(|| wasmtime::Error::new(Error::bug("no WASI state")))
}

fn write(caller: &mut Caller<'_, StoreData>, f: &'static WasiFunction, fd: u32, stream: Stdio, args: &[i64]) -> wasmtime::Result<Option<i32>> {
    let name = if stream == Stdio::Err { "stderr" } else { "stdout" };
    let w = state(caller)?;
    match w.output_mut(stream) {
        Output::Wasmtime => return Ok(None),
        Output::Denied => {
            w.record(f, Some(fd), None, errno::NOTCAPABLE, format!("{name} is not granted"));
            return Ok(Some(errno::NOTCAPABLE));
        }
        _ => {}
    }
    if f.name == "fd_pwrite" {
        return Ok(Some(SPIPE));
    }
    let mem = memory(caller)?;
    let (list, count, written_at) = (usize_arg(args, 1)?, usize_arg(args, 2)?, usize_arg(args, 3)?);
    check_align(written_at, 4)?;
    let bytes = {
        let data = mem.data(&*caller);
        let (ptr, len) = first_buffer(data, list, count)?;
        data[ptr..ptr + len].to_vec()
    };
    let len = bytes.len();
    if over_budget(caller, count, len) {
        state(caller)?.record(f, Some(fd), None, errno::NOMEM, format!("a write of {len} bytes is more than one call may move (limits.host_call_bytes)"));
        return Ok(Some(errno::NOMEM));
    }
    let mut sink = None;
    let w = state(caller)?;
    let n = match w.output_mut(stream) {
        Output::Capture { buf, limit } => {
            let limit = *limit;
            let room = limit.saturating_sub(buf.len());
            if room == 0 && len > 0 {
                w.record(f, Some(fd), None, errno::FBIG, format!("{name} reached its cap of {limit} bytes"));
                return Ok(Some(errno::FBIG));
            }
            let n = len.min(room);
            buf.extend_from_slice(&bytes[..n]);
            if n < len {
                w.record(f, Some(fd), None, errno::SUCCESS, format!("{name} reached its cap of {limit} bytes: {n} of {len} bytes kept"));
            }
            n
        }
        Output::Stream(s) => {
            sink = Some(s.clone());
            len
        }
        _ => len,
    };
    if let Some(s) = sink {
        if len > 0 {
            reenter(caller, || s(&bytes)).map_err(wasmtime::Error::new)?;
        }
    }
    let n = u32::try_from(n).map_err(|_| out_of_bounds())?;
    write_bytes(mem.data_mut(&mut *caller), written_at, &n.to_le_bytes())?;
    Ok(Some(errno::SUCCESS))
}

fn read(caller: &mut Caller<'_, StoreData>, f: &'static WasiFunction, fd: u32, args: &[i64]) -> wasmtime::Result<Option<i32>> {
    let w = state(caller)?;
    let pull = match &mut w.stdin {
        Input::Wasmtime => return Ok(None),
        Input::Denied => {
            w.record(f, Some(fd), None, errno::NOTCAPABLE, "stdin is not granted".into());
            return Ok(Some(errno::NOTCAPABLE));
        }
        Input::Pull { f, .. } => f.clone(),
    };
    if f.name == "fd_pread" {
        return Ok(Some(SPIPE));
    }
    let mem = memory(caller)?;
    let (list, count, read_at) = (usize_arg(args, 1)?, usize_arg(args, 2)?, usize_arg(args, 3)?);
    check_align(read_at, 4)?;
    let (ptr, want) = first_buffer(mem.data(&*caller), list, count)?;
    if over_budget(caller, count, want) {
        state(caller)?.record(f, Some(fd), None, errno::NOMEM, format!("a read of {want} bytes is more than one call may move (limits.host_call_bytes)"));
        return Ok(Some(errno::NOMEM));
    }
    let mut chunk = {
        let w = state(caller)?;
        match &mut w.stdin {
            Input::Pull { pending, ended, .. } if !pending.is_empty() || *ended || want == 0 => std::mem::take(pending),
            _ => Vec::new(),
        }
    };
    let fresh = chunk.is_empty() && want > 0 && matches!(&state(caller)?.stdin, Input::Pull { ended: false, .. });
    if fresh {
        let ask = u32::try_from(want).unwrap_or(u32::MAX).to_le_bytes();
        chunk = reenter(caller, || pull(&ask)).map_err(wasmtime::Error::new)?;
        if chunk.is_empty() {
            if let Input::Pull { ended, .. } = &mut state(caller)?.stdin {
                *ended = true;
            }
        }
    }
    let n = chunk.len().min(want);
    write_bytes(mem.data_mut(&mut *caller), ptr, &chunk[..n])?;
    if n < chunk.len() {
        if let Input::Pull { pending, .. } = &mut state(caller)?.stdin {
            *pending = chunk.split_off(n);
        }
    }
    let n = u32::try_from(n).map_err(|_| out_of_bounds())?;
    write_bytes(mem.data_mut(&mut *caller), read_at, &n.to_le_bytes())?;
    Ok(Some(errno::SUCCESS))
}

/// `poll_oneoff` with a single relative clock subscription is a sleep:
/// wasmtime-wasi sleeps the thread for the whole time, which no deadline
/// could cut short. Sleep here instead, in slices, and stop when asked.
/// `None`: any other subscription list, which wasmtime-wasi answers.
pub(crate) fn sleep(caller: &mut Caller<'_, StoreData>, args: &[i64]) -> wasmtime::Result<Option<i32>> {
    let (subs, events, n, nevents_at) = (usize_arg(args, 0)?, usize_arg(args, 1)?, usize_arg(args, 2)?, usize_arg(args, 3)?);
    if n != 1 {
        return Ok(None);
    }
    let mem = memory(caller)?;
    let (userdata, timeout) = {
        let data = mem.data(&*caller);
        check_align(subs, 8)?;
        // subscription: userdata u64 @0, tag u8 @8 (0 = clock), then the
        // clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40.
        let tag = *data.get(subs + 8).ok_or_else(out_of_bounds)?;
        let flags = read_u32(data, subs + 40)? & 0xffff;
        if tag != 0 || flags & 1 != 0 {
            return Ok(None);
        }
        (read_u64(data, subs)?, read_u64(data, subs + 24)?)
    };
    check_align(events, 8)?;
    check_align(nevents_at, 4)?;
    let end = std::time::Instant::now() + std::time::Duration::from_nanos(timeout);
    let check = super::linker::stop_check(caller.data());
    loop {
        let now = std::time::Instant::now();
        if now >= end {
            break;
        }
        if check.stopped() {
            return Err(wasmtime::Error::new(HostError::interrupted()));
        }
        std::thread::sleep((end - now).min(std::time::Duration::from_millis(1)));
    }
    // event: userdata u64 @0, error u16 @8, type u8 @10 (0 = clock),
    // fd_readwrite.nbytes u64 @16, flags u16 @24; 32 bytes.
    let mut event = [0u8; 32];
    event[..8].copy_from_slice(&userdata.to_le_bytes());
    event[16] = 1;
    let data = mem.data_mut(&mut *caller);
    write_bytes(data, events, &event)?;
    write_bytes(data, nevents_at, &1u32.to_le_bytes())?;
    Ok(Some(errno::SUCCESS))
}

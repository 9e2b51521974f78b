//! Host `externref`s: the embedder's ids inside Wasmtime references, and the
//! bookkeeping that tells the embedder when the guest let go of one.

use crate::error::Error;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What an `externref` made by the host holds: the embedder's id, and where
/// to report it when Wasmtime's collector frees the reference, so the
/// embedder can forget the value behind the id (see
/// [`Store::collect_externrefs`]).
pub(crate) struct ExternTag {
    pub(crate) id: u64,
    released: Arc<Mutex<Vec<u64>>>,
}

impl Drop for ExternTag {
    fn drop(&mut self) {
        if let Ok(mut released) = self.released.lock() {
            released.push(self.id);
        }
    }
}

/// The live host `externref`s of one store.
#[derive(Default)]
pub(crate) struct ExternRefs {
    /// Ids freed by Wasmtime's collector, not yet reported.
    released: Arc<Mutex<Vec<u64>>>,
    /// How many host-made `externref`s of each id exist.
    live: HashMap<u64, u32>,
}

impl ExternRefs {
    /// The tag for a new reference to `id`, counted as live.
    pub(crate) fn tag(&mut self, id: u64) -> ExternTag {
        *self.live.entry(id).or_insert(0) += 1;
        ExternTag { id, released: self.released.clone() }
    }

    /// Ids whose last reference the collector freed since the last call.
    fn take_gone(&mut self) -> Result<Vec<u64>, Error> {
        let released: Vec<u64> = match self.released.lock() {
            Ok(mut r) => std::mem::take(&mut *r),
            Err(_) => return Err(Error::bug("externref release list poisoned")),
        };
        let mut gone = Vec::new();
        for id in released {
            if let Some(n) = self.live.get_mut(&id) {
                *n -= 1;
                if *n == 0 {
                    self.live.remove(&id);
                    gone.push(id);
                }
            }
        }
        Ok(gone)
    }
}

/// Store data that keeps host `externref`s (implemented by [`crate::StoreData`]).
pub(crate) trait ExternRefHost: 'static {
    /// This store's externref bookkeeping.
    fn extern_refs(&mut self) -> &mut ExternRefs;
}

impl Store {
    /// Runs Wasmtime's collector and returns the embedder ids of `externref`s
    /// that no longer exist anywhere in the store, so the embedder can
    /// forget the values behind them. An id passed in several times is
    /// returned once its last reference is gone. Returns nothing while a
    /// call runs (a collection then waits for the next top-level use).
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn collect_externrefs(&self) -> Result<Vec<u64>, Error> {
        if self.in_host_call() {
            return Ok(Vec::new());
        }
        self.with(|mut ctx| {
            ctx.gc(None).map_err(|e| Error::bug(format!("garbage collection failed: {e:#}")))?;
            ctx.data_mut().extern_refs().take_gone()
        })
    }
}

/// The embedder id inside a non-null `externref`.
///
/// # Errors
///
/// [`Error::InvalidArgument`] when the guest made it (`extern.convert_any`
/// of something that was never a host value): the caller converts those
/// back to `anyref` first.
pub(crate) fn host_id<T: 'static>(ctx: impl wasmtime::AsContextMut<Data = T>, r: &wasmtime::ExternRef) -> Result<u64, Error> {
    let data = r.data(&ctx).map_err(|e| Error::bug(format!("externref without data: {e}")))?;
    match data.and_then(|d| d.downcast_ref::<ExternTag>()) {
        Some(tag) => Ok(tag.id),
        None => Err(Error::invalid("an externref created inside the guest cannot be passed to the host")),
    }
}

/// A new `externref` for the embedder's `id`, counted as live.
pub(crate) fn new_host<T: ExternRefHost>(
    mut ctx: impl wasmtime::AsContextMut<Data = T>,
    id: u64,
) -> Result<wasmtime::Rooted<wasmtime::ExternRef>, Error> {
    let tag = ctx.as_context_mut().data_mut().extern_refs().tag(id);
    wasmtime::ExternRef::new(&mut ctx, tag).map_err(|e| Error::MemoryLimit { message: format!("cannot allocate an externref: {e}") })
}

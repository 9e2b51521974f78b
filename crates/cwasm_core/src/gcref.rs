//! GC references (WebAssembly 3.0: structs, arrays, `i31`, exceptions) as
//! the host sees them: objects the host holds are rooted in a per-store
//! table under numeric ids, so the embedder can keep them in its own
//! objects and let go of them from any thread, without the store.

use crate::error::Error;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wasmtime::{AnyRef, AsContextMut, ExnRef, OwnedRooted, Rooted};

/// What a GC object handed to the host is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GcKind {
    /// A struct (`structref` or a concrete struct type).
    Struct,
    /// An array (`arrayref` or a concrete array type).
    Array,
    /// An exception object (`exnref`).
    Exn,
}

impl GcKind {
    /// The kind's name, as the JS API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            GcKind::Struct => "struct",
            GcKind::Array => "array",
            GcKind::Exn => "exn",
        }
    }
}

/// A GC object the host holds: its id in the store's root table, and what
/// it is. The object stays alive while the id is in the table (see
/// [`Store::release_gc_refs`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GcObject {
    /// Id in the store's root table (from 1).
    pub id: u64,
    /// Struct, array or exception.
    pub kind: GcKind,
}

/// A non-null reference of the `any` or `extern` hierarchy: an `anyref`
/// and an `externref` can each hold any of these (`any.convert_extern` and
/// `extern.convert_any` move values between the two without changing them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnyValue {
    /// A host value, by the embedder's id (an `externref` the host made).
    Host(u64),
    /// An `i31ref`: a 31-bit signed integer, no allocation.
    I31(i32),
    /// A struct or array made by the guest.
    Object(GcObject),
}

enum Root {
    Any(OwnedRooted<AnyRef>),
    Exn(OwnedRooted<ExnRef>),
}

#[derive(Default)]
struct Table {
    next: u64,
    roots: HashMap<u64, Root>,
}

/// The GC objects the host holds in one store. Shared with the [`Store`],
/// so ids can be released while the store runs a call on another thread:
/// dropping an `OwnedRooted` does not touch the store (Wasmtime unroots it
/// at the store's next use).
#[derive(Clone, Default)]
pub(crate) struct GcRoots(Arc<Mutex<Table>>);

impl GcRoots {
    fn table(&self) -> Result<std::sync::MutexGuard<'_, Table>, Error> {
        self.0.lock().map_err(|_| Error::bug("the GC root table is poisoned"))
    }

    /// Roots `r` under a new id.
    pub(crate) fn hold_any(&self, mut ctx: impl AsContextMut, r: &Rooted<AnyRef>, kind: GcKind) -> Result<GcObject, Error> {
        let owned = r.to_owned_rooted(&mut ctx).map_err(|e| Error::MemoryLimit { message: format!("cannot root a GC reference: {e}") })?;
        self.insert(Root::Any(owned), kind)
    }

    /// Roots the exception object `r` under a new id.
    pub(crate) fn hold_exn(&self, mut ctx: impl AsContextMut, r: &Rooted<ExnRef>) -> Result<GcObject, Error> {
        let owned = r.to_owned_rooted(&mut ctx).map_err(|e| Error::MemoryLimit { message: format!("cannot root a GC reference: {e}") })?;
        self.insert(Root::Exn(owned), GcKind::Exn)
    }

    fn insert(&self, root: Root, kind: GcKind) -> Result<GcObject, Error> {
        let mut t = self.table()?;
        t.next += 1;
        let id = t.next;
        t.roots.insert(id, root);
        Ok(GcObject { id, kind })
    }

    /// The struct or array held under `id`, rooted in the current scope.
    pub(crate) fn any(&self, ctx: impl AsContextMut, id: u64) -> Result<Rooted<AnyRef>, Error> {
        match self.table()?.roots.get(&id) {
            Some(Root::Any(r)) => Ok(r.to_rooted(ctx)),
            Some(Root::Exn(_)) => Err(Error::invalid(format!("GC reference {id} is an exception, not a struct or array"))),
            None => Err(gone(id)),
        }
    }

    /// The exception object held under `id`, rooted in the current scope.
    pub(crate) fn exn(&self, ctx: impl AsContextMut, id: u64) -> Result<Rooted<ExnRef>, Error> {
        match self.table()?.roots.get(&id) {
            Some(Root::Exn(r)) => Ok(r.to_rooted(ctx)),
            Some(Root::Any(_)) => Err(Error::invalid(format!("GC reference {id} is a struct or array, not an exception"))),
            None => Err(gone(id)),
        }
    }

    fn release(&self, ids: &[u64]) -> Result<(), Error> {
        let mut t = self.table()?;
        for id in ids {
            t.roots.remove(id);
        }
        Ok(())
    }

    /// Forgets every root (the store is being replaced).
    pub(crate) fn clear(&self) {
        if let Ok(mut t) = self.0.lock() {
            t.roots.clear();
        }
    }

    fn len(&self) -> usize {
        self.table().map(|t| t.roots.len()).unwrap_or(0)
    }
}

fn gone(id: u64) -> Error {
    Error::invalid(format!("GC reference {id} is not held by this store (released, or from another store)"))
}

/// Store data that keeps GC roots for the host (implemented by [`crate::StoreData`]).
pub(crate) trait GcRootHost {
    /// This store's GC root table.
    fn gc_roots(&self) -> &GcRoots;
}

/// Classifies a non-null `anyref`: an `i31`, a struct or array (rooted for
/// the host), or an internalized host value.
pub(crate) fn any_value<T: GcRootHost + crate::externref::ExternRefHost>(
    mut ctx: impl AsContextMut<Data = T>,
    r: &Rooted<AnyRef>,
) -> Result<AnyValue, Error> {
    let bug = |e: wasmtime::Error| Error::bug(format!("inspecting an anyref: {e}"));
    if let Some(i) = r.as_i31(&ctx).map_err(bug)? {
        return Ok(AnyValue::I31(i.get_i32()));
    }
    let kind = if r.is_struct(&ctx).map_err(bug)? {
        Some(GcKind::Struct)
    } else if r.is_array(&ctx).map_err(bug)? {
        Some(GcKind::Array)
    } else {
        None
    };
    if let Some(kind) = kind {
        let roots = ctx.as_context_mut().data().gc_roots().clone();
        return roots.hold_any(&mut ctx, r, kind).map(AnyValue::Object);
    }
    // Neither i31 nor an object: an externref converted with any.convert_extern.
    let e = wasmtime::ExternRef::convert_any(&mut ctx, *r).map_err(bug)?;
    crate::externref::host_id(&mut ctx, &e).map(AnyValue::Host)
}

/// The `anyref` for a value the host passes in.
pub(crate) fn to_anyref<T: GcRootHost + crate::externref::ExternRefHost>(
    mut ctx: impl AsContextMut<Data = T>,
    v: AnyValue,
) -> Result<Rooted<AnyRef>, Error> {
    match v {
        AnyValue::I31(i) => match wasmtime::I31::new_i32(i) {
            Some(i) => Ok(AnyRef::from_i31(&mut ctx, i)),
            None => Err(Error::invalid(format!("{i} does not fit an i31ref (from -2^30 to 2^30 - 1)"))),
        },
        AnyValue::Object(o) => {
            let roots = ctx.as_context_mut().data().gc_roots().clone();
            roots.any(&mut ctx, o.id)
        }
        AnyValue::Host(id) => {
            let e = crate::externref::new_host(&mut ctx, id)?;
            AnyRef::convert_extern(&mut ctx, e).map_err(|e| Error::bug(format!("any.convert_extern: {e}")))
        }
    }
}

impl Store {
    /// Lets go of GC objects the host held (ids from results, arguments of
    /// host functions, globals and tables). Callable while a call runs on
    /// another thread; unknown ids are ignored, so releasing twice is safe.
    ///
    /// # Errors
    ///
    /// [`Error::Bug`] only if the table's lock was poisoned.
    pub fn release_gc_refs(&self, ids: &[u64]) -> Result<(), Error> {
        self.gc_roots.release(ids)
    }

    /// How many GC objects the host holds in this store.
    pub fn gc_refs_held(&self) -> usize {
        self.gc_roots.len()
    }

    /// The tag and payload of an exception object the host holds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when `id` is not an exception this store holds.
    pub fn exception_parts(&self, id: u64) -> Result<(wasmtime::Tag, Vec<crate::Value>), Error> {
        self.with(|mut ctx| {
            let roots = self.gc_roots.clone();
            let exn = roots.exn(&mut ctx, id)?;
            let bug = |e: wasmtime::Error| Error::bug(format!("reading an exception: {e}"));
            let tag = exn.tag(&mut ctx).map_err(bug)?;
            let n = tag.ty(&ctx).ty().params().len();
            let mut payload = Vec::with_capacity(n);
            for i in 0..n {
                let v = exn.field(&mut ctx, i).map_err(bug)?;
                payload.push(crate::Value::from_val(&v, &mut ctx)?);
            }
            Ok((tag, payload))
        })
    }

    /// Makes an exception object of `tag` with `payload` (for a host
    /// function to throw, see [`crate::HostError::throw`]); returns its id.
    /// `tag` must belong to this store (Wasmtime panics otherwise; the
    /// binding checks before it calls).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the payload does not match the tag's
    /// parameters.
    pub fn new_exception(&self, tag: wasmtime::Tag, payload: &[crate::Value]) -> Result<u64, Error> {
        self.with(|mut ctx| {
            let ty = tag.ty(&ctx);
            let params: Vec<wasmtime::ValType> = ty.ty().params().collect();
            if params.len() != payload.len() {
                return Err(Error::invalid(format!("the tag takes {} payload value(s) but was given {}", params.len(), payload.len())));
            }
            let mut fields = Vec::with_capacity(payload.len());
            for (i, (v, t)) in payload.iter().zip(&params).enumerate() {
                fields.push(v.to_val_checked(&mut ctx, t, || format!("payload value {i}"))?);
            }
            let exn_ty = wasmtime::ExnType::from_tag_type(&ty).map_err(|e| Error::invalid(format!("{e:#}")))?;
            let pre = wasmtime::ExnRefPre::new(&mut ctx, exn_ty);
            let exn = ExnRef::new(&mut ctx, &pre, &tag, &fields)
                .map_err(|e| Error::MemoryLimit { message: format!("cannot allocate an exception: {e:#}") })?;
            let roots = self.gc_roots.clone();
            Ok(roots.hold_exn(&mut ctx, &exn)?.id)
        })
    }
}

impl Store {
    /// Makes a new exception tag whose payload has the given types (for a
    /// module to import, or for a host function to throw with).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown type name.
    pub fn new_tag(&self, params: &[String]) -> Result<wasmtime::Tag, Error> {
        let params: Vec<wasmtime::ValType> = params.iter().map(|p| crate::types::parse_val_type(p)).collect::<Result<_, _>>()?;
        let ty = wasmtime::TagType::new(wasmtime::FuncType::new(self.wasmtime_engine(), params, []));
        self.with(|mut ctx| wasmtime::Tag::new(&mut ctx, &ty).map_err(|e| Error::invalid(format!("{e:#}"))))
    }

    /// The payload types of a tag of this store.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn tag_params(&self, tag: wasmtime::Tag) -> Result<Vec<String>, Error> {
        self.with(|ctx| Ok(tag.ty(&ctx).ty().params().map(|t| crate::types::val_type_str(&t)).collect()))
    }

    /// Whether two tags of this store are the same tag.
    ///
    /// # Errors
    ///
    /// [`Error::Busy`] as for [`Store::with`].
    pub fn same_tag(&self, a: wasmtime::Tag, b: wasmtime::Tag) -> Result<bool, Error> {
        self.with(|ctx| Ok(wasmtime::Tag::eq(&a, &b, &ctx)))
    }
}

//! GC references and wasm exceptions of a store (WebAssembly 3.0): the
//! store roots the objects JS holds under numeric ids; JS lets go of them
//! when its handles are collected.

use crate::binding_extern::BindingExtern;
use crate::binding_store::BindingStore;
use crate::convert::whole_id;
use crate::error::guard;
use cwasm_core::{Error, Extern};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use std::sync::Arc;

/// An exception object's payload, read by the host.
#[napi(object)]
pub struct BindingException {
    /// The tag's payload types.
    pub types: Vec<String>,
    /// The payload, one 16-byte slot per value.
    pub payload: Uint8Array,
}

fn tag_of(store: &BindingStore, tag: &BindingExtern) -> Result<cwasm_core::Tag, Error> {
    if !Arc::ptr_eq(&store.inner, &tag.store) {
        return Err(Error::InvalidArgument { message: "the tag belongs to another store".into() });
    }
    match tag.item {
        Extern::Tag(t) => Ok(t),
        _ => Err(Error::InvalidArgument { message: "this item is not a tag".into() }),
    }
}

#[napi]
impl BindingStore {
    /// Lets go of GC objects JS held, by id (callable while a call runs).
    #[napi]
    pub fn release_gc_refs(&self, ids: Vec<f64>) -> napi::Result<()> {
        guard(|| {
            let ids: Vec<u64> = ids.into_iter().map(|id| whole_id(id, "a GC reference id")).collect::<Result<_, _>>()?;
            self.inner.release_gc_refs(&ids)
        })
    }

    /// How many GC objects JS holds in this store.
    #[napi(getter)]
    pub fn gc_refs_held(&self) -> f64 {
        crate::convert::count(self.inner.gc_refs_held() as u64)
    }

    /// The tag of the exception object `id`.
    #[napi]
    pub fn exception_tag(&self, id: f64) -> napi::Result<BindingExtern> {
        guard(|| {
            let (tag, _) = self.inner.exception_parts(whole_id(id, "an exception id")?)?;
            Ok(BindingExtern::new(&self.inner, Extern::Tag(tag), None))
        })
    }

    /// The payload of the exception object `id`.
    #[napi]
    pub fn exception_payload(&self, id: f64) -> napi::Result<BindingException> {
        guard(|| {
            let (tag, payload) = self.inner.exception_parts(whole_id(id, "an exception id")?)?;
            let types = self.inner.tag_params(tag)?;
            let mut bytes = Vec::with_capacity(payload.len() * 16);
            for v in payload {
                bytes.extend_from_slice(&self.inner.value_to_slot(v)?);
            }
            Ok(BindingException { types, payload: Uint8Array::from(bytes) })
        })
    }

    /// Makes an exception object of `tag` with the payload in `slots`
    /// (one per tag parameter); returns its id, for a host function to throw.
    #[napi]
    pub fn new_exception(&self, tag: &BindingExtern, slots: &[u8]) -> napi::Result<f64> {
        guard(|| {
            let t = tag_of(self, tag)?;
            let types = self.inner.tag_params(t)?;
            if slots.len() != types.len() * 16 {
                return Err(Error::InvalidArgument {
                    message: format!("the tag takes {} payload value(s), so {} bytes of slots, not {}", types.len(), types.len() * 16, slots.len()),
                });
            }
            let mut payload = Vec::with_capacity(types.len());
            for (i, ty) in types.iter().enumerate() {
                payload.push(self.inner.slot_to_value(ty, &slots[i * 16..i * 16 + 16])?);
            }
            Ok(crate::convert::count(self.inner.new_exception(t, &payload)?))
        })
    }

    /// Makes a new tag whose payload has the given types.
    #[napi]
    pub fn new_tag(&self, params: Vec<String>) -> napi::Result<BindingExtern> {
        guard(|| Ok(BindingExtern::new(&self.inner, Extern::Tag(self.inner.new_tag(&params)?), None)))
    }

    /// The payload types of a tag of this store.
    #[napi]
    pub fn tag_params(&self, tag: &BindingExtern) -> napi::Result<Vec<String>> {
        guard(|| self.inner.tag_params(tag_of(self, tag)?))
    }

    /// Whether two tags of this store are the same tag.
    #[napi]
    pub fn same_tag(&self, a: &BindingExtern, b: &BindingExtern) -> napi::Result<bool> {
        guard(|| self.inner.same_tag(tag_of(self, a)?, tag_of(self, b)?))
    }
}

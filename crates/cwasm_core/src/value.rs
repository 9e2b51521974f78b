//! Values that cross between host and guest.

use crate::error::Error;
use crate::externref::{ExternRefHost, ExternTag};
use wasmtime::{AsContextMut, ExternRef, Func, Ref, Val, ValType, V128};

/// A WebAssembly value as the host sees it.
///
/// Floats are carried as their bit patterns so that NaN payloads survive a
/// round trip. `externref` values carry the embedder's `u64` id for a host
/// object; the embedder keeps the object itself.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, as bits.
    F32(u32),
    /// An `f64`, as bits.
    F64(u64),
    /// A `v128`, little-endian.
    V128(u128),
    /// A `funcref`, or null.
    FuncRef(Option<Func>),
    /// An `externref` holding an embedder id, or null.
    ExternRef(Option<u64>),
}

/// The kind of a [`Value`], for fast conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `v128`
    V128,
    /// `funcref`
    FuncRef,
    /// `externref`
    ExternRef,
    /// Any other reference type (GC proposal); not passable across the boundary.
    Other,
}

impl ValueKind {
    pub(crate) fn of(ty: &ValType) -> ValueKind {
        match ty {
            ValType::I32 => ValueKind::I32,
            ValType::I64 => ValueKind::I64,
            ValType::F32 => ValueKind::F32,
            ValType::F64 => ValueKind::F64,
            ValType::V128 => ValueKind::V128,
            ValType::Ref(r) => match r.heap_type() {
                wasmtime::HeapType::Func => ValueKind::FuncRef,
                wasmtime::HeapType::Extern => ValueKind::ExternRef,
                _ => ValueKind::Other,
            },
        }
    }
}

/// Equality by value. Two non-null `funcref`s never compare equal: their
/// identity is only known to their store.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::F32(a), Value::F32(b)) => a == b,
            (Value::F64(a), Value::F64(b)) => a == b,
            (Value::V128(a), Value::V128(b)) => a == b,
            (Value::FuncRef(None), Value::FuncRef(None)) => true,
            (Value::ExternRef(a), Value::ExternRef(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// The zero value of a type: 0, +0.0, or null.
    pub fn default_for(kind: ValueKind) -> Value {
        match kind {
            ValueKind::I32 => Value::I32(0),
            ValueKind::I64 => Value::I64(0),
            ValueKind::F32 => Value::F32(0),
            ValueKind::F64 => Value::F64(0),
            ValueKind::V128 => Value::V128(0),
            ValueKind::FuncRef => Value::FuncRef(None),
            ValueKind::ExternRef | ValueKind::Other => Value::ExternRef(None),
        }
    }

    /// Whether this value can be passed where a value of `kind` is expected.
    pub(crate) fn fits(&self, kind: ValueKind) -> bool {
        matches!(
            (self, kind),
            (Value::I32(_), ValueKind::I32)
                | (Value::I64(_), ValueKind::I64)
                | (Value::F32(_), ValueKind::F32)
                | (Value::F64(_), ValueKind::F64)
                | (Value::V128(_), ValueKind::V128)
                | (Value::FuncRef(_), ValueKind::FuncRef)
                | (Value::ExternRef(_), ValueKind::ExternRef)
        )
    }

    /// The value's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::V128(_) => "v128",
            Value::FuncRef(_) => "funcref",
            Value::ExternRef(_) => "externref",
        }
    }

    pub(crate) fn to_val<T: ExternRefHost>(self, mut ctx: impl AsContextMut<Data = T>) -> Result<Val, Error> {
        Ok(match self {
            Value::I32(v) => Val::I32(v),
            Value::I64(v) => Val::I64(v),
            Value::F32(v) => Val::F32(v),
            Value::F64(v) => Val::F64(v),
            Value::V128(v) => Val::V128(V128::from(v)),
            Value::FuncRef(f) => Val::FuncRef(f),
            Value::ExternRef(None) => Val::ExternRef(None),
            Value::ExternRef(Some(id)) => {
                let tag = ctx.as_context_mut().data_mut().extern_refs().tag(id);
                let r = ExternRef::new(&mut ctx, tag)
                    .map_err(|e| Error::MemoryLimit { message: format!("cannot allocate an externref: {e}") })?;
                Val::ExternRef(Some(r))
            }
        })
    }

    pub(crate) fn from_val<T: ExternRefHost>(val: &Val, ctx: impl AsContextMut<Data = T>) -> Result<Value, Error> {
        Ok(match val {
            Val::I32(v) => Value::I32(*v),
            Val::I64(v) => Value::I64(*v),
            Val::F32(v) => Value::F32(*v),
            Val::F64(v) => Value::F64(*v),
            Val::V128(v) => Value::V128(v.as_u128()),
            Val::FuncRef(f) => Value::FuncRef(*f),
            Val::ExternRef(None) => Value::ExternRef(None),
            Val::ExternRef(Some(r)) => {
                let data = r.data(&ctx).map_err(|e| Error::bug(format!("externref without data: {e}")))?;
                match data.and_then(|d| d.downcast_ref::<ExternTag>()) {
                    Some(tag) => Value::ExternRef(Some(tag.id)),
                    None => return Err(Error::invalid("an externref created inside the guest cannot be passed to the host")),
                }
            }
            other => {
                return Err(Error::invalid(format!(
                    "a {} value cannot cross to the host yet; only numbers, v128, funcref and externref can",
                    match other {
                        Val::AnyRef(_) => "anyref",
                        Val::ExnRef(_) => "exnref",
                        _ => "reference",
                    }
                )))
            }
        })
    }

    pub(crate) fn to_ref<T: ExternRefHost>(self, ctx: impl AsContextMut<Data = T>) -> Result<Ref, Error> {
        match self.to_val(ctx)? {
            Val::FuncRef(f) => Ok(Ref::Func(f)),
            Val::ExternRef(e) => Ok(Ref::Extern(e)),
            _ => Err(Error::invalid(format!("a {} is not a reference; tables hold funcref or externref", self.type_name()))),
        }
    }

    /// Writes this value into a 16-byte little-endian slot (the form of
    /// [`Store::call_slots`](crate::Store::call_slots)). `funcref` slots hold a
    /// handle from `func_handle` (0 = null) in bytes 0..4; `externref` slots
    /// hold the id in bytes 0..8 and 1 in byte 8 when not null.
    pub fn to_slot(self, func_handle: impl FnOnce(Func) -> u32) -> [u8; 16] {
        let mut out = [0u8; 16];
        match self {
            Value::I32(v) => out[..4].copy_from_slice(&v.to_le_bytes()),
            Value::I64(v) => out[..8].copy_from_slice(&v.to_le_bytes()),
            Value::F32(v) => out[..4].copy_from_slice(&v.to_le_bytes()),
            Value::F64(v) => out[..8].copy_from_slice(&v.to_le_bytes()),
            Value::V128(v) => out.copy_from_slice(&v.to_le_bytes()),
            Value::FuncRef(None) | Value::ExternRef(None) => {}
            Value::FuncRef(Some(f)) => out[..4].copy_from_slice(&func_handle(f).to_le_bytes()),
            Value::ExternRef(Some(id)) => {
                out[..8].copy_from_slice(&id.to_le_bytes());
                out[8] = 1;
            }
        }
        out
    }

    /// Reads a value of `kind` from a 16-byte little-endian slot.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown funcref handle or a kind
    /// that cannot cross the boundary.
    pub fn from_slot(kind: ValueKind, slot: &[u8], func_from_handle: impl FnOnce(u32) -> Option<Func>) -> Result<Value, Error> {
        if slot.len() < 16 {
            return Err(Error::invalid("a value slot is 16 bytes"));
        }
        let w4 = [slot[0], slot[1], slot[2], slot[3]];
        let mut w8 = [0u8; 8];
        w8.copy_from_slice(&slot[..8]);
        Ok(match kind {
            ValueKind::I32 => Value::I32(i32::from_le_bytes(w4)),
            ValueKind::I64 => Value::I64(i64::from_le_bytes(w8)),
            ValueKind::F32 => Value::F32(u32::from_le_bytes(w4)),
            ValueKind::F64 => Value::F64(u64::from_le_bytes(w8)),
            ValueKind::V128 => {
                let mut w16 = [0u8; 16];
                w16.copy_from_slice(&slot[..16]);
                Value::V128(u128::from_le_bytes(w16))
            }
            ValueKind::FuncRef => match u32::from_le_bytes(w4) {
                0 => Value::FuncRef(None),
                h => match func_from_handle(h) {
                    Some(f) => Value::FuncRef(Some(f)),
                    None => return Err(Error::invalid(format!("funcref handle {h} does not belong to this store"))),
                },
            },
            ValueKind::ExternRef => {
                if slot[8] == 0 {
                    Value::ExternRef(None)
                } else {
                    Value::ExternRef(Some(u64::from_le_bytes(w8)))
                }
            }
            ValueKind::Other => return Err(Error::invalid("this reference type cannot cross to the host yet")),
        })
    }
}

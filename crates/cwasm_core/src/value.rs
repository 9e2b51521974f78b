//! Values that cross between host and guest.

use crate::error::Error;
use crate::externref::ExternRefHost;
use crate::gcref::{AnyValue, GcKind, GcObject, GcRootHost};
use wasmtime::{AsContextMut, Func, Ref, Val, ValType, V128};

/// A WebAssembly value as the host sees it.
///
/// Floats are carried as their bit patterns so that NaN payloads survive a
/// round trip. `externref` and `anyref` values carry the embedder's `u64`
/// id for a host object (the embedder keeps the object itself), an `i31`,
/// or a GC object the store roots for the host (see [`GcObject`]).
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
    /// A `funcref` (any function type), or null.
    FuncRef(Option<Func>),
    /// A reference of the `extern` hierarchy, or null: usually a host value;
    /// `extern.convert_any` of an `i31` or GC object gives the others.
    ExternRef(Option<AnyValue>),
    /// A reference of the `any` hierarchy (`anyref`, `eqref`, `i31ref`,
    /// `structref`, `arrayref`, concrete struct and array types), or null.
    AnyRef(Option<AnyValue>),
    /// An exception reference, or null.
    ExnRef(Option<GcObject>),
}

/// The kind of a [`Value`], for fast conversions: one per reference
/// hierarchy, whatever the exact type (subtyping is checked when a value
/// goes in).
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
    /// `funcref`, `nullfuncref` and concrete function types
    FuncRef,
    /// `externref`, `nullexternref`
    ExternRef,
    /// `anyref`, `eqref`, `i31ref`, `structref`, `arrayref`, `nullref` and
    /// concrete struct and array types
    AnyRef,
    /// `exnref`, `nullexnref`
    ExnRef,
    /// Any other reference type (stack switching's continuations); not
    /// passable across the boundary.
    Other,
}

impl ValueKind {
    pub(crate) fn of(ty: &ValType) -> ValueKind {
        use wasmtime::HeapType as H;
        match ty {
            ValType::I32 => ValueKind::I32,
            ValType::I64 => ValueKind::I64,
            ValType::F32 => ValueKind::F32,
            ValType::F64 => ValueKind::F64,
            ValType::V128 => ValueKind::V128,
            ValType::Ref(r) => match r.heap_type() {
                H::Func | H::NoFunc | H::ConcreteFunc(_) => ValueKind::FuncRef,
                H::Extern | H::NoExtern => ValueKind::ExternRef,
                H::Any | H::Eq | H::I31 | H::Struct | H::Array | H::None | H::ConcreteStruct(_) | H::ConcreteArray(_) => {
                    ValueKind::AnyRef
                }
                H::Exn | H::NoExn | H::ConcreteExn(_) => ValueKind::ExnRef,
                H::Cont | H::NoCont | H::ConcreteCont(_) => ValueKind::Other,
            },
        }
    }

    /// Whether values of this kind are references.
    pub fn is_ref(self) -> bool {
        !matches!(self, ValueKind::I32 | ValueKind::I64 | ValueKind::F32 | ValueKind::F64 | ValueKind::V128)
    }
}

/// Equality by value. Two non-null `funcref`s never compare equal: their
/// identity is only known to their store; GC objects compare by root id.
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
            (Value::AnyRef(a), Value::AnyRef(b)) => a == b,
            (Value::ExnRef(a), Value::ExnRef(b)) => a == b,
            _ => false,
        }
    }
}

/// Byte 8 of a reference slot: what the reference is (see [`Value::to_slot`]).
mod slot_tag {
    pub(super) const NULL: u8 = 0;
    pub(super) const HOST: u8 = 1;
    pub(super) const I31: u8 = 2;
    pub(super) const STRUCT: u8 = 3;
    pub(super) const ARRAY: u8 = 4;
    pub(super) const EXN: u8 = 5;
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
            ValueKind::AnyRef => Value::AnyRef(None),
            ValueKind::ExnRef => Value::ExnRef(None),
            ValueKind::ExternRef | ValueKind::Other => Value::ExternRef(None),
        }
    }

    /// Whether this value can be passed where a value of `kind` is expected
    /// (the exact reference type is checked by [`Value::to_val_checked`]).
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
                | (Value::AnyRef(_), ValueKind::AnyRef)
                | (Value::ExnRef(_), ValueKind::ExnRef)
        )
    }

    /// The value's type name (for references: what it holds).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::I32(_) => "i32",
            Value::I64(_) => "i64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::V128(_) => "v128",
            Value::FuncRef(None) => "null funcref",
            Value::FuncRef(Some(_)) => "funcref",
            Value::ExternRef(None) | Value::AnyRef(None) | Value::ExnRef(None) => "null reference",
            Value::ExternRef(Some(v)) | Value::AnyRef(Some(v)) => match v {
                AnyValue::Host(_) => "host value",
                AnyValue::I31(_) => "i31",
                AnyValue::Object(o) => o.kind.as_str(),
            },
            Value::ExnRef(Some(_)) => "exception",
        }
    }

    pub(crate) fn to_val<T: ExternRefHost + GcRootHost>(self, mut ctx: impl AsContextMut<Data = T>) -> Result<Val, Error> {
        Ok(match self {
            Value::I32(v) => Val::I32(v),
            Value::I64(v) => Val::I64(v),
            Value::F32(v) => Val::F32(v),
            Value::F64(v) => Val::F64(v),
            Value::V128(v) => Val::V128(V128::from(v)),
            Value::FuncRef(f) => Val::FuncRef(f),
            Value::ExternRef(None) => Val::ExternRef(None),
            Value::ExternRef(Some(AnyValue::Host(id))) => Val::ExternRef(Some(crate::externref::new_host(&mut ctx, id)?)),
            Value::ExternRef(Some(v)) => {
                let a = crate::gcref::to_anyref(&mut ctx, v)?;
                let e = wasmtime::ExternRef::convert_any(&mut ctx, a).map_err(|e| Error::bug(format!("extern.convert_any: {e}")))?;
                Val::ExternRef(Some(e))
            }
            Value::AnyRef(None) => Val::AnyRef(None),
            Value::AnyRef(Some(v)) => Val::AnyRef(Some(crate::gcref::to_anyref(&mut ctx, v)?)),
            Value::ExnRef(None) => Val::ExnRef(None),
            Value::ExnRef(Some(o)) => {
                let roots = ctx.as_context_mut().data().gc_roots().clone();
                Val::ExnRef(Some(roots.exn(&mut ctx, o.id)?))
            }
        })
    }

    /// [`Value::to_val`] for a place of type `ty`: a reference must match it
    /// (subtyping and nullability), or [`Error::InvalidArgument`] says what
    /// `what` needed and got.
    pub(crate) fn to_val_checked<T: ExternRefHost + GcRootHost>(
        self,
        mut ctx: impl AsContextMut<Data = T>,
        ty: &ValType,
        what: impl FnOnce() -> String,
    ) -> Result<Val, Error> {
        let kind = ValueKind::of(ty);
        let mismatch = |v: &Value, what: String| {
            {
                let name = v.type_name();
                let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
                Error::invalid(format!("{what} must be {} but is {article} {name}", crate::types::val_type_str(ty)))
            }
        };
        if !self.fits(kind) {
            return Err(mismatch(&self, what()));
        }
        let val = self.to_val(&mut ctx)?;
        if kind.is_ref() && !val.matches_ty(&ctx, ty).map_err(|e| Error::bug(format!("type check: {e}")))? {
            return Err(mismatch(&self, what()));
        }
        Ok(val)
    }

    pub(crate) fn from_val<T: ExternRefHost + GcRootHost>(val: &Val, mut ctx: impl AsContextMut<Data = T>) -> Result<Value, Error> {
        Ok(match val {
            Val::I32(v) => Value::I32(*v),
            Val::I64(v) => Value::I64(*v),
            Val::F32(v) => Value::F32(*v),
            Val::F64(v) => Value::F64(*v),
            Val::V128(v) => Value::V128(v.as_u128()),
            Val::FuncRef(f) => Value::FuncRef(*f),
            Val::ExternRef(None) => Value::ExternRef(None),
            Val::ExternRef(Some(r)) => match crate::externref::host_id(&mut ctx, r) {
                Ok(id) => Value::ExternRef(Some(AnyValue::Host(id))),
                // Not the host's: an externalized i31 or GC object.
                Err(_) => {
                    let a = wasmtime::AnyRef::convert_extern(&mut ctx, *r).map_err(|e| Error::bug(format!("any.convert_extern: {e}")))?;
                    Value::ExternRef(Some(crate::gcref::any_value(&mut ctx, &a)?))
                }
            },
            Val::AnyRef(None) => Value::AnyRef(None),
            Val::AnyRef(Some(a)) => Value::AnyRef(Some(crate::gcref::any_value(&mut ctx, a)?)),
            Val::ExnRef(None) => Value::ExnRef(None),
            Val::ExnRef(Some(e)) => {
                let roots = ctx.as_context_mut().data().gc_roots().clone();
                Value::ExnRef(Some(roots.hold_exn(&mut ctx, e)?))
            }
            Val::ContRef(_) => return Err(Error::invalid("a continuation reference cannot cross to the host")),
        })
    }

    pub(crate) fn to_ref<T: ExternRefHost + GcRootHost>(self, ctx: impl AsContextMut<Data = T>) -> Result<Ref, Error> {
        match self.to_val(ctx)? {
            Val::FuncRef(f) => Ok(Ref::Func(f)),
            Val::ExternRef(e) => Ok(Ref::Extern(e)),
            Val::AnyRef(a) => Ok(Ref::Any(a)),
            Val::ExnRef(e) => Ok(Ref::Exn(e)),
            _ => Err(Error::invalid(format!("a {} is not a reference", self.type_name()))),
        }
    }

    /// Writes this value into a 16-byte little-endian slot (the form of
    /// [`Store::call_slots`](crate::Store::call_slots)). `funcref` slots hold a
    /// handle from `func_handle` (0 = null) in bytes 0..4. Other reference
    /// slots say in byte 8 what they hold: 0 null; 1 a host value, its id in
    /// bytes 0..8; 2 an `i31`, in bytes 0..4; 3, 4, 5 a struct, array or
    /// exception the store roots for the host, its id in bytes 0..8.
    pub fn to_slot(self, func_handle: impl FnOnce(Func) -> u32) -> [u8; 16] {
        let mut out = [0u8; 16];
        let mut put = |tag: u8, low: u64| {
            out[..8].copy_from_slice(&low.to_le_bytes());
            out[8] = tag;
        };
        match self {
            Value::I32(v) => out[..4].copy_from_slice(&v.to_le_bytes()),
            Value::I64(v) => out[..8].copy_from_slice(&v.to_le_bytes()),
            Value::F32(v) => out[..4].copy_from_slice(&v.to_le_bytes()),
            Value::F64(v) => out[..8].copy_from_slice(&v.to_le_bytes()),
            Value::V128(v) => out.copy_from_slice(&v.to_le_bytes()),
            Value::FuncRef(None) | Value::ExternRef(None) | Value::AnyRef(None) | Value::ExnRef(None) => {}
            Value::FuncRef(Some(f)) => out[..4].copy_from_slice(&func_handle(f).to_le_bytes()),
            Value::ExternRef(Some(v)) | Value::AnyRef(Some(v)) => match v {
                AnyValue::Host(id) => put(slot_tag::HOST, id),
                // Sign-extended, so bytes 0..4 hold the i32.
                AnyValue::I31(i) => put(slot_tag::I31, i as u32 as u64),
                AnyValue::Object(o) => put(if o.kind == GcKind::Array { slot_tag::ARRAY } else { slot_tag::STRUCT }, o.id),
            },
            Value::ExnRef(Some(o)) => put(slot_tag::EXN, o.id),
        }
        out
    }

    /// Reads a value of `kind` from a 16-byte little-endian slot.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an unknown funcref handle, a slot
    /// whose reference does not belong to `kind`'s hierarchy, or a kind
    /// that cannot cross the boundary.
    pub fn from_slot(kind: ValueKind, slot: &[u8], func_from_handle: impl FnOnce(u32) -> Option<Func>) -> Result<Value, Error> {
        if slot.len() < 16 {
            return Err(Error::invalid("a value slot is 16 bytes"));
        }
        let w4 = [slot[0], slot[1], slot[2], slot[3]];
        let mut w8 = [0u8; 8];
        w8.copy_from_slice(&slot[..8]);
        let low = u64::from_le_bytes(w8);
        let any = |tag: u8| -> Result<Option<AnyValue>, Error> {
            Ok(match tag {
                slot_tag::NULL => None,
                slot_tag::HOST => Some(AnyValue::Host(low)),
                slot_tag::I31 => Some(AnyValue::I31(i32::from_le_bytes(w4))),
                slot_tag::STRUCT => Some(AnyValue::Object(GcObject { id: low, kind: GcKind::Struct })),
                slot_tag::ARRAY => Some(AnyValue::Object(GcObject { id: low, kind: GcKind::Array })),
                slot_tag::EXN => return Err(Error::invalid("an exception reference cannot be passed as an anyref or externref")),
                t => return Err(Error::invalid(format!("reference slot tag {t} is not one this library writes"))),
            })
        };
        Ok(match kind {
            ValueKind::I32 => Value::I32(i32::from_le_bytes(w4)),
            ValueKind::I64 => Value::I64(low as i64),
            ValueKind::F32 => Value::F32(u32::from_le_bytes(w4)),
            ValueKind::F64 => Value::F64(low),
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
            ValueKind::ExternRef => Value::ExternRef(any(slot[8])?),
            ValueKind::AnyRef => Value::AnyRef(any(slot[8])?),
            ValueKind::ExnRef => match slot[8] {
                slot_tag::NULL => Value::ExnRef(None),
                slot_tag::EXN => Value::ExnRef(Some(GcObject { id: low, kind: GcKind::Exn })),
                _ => return Err(Error::invalid("only an exception can be passed as an exnref")),
            },
            ValueKind::Other => return Err(Error::invalid("this reference type cannot cross to the host")),
        })
    }
}

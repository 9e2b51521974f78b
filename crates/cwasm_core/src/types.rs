//! Descriptions of imports and exports with their full types.

use crate::error::Error;
use wasmtime::{ExternType, HeapType, Mutability, RefType, ValType};

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncSig {
    /// Parameter types, as `i32`, `i64`, `f32`, `f64`, `v128`, `funcref`, `externref`, ….
    pub params: Vec<String>,
    /// Result types, in the same notation.
    pub results: Vec<String>,
}

/// The type of one import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternDesc {
    /// A function.
    Func(FuncSig),
    /// A linear memory; sizes in pages of `page_size` bytes.
    Memory {
        /// Initial pages.
        minimum: u64,
        /// Maximum pages, if any.
        maximum: Option<u64>,
        /// 64-bit addressing.
        memory64: bool,
        /// Shared between threads.
        shared: bool,
        /// Bytes per page (65536 unless custom page sizes are used).
        page_size: u64,
    },
    /// A table.
    Table {
        /// Element type (`funcref`, `externref`, …).
        element: String,
        /// Initial elements.
        minimum: u64,
        /// Maximum elements, if any.
        maximum: Option<u64>,
        /// 64-bit indices.
        table64: bool,
    },
    /// A global.
    Global {
        /// Value type.
        value_type: String,
        /// Whether it can be set.
        mutable: bool,
    },
    /// An exception tag.
    Tag,
}

/// One import of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDesc {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// Its type.
    pub ty: ExternDesc,
}

/// One export of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportDesc {
    /// Export name.
    pub name: String,
    /// Its type.
    pub ty: ExternDesc,
}

/// The abstract heap types, by their text name, with the shorthand of
/// their nullable reference type: the one list both directions follow.
const ABSTRACT_HEAP_TYPES: [(&str, &str, HeapType); 12] = [
    ("func", "funcref", HeapType::Func),
    ("nofunc", "nullfuncref", HeapType::NoFunc),
    ("extern", "externref", HeapType::Extern),
    ("noextern", "nullexternref", HeapType::NoExtern),
    ("any", "anyref", HeapType::Any),
    ("eq", "eqref", HeapType::Eq),
    ("i31", "i31ref", HeapType::I31),
    ("struct", "structref", HeapType::Struct),
    ("array", "arrayref", HeapType::Array),
    ("none", "nullref", HeapType::None),
    ("exn", "exnref", HeapType::Exn),
    ("noexn", "nullexnref", HeapType::NoExn),
];

/// Where an abstract heap type is in [`ABSTRACT_HEAP_TYPES`].
fn abstract_index(h: &HeapType) -> Option<usize> {
    Some(match h {
        HeapType::Func => 0,
        HeapType::NoFunc => 1,
        HeapType::Extern => 2,
        HeapType::NoExtern => 3,
        HeapType::Any => 4,
        HeapType::Eq => 5,
        HeapType::I31 => 6,
        HeapType::Struct => 7,
        HeapType::Array => 8,
        HeapType::None => 9,
        HeapType::Exn => 10,
        HeapType::NoExn => 11,
        _ => return None,
    })
}

/// A reference type in the WebAssembly text format's spelling:
/// `funcref`, `anyref`, … for nullable abstract types, `(ref eq)` for
/// non-nullable ones, and `(ref null $struct)`, `(ref $func)`, … for
/// concrete types (whose index only the module knows).
pub(crate) fn ref_type_str(r: &RefType) -> String {
    let h = r.heap_type();
    if let Some((name, short, _)) = abstract_index(h).map(|i| &ABSTRACT_HEAP_TYPES[i]) {
        return if r.is_nullable() { (*short).to_string() } else { format!("(ref {name})") };
    }
    let concrete = match h {
        HeapType::ConcreteFunc(_) => "$func",
        HeapType::ConcreteStruct(_) => "$struct",
        HeapType::ConcreteArray(_) => "$array",
        HeapType::ConcreteExn(_) => "$exn",
        HeapType::ConcreteCont(_) => "$cont",
        _ => return r.to_string(),
    };
    format!("(ref {}{concrete})", if r.is_nullable() { "null " } else { "" })
}

/// Parses a reference type named as [`ref_type_str`] names abstract ones.
pub(crate) fn parse_ref_type(name: &str) -> Result<RefType, Error> {
    if let Some((_, _, h)) = ABSTRACT_HEAP_TYPES.iter().find(|(_, short, _)| *short == name) {
        return Ok(RefType::new(true, h.clone()));
    }
    if let Some(inner) = name.strip_prefix("(ref ").and_then(|r| r.strip_suffix(')')) {
        let (nullable, heap) = match inner.strip_prefix("null ") {
            Some(h) => (true, h.trim()),
            None => (false, inner.trim()),
        };
        if let Some((_, _, h)) = ABSTRACT_HEAP_TYPES.iter().find(|(n, _, _)| *n == heap) {
            return Ok(RefType::new(nullable, h.clone()));
        }
    }
    let names: Vec<&str> = ABSTRACT_HEAP_TYPES.iter().map(|(_, short, _)| *short).collect();
    Err(Error::invalid(format!(
        "unknown reference type '{name}'; use {} or (ref [null] HEAP) with an abstract heap type (concrete types cannot be named by the host)",
        names.join(", ")
    )))
}

pub(crate) fn val_type_str(t: &ValType) -> String {
    match t {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(r) => ref_type_str(r),
    }
}

pub(crate) fn func_sig(ty: &wasmtime::FuncType) -> FuncSig {
    FuncSig {
        params: ty.params().map(|t| val_type_str(&t)).collect(),
        results: ty.results().map(|t| val_type_str(&t)).collect(),
    }
}

impl ExternDesc {
    pub(crate) fn from_wasmtime(ty: &ExternType) -> ExternDesc {
        match ty {
            ExternType::Func(f) => ExternDesc::Func(func_sig(f)),
            ExternType::Memory(m) => ExternDesc::Memory {
                minimum: m.minimum(),
                maximum: m.maximum(),
                memory64: m.is_64(),
                shared: m.is_shared(),
                page_size: m.page_size(),
            },
            ExternType::Table(t) => ExternDesc::Table {
                element: ref_type_str(t.element()),
                minimum: t.minimum(),
                maximum: t.maximum(),
                table64: t.is_64(),
            },
            ExternType::Global(g) => ExternDesc::Global {
                value_type: val_type_str(g.content()),
                mutable: g.mutability() == Mutability::Var,
            },
            ExternType::Tag(_) => ExternDesc::Tag,
        }
    }

    /// The kind: `func`, `memory`, `table`, `global` or `tag`.
    pub fn kind(&self) -> &'static str {
        match self {
            ExternDesc::Func(_) => "func",
            ExternDesc::Memory { .. } => "memory",
            ExternDesc::Table { .. } => "table",
            ExternDesc::Global { .. } => "global",
            ExternDesc::Tag => "tag",
        }
    }
}

impl std::fmt::Display for ExternDesc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExternDesc::Func(sig) => write!(f, "func ({}) -> ({})", sig.params.join(", "), sig.results.join(", ")),
            ExternDesc::Memory { minimum, maximum, memory64, shared, .. } => {
                write!(f, "memory{} {minimum}", if *memory64 { " i64" } else { "" })?;
                if let Some(max) = maximum {
                    write!(f, " {max}")?;
                }
                if *shared {
                    write!(f, " shared")?;
                }
                Ok(())
            }
            ExternDesc::Table { element, minimum, maximum, table64 } => {
                write!(f, "table{} {minimum}", if *table64 { " i64" } else { "" })?;
                if let Some(max) = maximum {
                    write!(f, " {max}")?;
                }
                write!(f, " {element}")
            }
            ExternDesc::Global { value_type, mutable } => {
                if *mutable {
                    write!(f, "global (mut {value_type})")
                } else {
                    write!(f, "global {value_type}")
                }
            }
            ExternDesc::Tag => write!(f, "tag"),
        }
    }
}

/// Parses a value type name as the host writes it.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an unknown name.
pub(crate) fn parse_val_type(name: &str) -> Result<ValType, Error> {
    Ok(match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        other => match parse_ref_type(other) {
            Ok(r) => ValType::Ref(r),
            Err(_) => {
                return Err(Error::invalid(format!(
                    "unknown value type '{other}'; use i32, i64, f32, f64, v128, or a reference type (funcref, externref, anyref, eqref, i31ref, structref, arrayref, exnref, their null forms, or (ref [null] HEAP))"
                )))
            }
        },
    })
}

//! Import and export descriptions as plain JS objects.

use cwasm_core::{ExternDesc, ExportDesc, ImportDesc};
use napi_derive::napi;

/// The full type of an import or export.
#[napi(object)]
pub struct BindingExternType {
    /// `func`, `memory`, `table`, `global` or `tag`.
    pub kind: String,
    /// Function parameter types.
    pub params: Option<Vec<String>>,
    /// Function result types.
    pub results: Option<Vec<String>>,
    /// Memory or table minimum (pages or elements).
    pub minimum: Option<f64>,
    /// Memory or table maximum, if any.
    pub maximum: Option<f64>,
    /// 64-bit memory or table.
    pub is64: Option<bool>,
    /// Shared memory.
    pub shared: Option<bool>,
    /// Memory page size in bytes.
    pub page_size: Option<f64>,
    /// Table element type or global value type.
    pub value_type: Option<String>,
    /// Whether a global is mutable.
    pub mutable: Option<bool>,
    /// The type in text form, e.g. `func (i32) -> (i32)`.
    pub text: String,
}

/// One import of a module.
#[napi(object)]
pub struct BindingImportType {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// Type.
    pub ty: BindingExternType,
}

/// One export of a module.
#[napi(object)]
pub struct BindingExportType {
    /// Export name.
    pub name: String,
    /// Type.
    pub ty: BindingExternType,
}

pub(crate) fn extern_type(d: &ExternDesc) -> BindingExternType {
    let mut t = BindingExternType {
        kind: d.kind().to_string(),
        params: None,
        results: None,
        minimum: None,
        maximum: None,
        is64: None,
        shared: None,
        page_size: None,
        value_type: None,
        mutable: None,
        text: d.to_string(),
    };
    match d {
        ExternDesc::Func(sig) => {
            t.params = Some(sig.params.clone());
            t.results = Some(sig.results.clone());
        }
        ExternDesc::Memory { minimum, maximum, memory64, shared, page_size } => {
            t.minimum = Some(*minimum as f64);
            t.maximum = maximum.map(|m| m as f64);
            t.is64 = Some(*memory64);
            t.shared = Some(*shared);
            t.page_size = Some(*page_size as f64);
        }
        ExternDesc::Table { element, minimum, maximum, table64 } => {
            t.value_type = Some(element.clone());
            t.minimum = Some(*minimum as f64);
            t.maximum = maximum.map(|m| m as f64);
            t.is64 = Some(*table64);
        }
        ExternDesc::Global { value_type, mutable } => {
            t.value_type = Some(value_type.clone());
            t.mutable = Some(*mutable);
        }
        ExternDesc::Tag => {}
    }
    t
}

pub(crate) fn import_type(i: ImportDesc) -> BindingImportType {
    BindingImportType { ty: extern_type(&i.ty), module: i.module, name: i.name }
}

pub(crate) fn export_type(e: ExportDesc) -> BindingExportType {
    BindingExportType { ty: extern_type(&e.ty), name: e.name }
}

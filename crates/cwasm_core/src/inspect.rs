//! What a module is made of, read without compiling it: custom sections,
//! the WebAssembly features it uses, and its text form.

use crate::error::Error;
use crate::module::{compile_error, to_binary};
use wasmtime::wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// A custom section of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomSection {
    /// Its name (`name`, `producers`, `.debug_info`, …).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What [`module_info`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Custom sections, in order.
    pub custom_sections: Vec<CustomSection>,
    /// Features beyond WebAssembly 1.0 the module needs, by their proposal
    /// names (`simd`, `bulk-memory`, `gc`, …).
    pub features: Vec<&'static str>,
    /// Size of the binary in bytes.
    pub size: u64,
}

/// The proposals looked for, by name. A module uses one when it no longer
/// validates without it.
const FEATURES: &[(&str, WasmFeatures)] = &[
    ("mutable-global", WasmFeatures::MUTABLE_GLOBAL),
    ("saturating-float-to-int", WasmFeatures::SATURATING_FLOAT_TO_INT),
    ("sign-extension", WasmFeatures::SIGN_EXTENSION),
    ("multi-value", WasmFeatures::MULTI_VALUE),
    ("reference-types", WasmFeatures::REFERENCE_TYPES),
    ("bulk-memory", WasmFeatures::BULK_MEMORY),
    ("simd", WasmFeatures::SIMD),
    ("relaxed-simd", WasmFeatures::RELAXED_SIMD),
    ("threads", WasmFeatures::THREADS),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("exceptions", WasmFeatures::EXCEPTIONS),
    ("memory64", WasmFeatures::MEMORY64),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("function-references", WasmFeatures::FUNCTION_REFERENCES),
    ("gc", WasmFeatures::GC),
    ("custom-page-sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
    ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
];

fn validates(binary: &[u8], features: WasmFeatures) -> bool {
    Validator::new_with_features(features).validate_all(binary).is_ok()
}

/// Reads a module's custom sections and the features it uses (WAT is
/// converted first).
///
/// # Errors
///
/// [`Error::Compile`] when the bytes are not a valid module even with every
/// feature on.
///
/// # Examples
///
/// ```
/// let info = cwasm_core::module_info(b"(module (func (result v128) (v128.const i64x2 0 0)))")?;
/// assert_eq!(info.features, ["simd"]);
/// # Ok::<(), cwasm_core::Error>(())
/// ```
pub fn module_info(bytes: &[u8]) -> Result<ModuleInfo, Error> {
    let binary = to_binary(bytes)?;
    let all = FEATURES.iter().fold(WasmFeatures::default(), |acc, (_, f)| acc | *f);
    Validator::new_with_features(all).validate_all(&binary).map_err(|e| compile_error(&wasmtime::Error::new(e)))?;
    let mut custom_sections = Vec::new();
    for payload in Parser::new(0).parse_all(&binary) {
        if let Ok(Payload::CustomSection(c)) = payload {
            custom_sections.push(CustomSection { name: c.name().to_string(), size: c.data().len() as u64 });
        }
    }
    let features = FEATURES.iter().filter(|(_, f)| !validates(&binary, all - *f)).map(|(name, _)| *name).collect();
    Ok(ModuleInfo { custom_sections, features, size: binary.len() as u64 })
}

/// The text form (WAT) of a module.
///
/// # Errors
///
/// [`Error::Compile`] when the bytes are not a module the printer can read.
///
/// # Examples
///
/// ```
/// let wat = cwasm_core::to_wat(b"(module (func (export \"f\")))")?;
/// assert!(wat.contains("(export \"f\""));
/// # Ok::<(), cwasm_core::Error>(())
/// ```
pub fn to_wat(bytes: &[u8]) -> Result<String, Error> {
    let binary = to_binary(bytes)?;
    wasmprinter::print_bytes(&binary).map_err(|e| Error::Compile { message: format!("cannot print the module: {e:#}"), offset: None, line: None, column: None })
}

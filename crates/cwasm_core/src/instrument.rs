//! Interrupt checks woven into the guest's code.
//!
//! Wasmtime's epoch checks call into the runtime on their slow path, and
//! that call makes Cranelift keep every floating-point and vector value of a
//! loop on the stack (all xmm registers are caller-saved): up to 1.8× slower
//! kernels. Instead, we add to each module a one-page memory holding an
//! interrupt flag, and at every function entry and loop header an atomic
//! one-byte load of it (the threads proposal's, on an unshared memory) whose
//! check's slow path *traps* (`unreachable`): a trap ends the code, so nothing stays
//! live across it and values stay in registers. The host sets the flag to
//! stop a call (deadline or cancellation) and maps the trap back.

use crate::error::Error;
use wasm_encoder::reencode::{utils, Reencode};
use wasm_encoder::{ExportKind, Function, Instruction, MemArg, MemorySection, MemoryType, SectionId};
use wasmtime::wasmparser::{self, Parser, Payload};

/// Export name of the flag memory; a NUL keeps it from clashing with a guest's own names.
pub const FLAG_EXPORT: &str = "\0cwasm:interrupt";

struct Weaver {
    flag_memory: u32,
    has_memory_section: bool,
    has_export_section: bool,
}

/// Where a section sits in a module, by the binary format's ordering.
fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Type => 1,
        SectionId::Import => 2,
        SectionId::Function => 3,
        SectionId::Table => 4,
        SectionId::Memory => 5,
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        _ => 0,
    }
}

fn flag_memory_type() -> MemoryType {
    MemoryType { minimum: 1, maximum: Some(1), memory64: false, shared: false, page_size_log2: None }
}

impl Weaver {
    fn check(&self, f: &mut Function) {
        f.instruction(&Instruction::I32Const(0));
        // Atomic, so that Cranelift cannot reuse an earlier load of the flag
        // (a plain load in a loop without stores is hoisted out of it). On
        // x86-64 and arm64 it is the same single load instruction.
        f.instruction(&Instruction::I32AtomicLoad8U(MemArg { offset: 0, align: 0, memory_index: self.flag_memory }));
        f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }

    /// Whether a missing section `id` belongs between `after` and `before`.
    fn goes_between(id: SectionId, after: Option<SectionId>, before: Option<SectionId>) -> bool {
        let r = rank(id);
        after.is_none_or(|a| rank(a) < r) && before.is_none_or(|b| rank(b) > r)
    }
}

impl Reencode for Weaver {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        let mut f = self.new_function_with_parsed_locals(&func)?;
        self.check(&mut f);
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let ins = self.parse_instruction(&mut reader)?;
            let is_loop = matches!(ins, Instruction::Loop(_));
            f.instruction(&ins);
            if is_loop {
                self.check(&mut f);
            }
        }
        code.function(&f);
        Ok(())
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_memory_section(self, memories, section)?;
        memories.memory(flag_memory_type());
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_export_section(self, exports, section)?;
        exports.export(FLAG_EXPORT, ExportKind::Memory, self.flag_memory);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        if !self.has_memory_section && Self::goes_between(SectionId::Memory, after, before) {
            let mut m = MemorySection::new();
            m.memory(flag_memory_type());
            module.section(&m);
            self.has_memory_section = true;
        }
        if !self.has_export_section && Self::goes_between(SectionId::Export, after, before) {
            let mut e = wasm_encoder::ExportSection::new();
            e.export(FLAG_EXPORT, ExportKind::Memory, self.flag_memory);
            module.section(&e);
            self.has_export_section = true;
        }
        Ok(())
    }
}

/// Adds the interrupt flag memory and checks to a valid module's binary.
///
/// # Errors
///
/// [`Error::Compile`] if the binary cannot be parsed (it should have been
/// validated first).
pub(crate) fn weave(binary: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |e: String| Error::Compile { message: format!("cannot add interrupt checks: {e}"), offset: None, line: None, column: None };
    let mut memories = 0u32;
    let (mut has_memory_section, mut has_export_section) = (false, false);
    for payload in Parser::new(0).parse_all(binary) {
        match payload.map_err(|e| bad(e.to_string()))? {
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    if matches!(imp.map_err(|e| bad(e.to_string()))?.ty, wasmparser::TypeRef::Memory(_)) {
                        memories += 1;
                    }
                }
            }
            Payload::MemorySection(s) => {
                has_memory_section = true;
                memories += s.count();
            }
            Payload::ExportSection(_) => has_export_section = true,
            _ => {}
        }
    }
    let mut weaver = Weaver { flag_memory: memories, has_memory_section, has_export_section };
    let mut module = wasm_encoder::Module::new();
    weaver.parse_core_module(&mut module, Parser::new(0), binary).map_err(|e| bad(e.to_string()))?;
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weaving_adds_a_flag_memory_export_and_checks() {
        let wasm = wat::parse_str(r#"(module (func (export "spin") (loop br 0)))"#).unwrap();
        let out = weave(&wasm).unwrap();
        let mut memories = 0;
        let mut exports = vec![];
        let mut loads = 0;
        for p in Parser::new(0).parse_all(&out) {
            match p.unwrap() {
                Payload::MemorySection(s) => memories += s.count(),
                Payload::ExportSection(s) => {
                    for e in s {
                        exports.push(e.unwrap().name.to_string());
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    for op in body.get_operators_reader().unwrap() {
                        if matches!(op.unwrap(), wasmparser::Operator::I32AtomicLoad8U { .. }) {
                            loads += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(memories, 1);
        assert_eq!(exports, vec!["spin".to_string(), FLAG_EXPORT.to_string()]);
        assert_eq!(loads, 2, "one check at entry, one in the loop");
    }
}

//! Interrupt checks woven into the guest's code.
//!
//! Wasmtime's epoch checks call into the runtime on their slow path, and
//! that call makes Cranelift keep every floating-point and vector value of a
//! loop on the stack (all xmm registers are caller-saved): up to 1.8× slower
//! kernels. Instead, we add to each module a one-page memory holding an
//! interrupt flag, and at every function entry and loop header (but see
//! below for the ones left out) an atomic
//! one-byte load of it (the threads proposal's, on an unshared memory) whose
//! check's slow path *traps* (`unreachable`): a trap ends the code, so nothing stays
//! live across it and values stay in registers. The host sets the flag to
//! stop a call (deadline or cancellation) and maps the trap back.
//!
//! Loops that count from a constant to a constant within a small budget of
//! iterations get no check (`bounded.rs` proves which). A function gets an
//! entry check only when a call to it could otherwise run long without
//! reaching one: it loops, recurses, or calls enough code
//! (`entry_checks.rs` decides). Each call through a table or a reference,
//! and each bulk memory, table or array operation, gets a check right
//! before it. A start function is taken out
//! of the start section and exported under [`START_EXPORT`]: Wasmtime would run it
//! before the host can register the new instance's flag, so it could not be
//! stopped; the host runs it right after instantiation instead.
//!
//! The flag memory is defined in each instance, not imported from one
//! memory shared by all: Wasmtime builds copy-on-write memory images only
//! for modules that import no memory, so an imported flag made every
//! instance copy its data segments (tried and measured; see bench/README.md,
//! "Second pass").

use crate::error::Error;
use wasm_encoder::reencode::{utils, Reencode};
use wasm_encoder::{ExportKind, Instruction, MemArg, MemorySection, MemoryType, SectionId};
use crate::entry_checks::FuncFacts;
use wasmtime::wasmparser::{self, Operator, Parser, Payload};

/// Export name of the flag memory; the NUL keeps it apart from any name a
/// guest would use, and guests that use the prefix are refused.
pub const FLAG_EXPORT: &str = "\0cwasm:interrupt";
/// Export name of the module's start function, which the host runs once
/// the instance's flag is in place (see [`weave`]).
pub const START_EXPORT: &str = "\0cwasm:start";
/// Prefix of every name the weaver adds.
pub const RESERVED_PREFIX: &str = "\0cwasm";
/// Prefix of the exports that name a module's own shared memories (so that
/// instantiation can check their declared maximum against the store's limit:
/// a shared memory grows without asking the store).
pub const SHARED_EXPORT_PREFIX: &str = "\0cwasm:shared:";
/// Changes whenever woven code changes shape, so that artifacts woven the
/// old way are refused as incompatible.
pub const WEAVE_VERSION: u32 = 6;

struct Weaver {
    flag_memory: u32,
    /// Every defined function's woven body, made beforehand on all cores.
    bodies: Vec<Vec<u8>>,
    /// The defined function whose body comes next.
    next_function: usize,
    /// The bounded-wait helpers (`waits.rs`): each one's type index and body.
    helpers: Vec<(u32, Vec<u8>)>,
    /// The helpers' distinct signatures, appended to the type section.
    helper_types: Vec<([wasm_encoder::ValType; 3], [wasm_encoder::ValType; 1])>,
    /// Indices of the module's own shared memories.
    shared_memories: Vec<u32>,
    /// The start function, exported instead of started.
    start: Option<u32>,
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

/// Whether a missing section `id` belongs between `after` and `before`
/// (the reencoder's hook is called between every two sections).
pub(crate) fn goes_between(id: SectionId, after: Option<SectionId>, before: Option<SectionId>) -> bool {
    let r = rank(id);
    after.is_none_or(|a| rank(a) < r) && before.is_none_or(|b| rank(b) > r)
}

fn flag_memory_type() -> MemoryType {
    MemoryType { minimum: 1, maximum: Some(1), memory64: false, shared: false, page_size_log2: None }
}

/// The instructions of a function body.
fn operators<'a>(func: &wasmparser::FunctionBody<'a>) -> Result<Vec<Operator<'a>>, wasmparser::BinaryReaderError> {
    let mut ops = Vec::new();
    let mut reader = func.get_operators_reader()?;
    while !reader.eof() {
        ops.push(reader.read()?);
    }
    Ok(ops)
}

/// Whether `op` gets a check of its own right before it: a call of a
/// function only known at run time (it may run long without a check), or
/// a bulk operation whose time grows with a length the guest chooses (many
/// of them in a row would otherwise run unchecked, each counted as one
/// instruction).
fn needs_own_check(op: &Operator<'_>) -> bool {
    crate::bounded::is_indirect_call(op)
        || matches!(
        op,
        Operator::MemoryFill { .. }
            | Operator::MemoryCopy { .. }
            | Operator::MemoryInit { .. }
            | Operator::TableFill { .. }
            | Operator::TableCopy { .. }
            | Operator::TableInit { .. }
            | Operator::ArrayFill { .. }
            | Operator::ArrayCopy { .. }
            | Operator::ArrayNew { .. }
            | Operator::ArrayNewDefault { .. }
            | Operator::ArrayNewData { .. }
            | Operator::ArrayNewElem { .. }
            | Operator::ArrayInitData { .. }
            | Operator::ArrayInitElem { .. }
    )
}

/// Appends `code` to `f`.
fn emit(f: &mut wasm_encoder::Function, code: &[Instruction<'_>]) {
    for i in code {
        f.instruction(i);
    }
}

/// What deciding entry checks needs to know about a function body, and
/// whether each of its loops keeps its check.
fn facts(ops: &[Operator<'_>]) -> (FuncFacts, Vec<bool>) {
    let mut facts = FuncFacts { work: ops.len() as u64, ..Default::default() };
    let mut loop_checks = Vec::new();
    for work in crate::bounded::bounded_loops(ops) {
        match work {
            Some(w) => facts.work = facts.work.saturating_add(w),
            None => facts.unbounded_loop = true,
        }
        loop_checks.push(work.is_none());
    }
    for op in ops {
        if let Operator::Call { function_index } | Operator::ReturnCall { function_index } = op {
            facts.callees.push(*function_index);
        }
    }
    (facts, loop_checks)
}

/// The woven check: an atomic load of the flag, trapping when it is set.
fn check(flag_memory: u32) -> [Instruction<'static>; 5] {
    [
            Instruction::I32Const(0),
            // Atomic, so that Cranelift cannot reuse an earlier load of the
            // flag (a plain load in a loop without stores is hoisted out of
            // it). On x86-64 and arm64 it is the same single load instruction.
            Instruction::I32AtomicLoad8U(MemArg { offset: 0, align: 0, memory_index: flag_memory }),
            Instruction::If(wasm_encoder::BlockType::Empty),
            Instruction::Unreachable,
            Instruction::End,
        ]
}

/// A function body woven but for its entry check, which depends on every
/// function's facts: its locals and its code apart, so the check can go
/// between them.
struct WovenBody {
    facts: FuncFacts,
    locals: Vec<u8>,
    code: Vec<u8>,
}

/// The bytes of instructions alone (a body's encoding without its locals).
fn instruction_bytes(f: wasm_encoder::Function) -> Vec<u8> {
    let mut b = f.into_raw_body();
    // An empty locals list is the one byte 0.
    b.remove(0);
    b
}

/// One function body with its checks at each loop header that keeps one
/// (`bounded.rs`) and before each indirect call and bulk operation, and
/// the facts that decide its entry check; one pass over its operators.
fn weave_body(func: &wasmparser::FunctionBody<'_>, flag_memory: u32, waits: &crate::waits::Helpers) -> Result<WovenBody, String> {
    let mut r = wasm_encoder::reencode::RoundtripReencoder;
    let locals = r.new_function_with_parsed_locals(func).map_err(|e| e.to_string())?.into_raw_body();
    let ops = operators(func).map_err(|e| e.to_string())?;
    let (facts, loop_checks) = facts(&ops);
    let check = check(flag_memory);
    let mut f = wasm_encoder::Function::new([]);
    let mut loops = loop_checks.into_iter();
    for op in ops {
        let is_loop = matches!(op, Operator::Loop { .. });
        // An indirect call's callee is not known, and a bulk operation
        // takes as long as its length: each gets a check of its own
        // (see `entry_checks.rs`).
        if needs_own_check(&op) {
            emit(&mut f, &check);
        }
        // A wait on a shared memory becomes a call of its bounded helper.
        match crate::waits::Wait::of(&op).and_then(|w| waits.index.get(&w)) {
            Some(&helper) => f.instruction(&Instruction::Call(helper)),
            None => f.instruction(&r.instruction(op).map_err(|e| e.to_string())?),
        };
        // A short counted loop needs no check of its own: the enclosing
        // loop's or function's check bounds it.
        if is_loop && loops.next().unwrap_or(true) {
            emit(&mut f, &check);
        }
    }
    Ok(WovenBody { facts, locals, code: instruction_bytes(f) })
}

/// `f` of every item, on all cores, in order (the functions of a large
/// module are woven independently).
pub(crate) fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(items.len() / 64).max(1);
    if threads == 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| s.spawn(move || part.iter().enumerate().map(|(i, t)| f(c * chunk + i, t)).collect::<Vec<R>>()))
            .collect();
        // A worker that panicked is a bug; resume it here rather than lose it.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    })
}

impl Weaver {
    fn added_exports(&self, exports: &mut wasm_encoder::ExportSection) {
        exports.export(FLAG_EXPORT, ExportKind::Memory, self.flag_memory);
        for &m in &self.shared_memories {
            exports.export(&format!("{SHARED_EXPORT_PREFIX}{m}"), ExportKind::Memory, m);
        }
        if let Some(start) = self.start {
            exports.export(START_EXPORT, ExportKind::Func, start);
        }
    }

}

impl Reencode for Weaver {
    type Error = String;

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_type_section(self, types, section)?;
        for (params, results) in &self.helper_types {
            types.ty().function(params.iter().copied(), results.iter().copied());
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_function_section(self, functions, section)?;
        for (ty, _) in &self.helpers {
            functions.function(*ty);
        }
        Ok(())
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_code_section(self, code, section)?;
        for (_, body) in &self.helpers {
            code.raw(body);
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        _func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        match self.bodies.get(self.next_function) {
            Some(b) => code.raw(b),
            None => return Err(wasm_encoder::reencode::Error::UserError("a function body the first pass did not see".into())),
        };
        self.next_function += 1;
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
        self.added_exports(exports);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        if !self.has_memory_section && goes_between(SectionId::Memory, after, before) {
            let mut m = MemorySection::new();
            m.memory(flag_memory_type());
            module.section(&m);
            self.has_memory_section = true;
        }
        if !self.has_export_section && goes_between(SectionId::Export, after, before) {
            let mut e = wasm_encoder::ExportSection::new();
            self.added_exports(&mut e);
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
/// validated first), or if it uses a name starting with [`RESERVED_PREFIX`].
/// `fuel_imports`: the binary was woven with fuel first, so its imports of
/// [`crate::fuel::FUEL_MODULE`] are the runtime's own.
pub(crate) fn weave(binary: &[u8], fuel_imports: bool) -> Result<Vec<u8>, Error> {
    let bad = |e: String| Error::Compile { message: format!("cannot add interrupt checks: {e}"), offset: None, line: None, column: None };
    let reserved = |what: String| Error::Compile {
        message: format!("{what}, but names starting with \"\\0cwasm\" are reserved for the runtime; rename it"),
        offset: None,
        line: None,
        column: None,
    };
    let mut memories = 0u32;
    // Per memory, in index order: (64-bit, shared).
    let mut memory_kinds: Vec<(bool, bool)> = Vec::new();
    let mut imported_memories = 0u32;
    let mut type_count = 0u32;
    let mut imported_functions = 0u32;
    let mut bodies = Vec::new();
    let mut start = None;
    let (mut has_memory_section, mut has_export_section) = (false, false);
    for payload in Parser::new(0).parse_all(binary) {
        match payload.map_err(|e| bad(e.to_string()))? {
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    let imp = imp.map_err(|e| bad(e.to_string()))?;
                    if imp.module.starts_with(RESERVED_PREFIX) && !(fuel_imports && imp.module == crate::fuel::FUEL_MODULE) {
                        return Err(reserved(format!("the module imports '{}' from a module named {:?}", imp.name, imp.module)));
                    }
                    match imp.ty {
                        wasmparser::TypeRef::Memory(m) => {
                            memories += 1;
                            imported_memories += 1;
                            memory_kinds.push((m.memory64, m.shared));
                        }
                        wasmparser::TypeRef::Func(_) => imported_functions += 1,
                        _ => {}
                    }
                }
            }
            Payload::MemorySection(s) => {
                has_memory_section = true;
                memories += s.count();
                for m in s {
                    let m = m.map_err(|e| bad(e.to_string()))?;
                    memory_kinds.push((m.memory64, m.shared));
                }
            }
            Payload::TypeSection(s) => {
                for group in s {
                    type_count += group.map_err(|e| bad(e.to_string()))?.types().count() as u32;
                }
            }
            Payload::StartSection { func, .. } => start = Some(func),
            Payload::CodeSectionEntry(body) => bodies.push(body),
            Payload::ExportSection(s) => {
                has_export_section = true;
                for e in s {
                    let e = e.map_err(|e| bad(e.to_string()))?;
                    if e.name.starts_with(RESERVED_PREFIX) {
                        return Err(reserved(format!("the module exports {:?}", e.name)));
                    }
                }
            }
            _ => {}
        }
    }
    // Only waits on a shared memory can block; a module with none keeps its waits.
    let waits = if memory_kinds.iter().any(|k| k.1) {
        let functions = u32::try_from(bodies.len()).map_err(|_| bad("too many functions".into()))?;
        crate::waits::find(&bodies, imported_functions + functions).map_err(bad)?
    } else {
        crate::waits::Helpers::default()
    };
    let mut woven: Vec<WovenBody> =
        par_map(&bodies, |_, b| weave_body(b, memories, &waits)).into_iter().collect::<Result<_, _>>().map_err(bad)?;
    let facts: Vec<FuncFacts> = woven.iter_mut().map(|w| std::mem::take(&mut w.facts)).collect();
    let entry_checks = crate::entry_checks::entry_checks(imported_functions, &facts);
    let mut check_bytes = wasm_encoder::Function::new([]);
    emit(&mut check_bytes, &check(memories));
    let check_bytes = instruction_bytes(check_bytes);
    let bodies: Vec<Vec<u8>> = woven
        .into_iter()
        .enumerate()
        .map(|(i, mut w)| {
            if entry_checks.get(i).copied().unwrap_or(true) {
                w.locals.extend_from_slice(&check_bytes);
            }
            w.locals.extend_from_slice(&w.code);
            w.locals
        })
        .collect();
    let mut helper_types = Vec::new();
    let mut helpers = Vec::new();
    for w in &waits.waits {
        let memory64 = memory_kinds.get(w.memory as usize).is_some_and(|k| k.0);
        let sig = crate::waits::signature(w, memory64);
        let at = match helper_types.iter().position(|s| *s == sig) {
            Some(i) => i,
            None => {
                helper_types.push(sig);
                helper_types.len() - 1
            }
        };
        helpers.push((type_count + at as u32, crate::waits::body(w, &check(memories))));
    }
    let shared_memories = (imported_memories..memories).filter(|&i| memory_kinds.get(i as usize).is_some_and(|k| k.1)).collect();
    let mut weaver = Weaver {
        flag_memory: memories,
        bodies,
        next_function: 0,
        helpers,
        helper_types,
        shared_memories,
        start,
        has_memory_section,
        has_export_section,
    };
    let mut module = wasm_encoder::Module::new();
    weaver.parse_core_module(&mut module, Parser::new(0), binary).map_err(|e| bad(e.to_string()))?;
    let out = module.finish();
    if start.is_none() {
        return Ok(out);
    }
    // Wasmtime would run a start function while instantiating, before the
    // host can register the new instance's flag, so a start function that
    // never ends could not be stopped. The reencoder copies the start
    // section; drop it: the host runs the exported start function instead.
    let mut without_start = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(&out) {
        let payload = payload.map_err(|e| bad(e.to_string()))?;
        if let Payload::StartSection { .. } = payload {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            without_start.section(&wasm_encoder::RawSection { id, data: &out[range] });
        }
    }
    Ok(without_start.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weaving_adds_a_flag_memory_export_and_checks() {
        let wasm = wat::parse_str(r#"(module (func (export "spin") (loop br 0)))"#).unwrap();
        let out = weave(&wasm, false).unwrap();
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

    fn entry_checks(wat: &str) -> Vec<u32> {
        let out = weave(&wat::parse_str(wat).unwrap(), false).unwrap();
        let mut loads = vec![];
        for p in Parser::new(0).parse_all(&out) {
            if let Payload::CodeSectionEntry(body) = p.unwrap() {
                let n = body
                    .get_operators_reader()
                    .unwrap()
                    .into_iter()
                    .filter(|op| matches!(op.as_ref().unwrap(), wasmparser::Operator::I32AtomicLoad8U { .. }))
                    .count();
                loads.push(n as u32);
            }
        }
        loads
    }

    #[test]
    fn functions_that_cannot_run_long_get_no_entry_check() {
        // Leaves, and callers of leaves; a call through a table gets a
        // check before it (the callee is unknown), and a loop one at entry
        // and one in the loop.
        let loads = entry_checks(
            r#"(module
                (type $t (func (param i32) (result i32)))
                (table 1 funcref)
                (func $leaf (param i32) (result i32) local.get 0 i32.const 1 i32.add)
                (func $caller (param i32) (result i32) local.get 0 call $leaf)
                (func $indirect (param i32) (result i32) local.get 0 i32.const 0 call_indirect (type $t))
                (func $tail (param i32) (result i32) local.get 0 return_call $leaf)
                (func $looping (loop)))"#,
        );
        assert_eq!(loads, vec![0, 0, 1, 0, 2]);
    }

    #[test]
    fn modules_using_the_reserved_names_are_refused() {
        for wat in [
            r#"(module (import "\00cwasm" "x" (func)))"#,
            r#"(module (memory (export "\00cwasm:interrupt") 1))"#,
        ] {
            let err = weave(&wat::parse_str(wat).unwrap(), false).unwrap_err();
            assert!(err.to_string().contains("reserved for the runtime"), "{err}");
        }
    }

    #[test]
    fn the_start_function_is_exported_instead_of_started() {
        let out = weave(&wat::parse_str(r#"(module (func $s) (start $s))"#).unwrap(), false).unwrap();
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(&out).unwrap();
        let mut exports = vec![];
        for p in Parser::new(0).parse_all(&out) {
            match p.unwrap() {
                Payload::StartSection { .. } => panic!("start section kept"),
                Payload::ExportSection(s) => exports.extend(s.into_iter().map(|e| e.unwrap().name.to_string())),
                _ => {}
            }
        }
        assert_eq!(exports, vec![FLAG_EXPORT.to_string(), START_EXPORT.to_string()]);
    }
}

//! Fuel counted inside the module (woven fuel).
//!
//! Wasmtime's own fuel keeps a counter in a variable per function and checks
//! it at function entries and loop headers; its slow path *calls* into the
//! runtime, and that call makes Cranelift keep a loop's floating-point and
//! vector values on the stack (every xmm register is caller-saved), which
//! costs kernels up to 2.4× (`metering.fuel`). The interrupt checks had the
//! same problem and the same cure (`instrument.rs`): here the counter is a
//! local of each function, charged per straight-line block, checked at the
//! same places, and the slow path *traps*, so nothing stays live across it.
//!
//! The count follows Wasmtime 48's rules exactly (`fuel_before_op` and
//! `pre_translate_bulk_op` in wasmtime-cranelift, `default_operator_cost` in
//! wasmtime-environ), so a call consumes the same fuel under either meter and
//! runs out at the same check: every operator costs 1 except `nop`, `drop`,
//! `block`, `loop`, `unreachable`, `return`, `else` and `end`; a function
//! entry costs 1; a bulk memory or table operation costs 1 more per byte or
//! element. The pending cost of a block is added to the local before each
//! branch, `if`, `loop`, `else` and `end`; the local is stored into the
//! store-wide counter before calls, returns and `unreachable`, and loaded
//! back after calls. Like Wasmtime, the counter holds `consumed - budget`:
//! negative while fuel remains.
//!
//! The counter and the out-of-fuel mark are globals imported from
//! [`FUEL_MODULE`], one pair per store, so calls between instances of a
//! store share one budget as they do under Wasmtime's fuel.
//!
//! Modules using exception handling or GC array bulk operations are left to
//! Wasmtime's fuel ([`weave_fuel`] returns `None`): a caught exception lands
//! in the middle of a block, where no woven code can reload the counter.
//!
//! Where Wasmtime folds a bulk operation's length as a constant, it decides
//! from Cranelift's SSA values; here a constant counts as one when it comes
//! right before the operation, through `local.tee`, a `nop` or the end of a
//! loop or of a block no branch targets, or from a local set to it in the same
//! straight-line code. Both add the same fuel; a length Wasmtime sees
//! as constant through a local gets one more check here, which can only
//! make running out land earlier within that block, never change a count.

use crate::error::Error;
use wasm_encoder::reencode::{utils, Reencode};
use wasm_encoder::{BlockType, EntityType, GlobalType, ImportSection, Instruction, SectionId, ValType};
use wasmtime::wasmparser::{self, Operator, Parser, Payload, TypeRef};

/// Import module of the store-wide fuel globals.
pub const FUEL_MODULE: &str = "\0cwasm:fuel";
/// The counter: `mut i64`, consumed fuel minus the budget.
pub const FUEL_COUNTER: &str = "counter";
/// Set to 1 (`mut i32`) when a check finds the fuel used up, right before it traps.
pub const FUEL_OUT: &str = "out";
/// Changes whenever woven fuel code changes shape, so that artifacts woven
/// the old way are refused as incompatible.
pub const FUEL_WEAVE_VERSION: u32 = 1;

/// Bulk operations whose constant length is at most this many units get no
/// check of their own (Wasmtime's `SMALL_BULK_OP_COST`).
const SMALL_BULK_OP_COST: i64 = 128;

/// Wasmtime's default cost of one operator.
fn cost(op: &Operator<'_>) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        _ => 1,
    }
}

/// Whether woven fuel leaves this module to Wasmtime's fuel (see the module docs).
fn unsupported(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::TryTable { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Try { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Rethrow { .. }
            | Operator::Delegate { .. }
            | Operator::ArrayCopy { .. }
            | Operator::ArrayFill { .. }
            | Operator::ArrayInitData { .. }
            | Operator::ArrayInitElem { .. }
            | Operator::ArrayNew { .. }
            | Operator::ArrayNewDefault { .. }
            | Operator::ArrayNewData { .. }
            | Operator::ArrayNewElem { .. }
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Block,
    Loop,
    If,
    Function,
}

/// One open block, for telling which code Cranelift sees as reachable (it
/// charges nothing in unreachable code).
struct Frame {
    kind: Kind,
    /// Reachable where it began.
    entered: bool,
    /// A reachable branch targets its end.
    branched: bool,
    /// For an `if` with an `else`: whether the end of its `then` arm was reachable.
    then_reachable: Option<bool>,
}

/// A bulk operation's units (on top of the stack): whether they are an
/// `i64`, and Wasmtime's default cost per unit (`VariableOperatorCost`; 0 for
/// `memory.grow`, which still gets a check when its delta is not constant).
fn bulk_units(op: &Operator<'_>, mem64: &[bool], table64: &[bool]) -> Option<(bool, u8)> {
    let m = |i: u32| mem64.get(i as usize).copied().unwrap_or(false);
    let t = |i: u32| table64.get(i as usize).copied().unwrap_or(false);
    Some((match *op {
        Operator::MemoryGrow { mem } => return Some((m(mem), 0)),
        Operator::MemoryCopy { dst_mem, src_mem } => m(dst_mem) && m(src_mem),
        Operator::MemoryFill { mem } => m(mem),
        Operator::MemoryInit { .. } | Operator::TableInit { .. } => false,
        Operator::TableCopy { dst_table, src_table } => t(dst_table) && t(src_table),
        Operator::TableFill { table } | Operator::TableGrow { table } => t(table),
        _ => return None,
    }, 1))
}

/// The operators that branch to a label (unconditionally or not).
fn is_branch(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. }
    )
}

/// Whether a branch can leave the function (target the outermost frame), with `depth` frames open.
fn branches_out(op: &Operator<'_>, depth: usize) -> Result<bool, wasmparser::BinaryReaderError> {
    let out = |d: u32| d as usize + 1 == depth;
    Ok(match op {
        Operator::Br { relative_depth }
        | Operator::BrIf { relative_depth }
        | Operator::BrOnNull { relative_depth }
        | Operator::BrOnNonNull { relative_depth }
        | Operator::BrOnCast { relative_depth, .. }
        | Operator::BrOnCastFail { relative_depth, .. } => out(*relative_depth),
        Operator::BrTable { targets } => {
            let mut any = out(targets.default());
            for t in targets.targets() {
                any |= out(t?);
            }
            any
        }
        _ => false,
    })
}

struct FuelWeaver {
    imported_globals: u32,
    has_import_section: bool,
    /// Parameter count of each function type, by type index (`None`: not a function type).
    type_params: Vec<Option<u32>>,
    /// Type index of each defined function.
    func_types: Vec<u32>,
    next_function: usize,
    mem64: Vec<bool>,
    /// The largest byte size of each memory (Cranelift's `maximum_byte_size`).
    mem_max: Vec<u64>,
    table64: Vec<bool>,
}

/// The largest byte size a memory can reach.
fn max_bytes(m: &wasmparser::MemoryType) -> u64 {
    let page_log2 = m.page_size_log2.unwrap_or(16);
    match m.maximum {
        Some(max) => max.checked_shl(page_log2).filter(|b| b >> page_log2 == max).unwrap_or(u64::MAX),
        None if m.memory64 => u64::MAX,
        None => 1u64 << 32,
    }
}

/// The memory access of a load or store: its memarg and how many bytes it touches.
fn access(op: &Operator<'_>) -> Option<(wasmparser::MemArg, u64)> {
    use Operator::*;
    Some(match *op {
        I32Load8S { memarg } | I32Load8U { memarg } | I64Load8S { memarg } | I64Load8U { memarg } | I32Store8 { memarg } | I64Store8 { memarg } => (memarg, 1),
        V128Load8Splat { memarg } | V128Load8Lane { memarg, .. } | V128Store8Lane { memarg, .. } => (memarg, 1),
        I32Load16S { memarg } | I32Load16U { memarg } | I64Load16S { memarg } | I64Load16U { memarg } | I32Store16 { memarg } | I64Store16 { memarg } => (memarg, 2),
        V128Load16Splat { memarg } | V128Load16Lane { memarg, .. } | V128Store16Lane { memarg, .. } => (memarg, 2),
        I32Load { memarg } | F32Load { memarg } | I64Load32S { memarg } | I64Load32U { memarg } | I32Store { memarg } | F32Store { memarg } | I64Store32 { memarg } => (memarg, 4),
        V128Load32Splat { memarg } | V128Load32Zero { memarg } | V128Load32Lane { memarg, .. } | V128Store32Lane { memarg, .. } => (memarg, 4),
        I64Load { memarg } | F64Load { memarg } | I64Store { memarg } | F64Store { memarg } => (memarg, 8),
        V128Load8x8S { memarg } | V128Load8x8U { memarg } | V128Load16x4S { memarg } | V128Load16x4U { memarg } | V128Load32x2S { memarg } | V128Load32x2U { memarg } => (memarg, 8),
        V128Load64Splat { memarg } | V128Load64Zero { memarg } | V128Load64Lane { memarg, .. } | V128Store64Lane { memarg, .. } => (memarg, 8),
        V128Load { memarg } | V128Store { memarg } => (memarg, 16),
        _ => return None,
    })
}

/// Emits the fuel code of one function body around its operators.
struct Body<'f> {
    f: &'f mut wasm_encoder::Function,
    counter: u32,
    out: u32,
    local: u32,
    t32: u32,
    t64: u32,
    pending: i64,
}

impl Body<'_> {
    fn ins(&mut self, i: Instruction<'_>) {
        self.f.instruction(&i);
    }

    /// Adds the block's pending cost to the local (`fuel_increment_var`).
    fn increment(&mut self) {
        let n = std::mem::replace(&mut self.pending, 0);
        if n != 0 {
            self.ins(Instruction::LocalGet(self.local));
            self.ins(Instruction::I64Const(n));
            self.ins(Instruction::I64Add);
            self.ins(Instruction::LocalSet(self.local));
        }
    }

    fn save(&mut self) {
        self.ins(Instruction::LocalGet(self.local));
        self.ins(Instruction::GlobalSet(self.counter));
    }

    fn load(&mut self) {
        self.ins(Instruction::GlobalGet(self.counter));
        self.ins(Instruction::LocalSet(self.local));
    }

    /// `fuel_check`: out of fuel when the counter reaches 0; the slow path
    /// stores the counter, marks why, and traps.
    fn check(&mut self) {
        self.increment();
        self.ins(Instruction::LocalGet(self.local));
        self.ins(Instruction::I64Const(0));
        self.ins(Instruction::I64GeS);
        self.ins(Instruction::If(BlockType::Empty));
        self.ins(Instruction::I32Const(1));
        self.ins(Instruction::GlobalSet(self.out));
        self.save();
        self.ins(Instruction::Unreachable);
        self.ins(Instruction::End);
    }

    /// Charges a bulk operation's length (on top of the stack, left there)
    /// per unit, and checks unless it is small and constant (`pre_translate_bulk_op`).
    fn charge_units(&mut self, is_i64: bool, per_unit: u8, constant: Option<u64>) {
        match constant {
            Some(units) => {
                let cost = i64::try_from(units).unwrap_or(i64::MAX).saturating_mul(i64::from(per_unit));
                self.pending = self.pending.saturating_add(cost);
                if cost > SMALL_BULK_OP_COST {
                    self.check();
                }
            }
            None if per_unit == 0 => self.check(),
            None => {
                // Wasmtime's default costs per unit are 0 or 1.
                debug_assert_eq!(per_unit, 1);
                if is_i64 {
                    self.ins(Instruction::LocalTee(self.t64));
                } else {
                    self.ins(Instruction::LocalTee(self.t32));
                }
                self.increment();
                self.ins(Instruction::LocalGet(self.local));
                if is_i64 {
                    // Clamped, as an untrusted length must not wrap the counter.
                    self.ins(Instruction::I64Const(i64::MAX));
                    self.ins(Instruction::LocalGet(self.t64));
                    self.ins(Instruction::LocalGet(self.t64));
                    self.ins(Instruction::I64Const(i64::MAX));
                    self.ins(Instruction::I64GtU);
                    self.ins(Instruction::Select);
                } else {
                    self.ins(Instruction::LocalGet(self.t32));
                    self.ins(Instruction::I64ExtendI32U);
                }
                self.ins(Instruction::I64Add);
                self.ins(Instruction::LocalSet(self.local));
                self.check();
            }
        }
    }
}

impl FuelWeaver {
    /// A memory access past the memory's largest size whatever its address:
    /// Cranelift compiles it to a trap (stored fuel first) and the code after it as unreachable.
    fn always_traps(&self, op: &Operator<'_>) -> bool {
        access(op).is_some_and(|(m, size)| m.offset.saturating_add(size) > self.mem_max.get(m.memory as usize).copied().unwrap_or(u64::MAX))
    }

    fn counter(&self) -> u32 {
        self.imported_globals
    }

    fn out(&self) -> u32 {
        self.imported_globals + 1
    }

    fn add_imports(&self, imports: &mut ImportSection) {
        let g = |val_type| EntityType::Global(GlobalType { val_type, mutable: true, shared: false });
        imports.import(FUEL_MODULE, FUEL_COUNTER, g(ValType::I64));
        imports.import(FUEL_MODULE, FUEL_OUT, g(ValType::I32));
    }
}

impl Reencode for FuelWeaver {
    type Error = std::convert::Infallible;

    fn global_index(&mut self, global: u32) -> Result<u32, wasm_encoder::reencode::Error<Self::Error>> {
        // The two imports come after the module's own imported globals, so
        // its defined globals move up by two.
        Ok(if global >= self.imported_globals { global + 2 } else { global })
    }

    fn parse_import_section(
        &mut self,
        imports: &mut ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_import_section(self, imports, section)?;
        self.add_imports(imports);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        if !self.has_import_section && crate::instrument::goes_between(SectionId::Import, after, before) {
            let mut s = ImportSection::new();
            self.add_imports(&mut s);
            module.section(&s);
            self.has_import_section = true;
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        let ty = self.func_types.get(self.next_function).copied().unwrap_or(0);
        self.next_function += 1;
        let params = self.type_params.get(ty as usize).copied().flatten().unwrap_or(0);
        let mut locals = Vec::new();
        let mut count = params;
        for l in func.get_locals_reader()? {
            let (n, t) = l?;
            count += n;
            locals.push((n, self.val_type(t)?));
        }
        locals.extend([(1, ValType::I64), (1, ValType::I32), (1, ValType::I64)]);
        let mut f = wasm_encoder::Function::new(locals);
        let (counter, out) = (self.counter(), self.out());
        let mut b = Body { f: &mut f, counter, out, local: count, t32: count + 1, t64: count + 2, pending: 1 };
        // Function entry: load the store's counter, charge the entry, check.
        b.load();
        b.check();
        let mut frames = vec![Frame { kind: Kind::Function, entered: true, branched: false, then_reachable: None }];
        let mut reachable = true;
        let mut constant: Option<u64> = None;
        let mut local_constants = std::collections::HashMap::new();
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            // A constant stays known through a `nop`, the end of a loop and
            // the end of a block no branch targets (Cranelift passes the same value on).
            let passes_through = match op {
                Operator::Nop => true,
                Operator::End => frames.last().is_some_and(|f| f.kind == Kind::Loop || (f.kind == Kind::Block && !f.branched)),
                _ => false,
            };
            let this_constant = match op {
                Operator::I32Const { value } => Some(u64::from(value as u32)),
                Operator::I64Const { value } => Some(value as u64),
                Operator::LocalTee { .. } => constant,
                Operator::LocalGet { local_index } => local_constants.get(&local_index).copied(),
                _ if passes_through => constant,
                _ => None,
            };
            // Locals known to hold a constant in this straight-line stretch of
            // code, as Cranelift's SSA values would show them.
            match op {
                Operator::LocalSet { local_index } | Operator::LocalTee { local_index } => match constant {
                    Some(c) => {
                        local_constants.insert(local_index, c);
                    }
                    None => {
                        local_constants.remove(&local_index);
                    }
                },
                Operator::Block { .. } | Operator::Nop => {}
                Operator::End if passes_through => {}
                Operator::Loop { .. } | Operator::If { .. } | Operator::Else | Operator::End => local_constants.clear(),
                _ if is_branch(&op) => local_constants.clear(),
                _ => {}
            }
            let depth = frames.len();
            let mark = |frames: &mut Vec<Frame>, d: u32| {
                if let Some(fr) = (d as usize).checked_add(1).and_then(|d| depth.checked_sub(d)).and_then(|i| frames.get_mut(i)) {
                    fr.branched = true;
                }
            };
            let last_end = matches!(op, Operator::End) && depth == 1;
            if reachable {
                b.pending += cost(&op);
                match op {
                    Operator::Unreachable
                    | Operator::Return
                    | Operator::Call { .. }
                    | Operator::CallIndirect { .. }
                    | Operator::CallRef { .. }
                    | Operator::ReturnCall { .. }
                    | Operator::ReturnCallIndirect { .. }
                    | Operator::ReturnCallRef { .. } => {
                        b.increment();
                        b.save();
                    }
                    _ if is_branch(&op) || matches!(op, Operator::Loop { .. } | Operator::If { .. } | Operator::Else) => {
                        b.increment();
                        // A branch out of the function skips the store
                        // before its final `end`: store on the way out.
                        if branches_out(&op, depth)? {
                            b.save();
                        }
                    }
                    Operator::End => {
                        b.increment();
                        if last_end {
                            b.save();
                        }
                    }
                    _ => {}
                }
                if let Some((is_i64, per_unit)) = bulk_units(&op, &self.mem64, &self.table64) {
                    b.charge_units(is_i64, per_unit, constant);
                }
                if self.always_traps(&op) {
                    b.increment();
                    b.save();
                }
            }
            let static_trap = reachable && self.always_traps(&op);
            let after_call = reachable && matches!(op, Operator::Call { .. } | Operator::CallIndirect { .. } | Operator::CallRef { .. });
            let loop_header = reachable && matches!(op, Operator::Loop { .. });
            // Control flow: which code after this operator is reachable.
            match &op {
                Operator::Block { .. } => frames.push(Frame { kind: Kind::Block, entered: reachable, branched: false, then_reachable: None }),
                Operator::Loop { .. } => frames.push(Frame { kind: Kind::Loop, entered: reachable, branched: false, then_reachable: None }),
                Operator::If { .. } => frames.push(Frame { kind: Kind::If, entered: reachable, branched: false, then_reachable: None }),
                Operator::Else => {
                    if let Some(fr) = frames.last_mut() {
                        fr.then_reachable = Some(reachable);
                        reachable = fr.entered;
                    }
                }
                Operator::End => {
                    if let Some(fr) = frames.pop() {
                        reachable = match fr.kind {
                            Kind::Loop => reachable,
                            Kind::Block | Kind::Function => reachable || fr.branched,
                            Kind::If => match fr.then_reachable {
                                None => fr.entered,
                                Some(then) => reachable || then || fr.branched,
                            },
                        };
                    }
                }
                Operator::Br { relative_depth } => {
                    if reachable {
                        mark(&mut frames, *relative_depth);
                    }
                    reachable = false;
                }
                Operator::BrIf { relative_depth }
                | Operator::BrOnNull { relative_depth }
                | Operator::BrOnNonNull { relative_depth }
                | Operator::BrOnCast { relative_depth, .. }
                | Operator::BrOnCastFail { relative_depth, .. }
                    if reachable =>
                {
                    mark(&mut frames, *relative_depth);
                }
                Operator::BrTable { targets } => {
                    if reachable {
                        mark(&mut frames, targets.default());
                        for t in targets.targets() {
                            mark(&mut frames, t?);
                        }
                    }
                    reachable = false;
                }
                Operator::Unreachable
                | Operator::Return
                | Operator::ReturnCall { .. }
                | Operator::ReturnCallIndirect { .. }
                | Operator::ReturnCallRef { .. } => reachable = false,
                _ if static_trap => reachable = false,
                _ => {}
            }
            b.f.instruction(&self.instruction(op)?);
            if loop_header {
                b.check();
            }
            if after_call {
                b.load();
            }
            constant = this_constant;
        }
        code.function(&f);
        Ok(())
    }
}

/// Unlimited fuel: the counter's value while no call has a budget.
pub(crate) const UNLIMITED: i64 = -i64::MAX;

/// A store's counter and out-of-fuel mark, which its instances import.
pub(crate) fn store_globals<T>(store: &mut wasmtime::Store<T>) -> Option<(wasmtime::Global, wasmtime::Global)> {
    use wasmtime::{Global, GlobalType, Mutability, Val, ValType};
    let counter = Global::new(&mut *store, GlobalType::new(ValType::I64, Mutability::Var), Val::I64(UNLIMITED)).ok()?;
    let out = Global::new(&mut *store, GlobalType::new(ValType::I32, Mutability::Var), Val::I32(0)).ok()?;
    Some((counter, out))
}

/// Counts fuel inside a valid module's binary (see the module docs), or
/// `None` when the module is left to Wasmtime's fuel.
///
/// # Errors
///
/// [`Error::Compile`] if the binary cannot be parsed (it should have been
/// validated first).
pub(crate) fn weave_fuel(binary: &[u8]) -> Result<Option<Vec<u8>>, Error> {
    let bad = |e: String| Error::Compile { message: format!("cannot add fuel counting: {e}"), offset: None, line: None, column: None };
    let mut w = FuelWeaver {
        imported_globals: 0,
        has_import_section: false,
        type_params: Vec::new(),
        func_types: Vec::new(),
        next_function: 0,
        mem64: Vec::new(),
        mem_max: Vec::new(),
        table64: Vec::new(),
    };
    for payload in Parser::new(0).parse_all(binary) {
        match payload.map_err(|e| bad(e.to_string()))? {
            Payload::TypeSection(s) => {
                for group in s {
                    for sub in group.map_err(|e| bad(e.to_string()))?.into_types() {
                        w.type_params.push(match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => Some(u32::try_from(f.params().len()).unwrap_or(u32::MAX)),
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(s) => {
                w.has_import_section = true;
                for imp in s.into_imports() {
                    let imp = imp.map_err(|e| bad(e.to_string()))?;
                    if imp.module.starts_with(crate::instrument::RESERVED_PREFIX) {
                        return Err(Error::Compile {
                            message: format!(
                                "the module imports '{}' from a module named {:?}, but names starting with \"\\0cwasm\" are reserved for the runtime; rename it",
                                imp.name, imp.module
                            ),
                            offset: None,
                            line: None,
                            column: None,
                        });
                    }
                    match imp.ty {
                        TypeRef::Global(_) => w.imported_globals += 1,
                        TypeRef::Memory(m) => {
                            w.mem64.push(m.memory64);
                            w.mem_max.push(max_bytes(&m));
                        }
                        TypeRef::Table(t) => w.table64.push(t.table64),
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(s) => {
                for t in s {
                    w.func_types.push(t.map_err(|e| bad(e.to_string()))?);
                }
            }
            Payload::MemorySection(s) => {
                for m in s {
                    let m = m.map_err(|e| bad(e.to_string()))?;
                    w.mem64.push(m.memory64);
                    w.mem_max.push(max_bytes(&m));
                }
            }
            Payload::TableSection(s) => {
                for t in s {
                    w.table64.push(t.map_err(|e| bad(e.to_string()))?.ty.table64);
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut r = body.get_operators_reader().map_err(|e| bad(e.to_string()))?;
                while !r.eof() {
                    if unsupported(&r.read().map_err(|e| bad(e.to_string()))?) {
                        return Ok(None);
                    }
                }
            }
            _ => {}
        }
    }
    let mut module = wasm_encoder::Module::new();
    w.parse_core_module(&mut module, Parser::new(0), binary).map_err(|e| bad(e.to_string()))?;
    Ok(Some(module.finish()))
}

#[cfg(test)]
#[path = "fuel_tests.rs"]
mod tests;

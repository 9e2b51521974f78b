//! Atomic waits that end at a deadline.
//!
//! `memory.atomic.wait32/64` on a shared memory blocks its thread inside
//! Wasmtime until it is notified or its timeout passes, and neither the
//! woven checks nor epochs can reach a thread that is blocked there: a guest
//! waiting forever (timeout -1) would hang its call past any deadline. So
//! weaving replaces each wait with a call to a helper the module gains (one
//! per distinct memory argument), which waits in slices of at most
//! [`SLICE_NS`] and checks the interrupt flag between them, counting the
//! slices against the guest's own timeout.
//!
//! What the guest sees: the same results (0 woken, 1 not equal, 2 timed
//! out), except that a notify landing in the instant between two slices
//! finds no waiter, so the next slice starts with the value check and
//! returns 1 ("not equal") if the notifier changed the value first, as
//! correct futex code does, or waits on otherwise. Code that notifies
//! without changing the value may see such a wait time out later than it
//! would have been woken.

use std::collections::HashMap;
use wasm_encoder::{BlockType, Instruction, MemArg, ValType};
use wasmtime::wasmparser::{self, Operator};

/// How long one slice of a wait may block, in nanoseconds: about the epoch
/// tick, so a deadline is overrun by about as much as elsewhere.
pub(crate) const SLICE_NS: i64 = 1_000_000;

/// One distinct wait: which instruction, and its memory argument.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct Wait {
    /// `memory.atomic.wait64` (the expected value is an i64).
    pub(crate) wide: bool,
    pub(crate) memory: u32,
    pub(crate) offset: u64,
    pub(crate) align: u8,
}

impl Wait {
    /// The wait an operator is, if it is one.
    pub(crate) fn of(op: &Operator<'_>) -> Option<Wait> {
        let (wide, m) = match op {
            Operator::MemoryAtomicWait32 { memarg } => (false, memarg),
            Operator::MemoryAtomicWait64 { memarg } => (true, memarg),
            _ => return None,
        };
        Some(Wait { wide, memory: m.memory, offset: m.offset, align: m.align })
    }
}

/// The waits of a module and the helper function each becomes.
#[derive(Default)]
pub(crate) struct Helpers {
    /// Function index of each wait's helper.
    pub(crate) index: HashMap<Wait, u32>,
    /// In function-index order: each helper's wait.
    pub(crate) waits: Vec<Wait>,
}

/// Finds the distinct waits of `bodies`, numbering their helpers from
/// `first_index` (the module's function count).
///
/// # Errors
///
/// The parser's message for a body that does not parse.
pub(crate) fn find(bodies: &[wasmparser::FunctionBody<'_>], first_index: u32) -> Result<Helpers, String> {
    let mut h = Helpers::default();
    for b in bodies {
        let mut reader = b.get_operators_reader().map_err(|e| e.to_string())?;
        while !reader.eof() {
            if let Some(w) = Wait::of(&reader.read().map_err(|e| e.to_string())?) {
                if !h.index.contains_key(&w) {
                    let i = first_index + h.waits.len() as u32;
                    h.index.insert(w, i);
                    h.waits.push(w);
                }
            }
        }
    }
    Ok(h)
}

/// A helper's parameters: the address (of the memory's index type), the
/// expected value, the timeout in ns; it returns the wait's result.
pub(crate) fn signature(w: &Wait, memory64: bool) -> ([ValType; 3], [ValType; 1]) {
    let addr = if memory64 { ValType::I64 } else { ValType::I32 };
    let expected = if w.wide { ValType::I64 } else { ValType::I32 };
    ([addr, expected, ValType::I64], [ValType::I32])
}

/// A helper's body (locals and code): waits slice by slice, with `check`
/// (the woven flag check) between slices.
pub(crate) fn body(w: &Wait, check: &[Instruction<'static>]) -> Vec<u8> {
    // Parameters 0 address, 1 expected, 2 timeout; locals 3 slice, 4 result.
    let mut f = wasm_encoder::Function::new([(1, ValType::I64), (1, ValType::I32)]);
    let memarg = MemArg { offset: w.offset, align: u32::from(w.align), memory_index: w.memory };
    let wait = if w.wide { Instruction::MemoryAtomicWait64(memarg) } else { Instruction::MemoryAtomicWait32(memarg) };
    let code = [
        Instruction::Loop(BlockType::Empty),
        // slice = timeout as unsigned > SLICE (a negative timeout, forever, too) ? SLICE : timeout
        Instruction::LocalGet(2),
        Instruction::I64Const(SLICE_NS),
        Instruction::I64GtU,
        Instruction::If(BlockType::Result(ValType::I64)),
        Instruction::I64Const(SLICE_NS),
        Instruction::Else,
        Instruction::LocalGet(2),
        Instruction::End,
        Instruction::LocalSet(3),
        Instruction::LocalGet(0),
        Instruction::LocalGet(1),
        Instruction::LocalGet(3),
        wait,
        Instruction::LocalTee(4),
        // Woken (0) or not equal (1): that is the answer.
        Instruction::I32Const(2),
        Instruction::I32Ne,
        Instruction::If(BlockType::Empty),
        Instruction::LocalGet(4),
        Instruction::Return,
        Instruction::End,
        // The slice timed out: a finite timeout loses it, and may be over.
        Instruction::LocalGet(2),
        Instruction::I64Const(0),
        Instruction::I64GeS,
        Instruction::If(BlockType::Empty),
        Instruction::LocalGet(2),
        Instruction::LocalGet(3),
        Instruction::I64Sub,
        Instruction::LocalTee(2),
        Instruction::I64Const(0),
        Instruction::I64LeS,
        Instruction::If(BlockType::Empty),
        Instruction::I32Const(2),
        Instruction::Return,
        Instruction::End,
        Instruction::End,
    ];
    for i in &code {
        f.instruction(i);
    }
    for i in check {
        f.instruction(i);
    }
    f.instruction(&Instruction::Br(0));
    f.instruction(&Instruction::End);
    f.instruction(&Instruction::Unreachable);
    f.instruction(&Instruction::End);
    f.into_raw_body()
}

//! Loops that provably end soon, and so need no interrupt check of their own.
//!
//! A woven check at a loop header costs one load and one branch per
//! iteration. In a tight inner loop (the matmul kernel's multiply-accumulate
//! is 25 machine instructions) that measured 9–13% of the whole run. Most such loops count from
//! a constant to a constant: their iterations are known before they start,
//! and a loop that runs a known, small number of iterations of a body
//! without loops or calls cannot hold a call past its deadline; the check
//! of the enclosing loop or function bounds it. So the weaver skips the
//! check of a loop exactly when this module proves all of:
//!
//! - the body has no nested loop, no call, and no exception handling or
//!   `br_on_*` branch (whose targets this analysis does not follow), and its
//!   one branch back to the loop is the `br 0` or `br_if 0` that ends it;
//! - a local `$i` is updated once per iteration by
//!   `local.get $i, i32.const S, i32.add|i32.sub, local.set|tee $i` at the
//!   body's top level (outside any nested block, so no path skips it), and
//!   written nowhere else in the body;
//! - `$i` is set from an `i32.const C` in straight-line code before the
//!   loop (only block and `if` entries between, so every entry to the loop
//!   passes through it);
//! - a test at the top level compares `$i` (or `$i` plus a constant, inline
//!   or through a local set once per iteration before the test) with a
//!   constant `B`, and either leaves the loop (`br_if` out) or is the final
//!   `br_if 0`;
//! - from `C`, `S`, `B` and the comparison, the number of iterations is at
//!   most [`MAX_TRIPS`] without the counter wrapping around, and
//!   iterations × body length is at most [`MAX_WORK`] instructions.
//!
//! Their work (iterations × body length) counts towards their function's
//! cost in `entry_checks.rs`. Anything else keeps its check: the analysis
//! only has to be right when it says yes.

use std::collections::HashMap;
use wasmtime::wasmparser::Operator;

/// Most iterations a loop may have and still go unchecked.
pub(crate) const MAX_TRIPS: u64 = 1 << 16;
/// Longest loop (in instructions) the analysis looks at.
pub(crate) const MAX_BODY: usize = 4096;
/// Counter updates tried per loop.
const MAX_COUNTERS: usize = 8;
/// How far back before a loop its counter's constant is looked for.
const MAX_LOOKBACK: usize = 256;
/// Most instructions (iterations × body length) an unchecked loop may run:
/// about a millisecond of simple instructions, the watchdog's own tick.
pub(crate) const MAX_WORK: u64 = 1 << 20;

/// For each `loop` of a function body's instructions, in order: if it
/// provably ends within [`MAX_TRIPS`] iterations and [`MAX_WORK`]
/// instructions, the most instructions it runs; None if it needs a check.
pub(crate) fn bounded_loops(ops: &[Operator<'_>]) -> Vec<Option<u64>> {
    let mut result = Vec::new();
    // Open control frames: the op index of each loop, None for other blocks.
    let mut open: Vec<Option<(usize, usize)>> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op {
            Operator::Loop { .. } => {
                open.push(Some((i, result.len())));
                result.push(None);
            }
            Operator::Block { .. } | Operator::If { .. } | Operator::TryTable { .. } | Operator::Try { .. } => open.push(None),
            Operator::End | Operator::Delegate { .. } => {
                if let Some(Some((start, n))) = open.pop() {
                    result[n] = bounded_work(ops, start, i);
                }
            }
            _ => {}
        }
    }
    result
}

/// If the loop whose `loop` is `ops[start]` and whose `end` is `ops[end]`
/// is a short counted loop (see the module docs), the most instructions it
/// runs: iterations × body length.
fn bounded_work(ops: &[Operator<'_>], start: usize, end: usize) -> Option<u64> {
    // Longer bodies keep their check: it costs little next to them, and the
    // analysis stays linear in the size of the function.
    if end - start > MAX_BODY {
        return None;
    }
    let body = &ops[start + 1..end];
    // The one way back: a `br 0` or `br_if 0` that ends the body.
    let (last, inner) = body.split_last()?;
    if !matches!(last, Operator::Br { relative_depth: 0 } | Operator::BrIf { relative_depth: 0 }) || !body_is_simple(inner) {
        return None;
    }
    let len = body.len() as u64;
    let top = top_level(body);
    let writes = writes(body);
    // Try each counter `i += S` at the body's top level (the first few).
    (0..inner.len())
        .filter(|&u| top[u])
        .filter_map(|u| add_const_at(body, u).filter(|&(from, to, _)| from == to).map(|(i, _, s)| (u, i, s)))
        // The update must be the counter's only write in the body.
        .filter(|(_, i, _)| writes.get(i).map_or(0, Vec::len) == 1)
        .take(MAX_COUNTERS)
        .find_map(|(u, i, step)| {
            let init = initial_value(&ops[..start], i)?;
            // Each test of `i` against a constant that ends the loop bounds
            // it; one such test is enough.
            (0..body.len()).filter(|&t| top[t]).find_map(|t| {
                let test = test_at(body, &top, &writes, t, i, u)?;
                // Iteration j (from 0) sees i = init + j·step before the
                // update, and one step more after it; the test compares that
                // plus its offset.
                let stepped = if test.after_update { step as i32 } else { 0 };
                let seen = init.wrapping_add(stepped).wrapping_add(test.offset);
                let trips = first_exit(seen, step, test.bound, test.cont)?.checked_add(1)?;
                let work = trips.saturating_mul(len);
                (trips <= MAX_TRIPS && work <= MAX_WORK).then_some(work)
            })
        })
}

/// For each instruction of `body`, whether it is at the body's top level
/// (not inside a nested block or `if`), and so runs in every iteration
/// that gets that far.
fn top_level(body: &[Operator<'_>]) -> Vec<bool> {
    let mut depth = 0u32;
    body.iter()
        .map(|op| {
            let here = depth;
            match op {
                Operator::Block { .. } | Operator::If { .. } => depth += 1,
                Operator::End => depth = depth.saturating_sub(1),
                _ => {}
            }
            here == 0 && !matches!(op, Operator::End)
        })
        .collect()
}

/// `local.get $a, i32.const K, i32.add|i32.sub, local.set|tee $b` at `k`:
/// `$a`, `$b` and the signed constant added.
fn add_const_at(body: &[Operator<'_>], k: usize) -> Option<(u32, u32, i64)> {
    match body.get(k..k + 4)? {
        [
            Operator::LocalGet { local_index: a },
            Operator::I32Const { value },
            op @ (Operator::I32Add | Operator::I32Sub),
            Operator::LocalSet { local_index: b } | Operator::LocalTee { local_index: b },
        ] => {
            let k = if matches!(op, Operator::I32Sub) { -(*value as i64) } else { *value as i64 };
            Some((*a, *b, k))
        }
        _ => None,
    }
}

/// Where the body writes each local it writes.
fn writes(body: &[Operator<'_>]) -> HashMap<u32, Vec<usize>> {
    let mut at: HashMap<u32, Vec<usize>> = HashMap::new();
    for (k, op) in body.iter().enumerate() {
        if let Operator::LocalSet { local_index } | Operator::LocalTee { local_index } = op {
            at.entry(*local_index).or_default().push(k);
        }
    }
    at
}

/// A comparison of the counter (plus a constant offset) with a constant
/// that decides whether the loop goes on.
struct Test {
    /// The loop goes on while `i + offset <cont> bound`.
    cont: Cmp,
    bound: i32,
    offset: i32,
    /// Whether it reads `i` after the iteration's update.
    after_update: bool,
}

/// A test of counter `i` (updated at `u`) at top-level position `t`:
/// `<value>, i32.const B, <cmp>, br_if L`, where the `br_if` either leaves
/// the loop (L ≥ 1 at the top level) or is the final branch back (L = 0),
/// and `<value>` is one of
/// - `local.get $i`, or the update's own `local.tee $i`;
/// - `local.get $i, i32.const K, i32.add|i32.sub` (an offset);
/// - a local `$d` written once per iteration, earlier at the top level, as
///   `local.get $i, i32.const K, i32.add|i32.sub, local.set|tee $d`.
fn test_at(body: &[Operator<'_>], top: &[bool], writes: &HashMap<u32, Vec<usize>>, t: usize, i: u32, u: usize) -> Option<Test> {
    // (offset, whether `i` is read after its update, instructions read)
    let (offset, after_update, len) = match body.get(t)? {
        Operator::LocalGet { local_index } if *local_index == i => match body.get(t + 1..t + 3) {
            Some([Operator::I32Const { value }, op @ (Operator::I32Add | Operator::I32Sub)]) => {
                (if matches!(op, Operator::I32Sub) { value.wrapping_neg() } else { *value }, t > u, 3)
            }
            _ => (0, t > u, 1),
        },
        Operator::LocalTee { local_index } if *local_index == i && t == u + 3 => (0, true, 1),
        Operator::LocalGet { local_index: d } | Operator::LocalTee { local_index: d } if *d != i => {
            let [w] = writes.get(d)?[..] else { return None };
            let p = w.checked_sub(3)?;
            let (from, to, k) = add_const_at(body, p)?;
            let read_ok = match body[t] {
                Operator::LocalTee { .. } => w == t,
                _ => w < t,
            };
            if from != i || to != *d || !top[p] || !read_ok {
                return None;
            }
            (k as i32, p > u, 1)
        }
        _ => return None,
    };
    let [Operator::I32Const { value: bound }, cmp, Operator::BrIf { relative_depth }] = body.get(t + len..t + len + 3)? else {
        return None;
    };
    let cont = match relative_depth {
        0 if t + len + 3 == body.len() => Cmp::of(cmp)?,
        0 => return None,
        // Leaves when i == bound: goes on while i != bound.
        _ if matches!(cmp, Operator::I32Eq) => Cmp::Ne,
        _ => Cmp::of(cmp)?.negated()?,
    };
    Some(Test { cont, bound: *bound, offset, after_update })
}

/// An i32 comparison of the counter (left) with a constant (right).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Ne,
    Lt { signed: bool },
    Le { signed: bool },
    Gt { signed: bool },
    Ge { signed: bool },
}

impl Cmp {
    fn of(op: &Operator<'_>) -> Option<Cmp> {
        Some(match op {
            Operator::I32Ne => Cmp::Ne,
            Operator::I32LtU => Cmp::Lt { signed: false },
            Operator::I32LtS => Cmp::Lt { signed: true },
            Operator::I32LeU => Cmp::Le { signed: false },
            Operator::I32LeS => Cmp::Le { signed: true },
            Operator::I32GtU => Cmp::Gt { signed: false },
            Operator::I32GtS => Cmp::Gt { signed: true },
            Operator::I32GeU => Cmp::Ge { signed: false },
            Operator::I32GeS => Cmp::Ge { signed: true },
            _ => return None,
        })
    }

    /// The condition under which a loop that *leaves* when `self` holds
    /// goes on (leaving on `ne` bounds nothing).
    fn negated(self) -> Option<Cmp> {
        Some(match self {
            Cmp::Ne => return None,
            Cmp::Lt { signed } => Cmp::Ge { signed },
            Cmp::Le { signed } => Cmp::Gt { signed },
            Cmp::Gt { signed } => Cmp::Le { signed },
            Cmp::Ge { signed } => Cmp::Lt { signed },
        })
    }
}

/// The first j ≥ 0 at which `v = seen + j·step` (i32 arithmetic) no longer
/// satisfies `v <cont> bound`; None when that is not a known number
/// reached without the value wrapping around.
fn first_exit(seen: i32, step: i64, bound: i32, cont: Cmp) -> Option<u64> {
    if step == 0 {
        return None;
    }
    if cont == Cmp::Ne {
        // Goes on until i hits `bound` exactly, wrapping or not: a known
        // number only if the distance is a whole number of steps.
        let (from, to) = if step > 0 { (seen as u32, bound as u32) } else { (bound as u32, seen as u32) };
        let distance = to.wrapping_sub(from) as u64;
        let s = step.unsigned_abs();
        return distance.is_multiple_of(s).then_some(distance / s);
    }
    let (signed, less, strict) = match cont {
        Cmp::Lt { signed } => (signed, true, true),
        Cmp::Le { signed } => (signed, true, false),
        Cmp::Gt { signed } => (signed, false, true),
        Cmp::Ge { signed } => (signed, false, false),
        Cmp::Ne => unreachable!(),
    };
    let (lo, hi) = if signed { (i32::MIN as i64, i32::MAX as i64) } else { (0, u32::MAX as i64) };
    let as_domain = |v: i32| if signed { v as i64 } else { v as u32 as i64 };
    let seen = as_domain(seen);
    // Mirror `>`/`>=` into `<`/`<=` by negating everything.
    let (seen, step, bound, hi) = if less { (seen, step, as_domain(bound), hi) } else { (-seen, -step, -as_domain(bound), -lo) };
    // Goes on while i < limit.
    let limit = if strict { bound } else { bound + 1 };
    if seen >= limit {
        return Some(0);
    }
    // Climbing towards the limit: the step must go up, and the last value
    // (below limit + step) must not pass the top of the domain.
    if step <= 0 || limit + step > hi + 1 {
        return None;
    }
    Some(((limit - seen + step - 1) / step) as u64)
}

/// Whether `op` calls a function only known at run time.
pub(crate) fn is_indirect_call(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::CallIndirect { .. } | Operator::CallRef { .. } | Operator::ReturnCallIndirect { .. } | Operator::ReturnCallRef { .. }
    )
}

/// Exception handling and `br_on_*`: transfers of control whose targets
/// this analysis does not follow.
fn is_unfollowed_control(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::TryTable { .. }
            | Operator::Try { .. }
            | Operator::Delegate { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. }
    )
}

/// Whether the body (without its final branch back) has no loop, call,
/// exception handling, `br_on_*` or other branch back to the loop.
fn body_is_simple(body: &[Operator<'_>]) -> bool {
    let mut depth = 0u32;
    for op in body {
        match op {
            Operator::Loop { .. } | Operator::Call { .. } | Operator::ReturnCall { .. } => return false,
            _ if is_indirect_call(op) || is_unfollowed_control(op) => return false,
            Operator::Block { .. } | Operator::If { .. } => depth += 1,
            Operator::End => depth = depth.saturating_sub(1),
            Operator::Br { relative_depth } | Operator::BrIf { relative_depth } if *relative_depth == depth => return false,
            Operator::BrTable { targets } if targets.default() == depth || targets.targets().any(|t| t.map_or(true, |t| t == depth)) => {
                return false;
            }
            _ => {}
        }
    }
    true
}

/// The constant local `i` holds when control reaches the end of `before`,
/// if straight-line code there sets it from an `i32.const`.
fn initial_value(before: &[Operator<'_>], i: u32) -> Option<i32> {
    for k in (before.len().saturating_sub(MAX_LOOKBACK)..before.len()).rev() {
        match &before[k] {
            Operator::LocalSet { local_index } | Operator::LocalTee { local_index } if *local_index == i => {
                return match before.get(k.checked_sub(1)?) {
                    Some(Operator::I32Const { value }) => Some(*value),
                    _ => None,
                };
            }
            // Entering a block or an `if` arm: the only way in is from
            // just before it, so the value set there still holds.
            Operator::Block { .. } | Operator::If { .. } => {}
            // A label or any transfer of control: another path may reach
            // the loop with another value.
            Operator::Loop { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable => return None,
            op if is_unfollowed_control(op) => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::wasmparser::{Parser, Payload};

    /// `bounded_loops` of the first function of a module in WAT.
    fn loops(wat: &str) -> Vec<bool> {
        let wasm = wat::parse_str(wat).unwrap();
        for p in Parser::new(0).parse_all(&wasm) {
            if let Payload::CodeSectionEntry(body) = p.unwrap() {
                let ops: Vec<_> = body.get_operators_reader().unwrap().into_iter().map(Result::unwrap).collect();
                return bounded_loops(&ops).iter().map(Option::is_some).collect();
            }
        }
        panic!("no function")
    }

    /// A function with one counted loop: i = init; do { body } while (i = i <op> step) <cmp> bound.
    fn counted(init: i32, op: &str, step: i32, cmp: &str, bound: i32, body: &str) -> String {
        format!(
            r#"(module (func (param $p i32) (local $i i32) (local $x i32)
                i32.const {init} local.set $i
                (loop $l
                  {body}
                  local.get $i i32.const {step} i32.{op} local.tee $i
                  i32.const {bound} i32.{cmp} br_if $l)))"#
        )
    }

    #[test]
    fn a_loop_counting_from_a_constant_to_a_constant_is_bounded() {
        assert_eq!(loops(&counted(0, "add", 512, "ne", 65536, "")), vec![true]);
        assert_eq!(loops(&counted(0, "add", 1, "lt_u", 64, "")), vec![true]);
        assert_eq!(loops(&counted(-10, "add", 3, "lt_s", 10, "")), vec![true]);
        assert_eq!(loops(&counted(100, "sub", 1, "gt_u", 0, "")), vec![true]);
        assert_eq!(loops(&counted(100, "add", -4, "ne", 0, "")), vec![true]);
        assert_eq!(loops(&counted(0, "add", 1, "lt_u", 64, "(block local.get $p br_if 0 nop)")), vec![true]);
    }

    #[test]
    fn exit_counts_match_a_direct_count() {
        // Runs `while i <cont> bound { i += step }` literally and compares
        // the number of steps with `first_exit`.
        let lt = Cmp::Lt { signed: false };
        let cases: &[(i32, i64, i32, Cmp)] = &[
            (512, 512, 65536, Cmp::Ne),
            (7, -1, 0, Cmp::Ne),
            (64, 1, 64, Cmp::Ne),
            (0, 1, 64, lt),
            (70, 1, 64, lt),
            (-10, 3, 10, Cmp::Lt { signed: true }),
            (-5, 2, -1, Cmp::Lt { signed: true }),
            (9, 16, 503, Cmp::Le { signed: false }),
            (100, -7, 10, Cmp::Gt { signed: false }),
            (5, -2, -9, Cmp::Gt { signed: true }),
            (5, -2, -9, Cmp::Ge { signed: true }),
            (0, 1, 5, Cmp::Ge { signed: false }),
            (9, -1, 3, Cmp::Ge { signed: false }),
        ];
        for &(seen, step, bound, cont) in cases {
            let holds = |i: i32| match cont {
                Cmp::Ne => i != bound,
                Cmp::Lt { signed: false } => (i as u32) < (bound as u32),
                Cmp::Le { signed: false } => (i as u32) <= (bound as u32),
                Cmp::Gt { signed: false } => (i as u32) > (bound as u32),
                Cmp::Ge { signed: false } => (i as u32) >= (bound as u32),
                Cmp::Lt { signed: true } => i < bound,
                Cmp::Le { signed: true } => i <= bound,
                Cmp::Gt { signed: true } => i > bound,
                Cmp::Ge { signed: true } => i >= bound,
            };
            let (mut i, mut n) = (seen, 0u64);
            while holds(i) {
                n += 1;
                i = i.wrapping_add(step as i32);
                assert!(n < 1_000_000, "{seen} {step} {bound} {cont:?} runs away");
            }
            assert_eq!(first_exit(seen, step, bound, cont), Some(n), "{seen} {step} {bound} {cont:?}");
        }
    }

    #[test]
    fn counters_that_wrap_or_miss_have_no_exit_count() {
        // Counting down past zero wraps to the top of the u32 range.
        assert_eq!(first_exit(93, -7, 0, Cmp::Gt { signed: false }), None);
        // `i >= 0` unsigned always holds.
        assert_eq!(first_exit(5, -1, 0, Cmp::Ge { signed: false }), None);
        // 1, 3, 5, … never equals 64.
        assert_eq!(first_exit(1, 2, 64, Cmp::Ne), None);
        // Climbing past the top of the signed range.
        assert_eq!(first_exit(0, 16, i32::MAX, Cmp::Lt { signed: true }), None);
        // Going the wrong way.
        assert_eq!(first_exit(0, -1, 10, Cmp::Lt { signed: true }), None);
    }

    #[test]
    fn loops_that_may_not_end_soon_keep_their_check() {
        // Never reaches the bound: 1, 3, 5, … skips 64 (and wraps around forever).
        assert_eq!(loops(&counted(1, "add", 2, "ne", 64, "")), vec![false]);
        // Starts at the bound: goes all the way around the 32-bit range.
        assert_eq!(loops(&counted(64, "add", 1, "ne", 64, "")), vec![false]);
        // Too many iterations, or too much work.
        assert_eq!(loops(&counted(0, "add", 1, "lt_u", 1 << 20, "")), vec![false]);
        let long_body = "local.get $x i32.const 1 i32.add local.set $x ".repeat(200);
        assert_eq!(loops(&counted(0, "add", 1, "lt_u", 8192, &long_body)), vec![false]);
        // Unsigned bound near the top: i + step wraps before reaching it.
        assert_eq!(loops(&counted(0, "add", 16, "lt_u", -1, "")), vec![false]);
        // Counting the wrong way for the comparison.
        assert_eq!(loops(&counted(0, "sub", 1, "lt_s", 10, "")), vec![false]);
        // Counting down past zero wraps around to the top of the u32 range.
        assert_eq!(loops(&counted(100, "sub", 7, "gt_u", 0, "")), vec![false]);
        // Longer than the analysis looks at, however short its count.
        let long = "nop ".repeat(MAX_BODY);
        assert_eq!(loops(&counted(0, "add", 1, "lt_u", 2, &long)), vec![false]);
        // Going on while equal: a shape this analysis does not take.
        assert_eq!(loops(&counted(0, "add", 1, "eq", 1, "")), vec![false]);
    }

    #[test]
    fn the_counter_must_be_known_and_left_alone() {
        // Written in the body too.
        assert_eq!(loops(&counted(0, "add", 1, "lt_u", 64, "i32.const 0 local.set $i")), vec![false]);
        // Not a constant at entry: a parameter.
        let from_param = r#"(module (func (param $p i32) (local $i i32)
            local.get $p local.set $i
            (loop $l local.get $i i32.const 1 i32.add local.tee $i i32.const 64 i32.lt_u br_if $l)))"#;
        assert_eq!(loops(from_param), vec![false]);
        // Set before a branch point: another path may enter with another value.
        let behind_a_block = r#"(module (func (param $p i32) (local $i i32)
            i32.const 0 local.set $i
            (block local.get $p br_if 0 i32.const 1000 local.set $i)
            (loop $l local.get $i i32.const 1 i32.add local.tee $i i32.const 64 i32.ne br_if $l)))"#;
        assert_eq!(loops(behind_a_block), vec![false]);
    }

    #[test]
    fn other_ways_back_to_the_loop_keep_its_check() {
        // `continue` through a br_if, a br in a block and a br_table.
        for body in [
            "local.get $p br_if $l",
            "(block local.get $p i32.eqz br_if 0 br $l)",
            "(block local.get $p br_table 0 $l)",
            "(block local.get $p br_table $l 0)",
        ] {
            assert_eq!(loops(&counted(0, "add", 1, "lt_u", 64, body)), vec![false], "{body}");
        }
        // Calls and nested loops.
        let calls = r#"(module (func $f (local $i i32)
            i32.const 0 local.set $i
            (loop $l call $f local.get $i i32.const 1 i32.add local.tee $i i32.const 4 i32.ne br_if $l)))"#;
        assert_eq!(loops(calls), vec![false]);
        let nested = counted(0, "add", 1, "lt_u", 64, "(loop)");
        assert_eq!(loops(&nested), vec![false, false]);
    }

    #[test]
    fn a_loop_that_leaves_from_the_middle_and_branches_back_at_the_end_is_bounded() {
        // clang's rotated loop: test, work, update, `br 0`.
        let rotated = |init: i32, cmp: &str, bound: i32| {
            format!(
                r#"(module (func (param $p i32) (local $i i32)
                    i32.const {init} local.set $i
                    (block $out
                      (loop $l
                        local.get $i i32.const {bound} i32.{cmp} br_if $out
                        local.get $p drop
                        local.get $i i32.const 16 i32.add local.set $i
                        br $l))))"#
            )
        };
        assert_eq!(loops(&rotated(9, "gt_u", 503)), vec![true]);
        assert_eq!(loops(&rotated(9, "eq", 505)), vec![true]);
        // Leaving on `ne`, or on equality with a value the counter skips.
        assert_eq!(loops(&rotated(9, "ne", 505)), vec![false]);
        assert_eq!(loops(&rotated(9, "eq", 504)), vec![false]);
        // The test after the update sees the stepped value.
        let after = r#"(module (func (local $i i32)
            i32.const 0 local.set $i
            (block $out
              (loop $l
                local.get $i i32.const 1 i32.add local.set $i
                local.get $i i32.const 10 i32.ge_s br_if $out
                br $l))))"#;
        assert_eq!(loops(after), vec![true]);
        // A test inside a nested block may be skipped: it bounds nothing.
        let nested_test = r#"(module (func (param $p i32) (local $i i32)
            i32.const 0 local.set $i
            (block $out
              (loop $l
                (block local.get $p br_if 0 local.get $i i32.const 10 i32.ge_s br_if $out)
                local.get $i i32.const 1 i32.add local.set $i
                br $l))))"#;
        assert_eq!(loops(nested_test), vec![false]);
        // An update inside a nested block may be skipped too.
        let nested_update = r#"(module (func (param $p i32) (local $i i32)
            i32.const 0 local.set $i
            (block $out
              (loop $l
                local.get $i i32.const 10 i32.ge_s br_if $out
                (block local.get $p br_if 0 local.get $i i32.const 1 i32.add local.set $i)
                br $l))))"#;
        assert_eq!(loops(nested_update), vec![false]);
        // Without any test of the counter it is an endless loop.
        let no_test = r#"(module (func (local $i i32)
            i32.const 0 local.set $i
            (loop $l local.get $i i32.const 1 i32.add local.set $i br $l)))"#;
        assert_eq!(loops(no_test), vec![false]);
    }

    #[test]
    fn a_test_of_the_counter_plus_a_constant_bounds_the_loop() {
        // `(i - 504) <u 504`, through a local set once per iteration
        // before the update (clang's form of 504 <= i < 1008).
        let derived = |set_after_update: bool, extra_write: &str| {
            let set = "local.get $i i32.const -504 i32.add local.set $d";
            let (before, after) = if set_after_update { ("", set) } else { (set, "") };
            format!(
                r#"(module (func (local $i i32) (local $d i32)
                    i32.const 513 local.set $i
                    (loop $l
                      {before} {extra_write}
                      local.get $i i32.const 8 i32.add local.set $i
                      {after}
                      local.get $d i32.const 504 i32.lt_u br_if $l)))"#
            )
        };
        assert_eq!(loops(&derived(false, "")), vec![true]);
        assert_eq!(loops(&derived(true, "")), vec![true]);
        // Written twice.
        assert_eq!(loops(&derived(false, "i32.const 0 local.set $d")), vec![false]);
        // Set after the test: the test reads last iteration's value (and,
        // first, whatever it held before the loop).
        let stale = r#"(module (func (local $i i32) (local $d i32)
            i32.const 513 local.set $i
            (block $out (loop $l
              local.get $d i32.const 504 i32.ge_u br_if $out
              local.get $i i32.const -504 i32.add local.set $d
              local.get $i i32.const 8 i32.add local.set $i
              br $l))))"#;
        assert_eq!(loops(stale), vec![false]);
        // The same offset inline, after the update: i + 8 - 504 = 17, 25, …
        let inline = r#"(module (func (local $i i32)
            i32.const 513 local.set $i
            (loop $l
              local.get $i i32.const 8 i32.add local.set $i
              local.get $i i32.const 504 i32.sub i32.const 504 i32.lt_u br_if $l)))"#;
        assert_eq!(loops(inline), vec![true]);
        // An offset that makes the test miss: v = 1, 9, …, never equal to 504.
        let missing = r#"(module (func (local $i i32)
            i32.const 505 local.set $i
            (block $out (loop $l
              local.get $i i32.const -504 i32.add i32.const 504 i32.eq br_if $out
              local.get $i i32.const 8 i32.add local.set $i
              br $l))))"#;
        assert_eq!(loops(missing), vec![false]);
    }

    #[test]
    fn a_counter_set_before_entering_blocks_is_still_known() {
        let wat = r#"(module (func (param $p i32) (local $i i32)
            i32.const 0 local.set $i
            local.get $p
            (if (then (block
              (loop $l local.get $i i32.const 1 i32.add local.tee $i i32.const 8 i32.lt_s br_if $l))))))"#;
        assert_eq!(loops(wat), vec![true]);
        let in_else = r#"(module (func (param $p i32) (local $i i32)
            local.get $p
            (if (then i32.const 0 local.set $i) (else
              (loop $l local.get $i i32.const 1 i32.add local.tee $i i32.const 8 i32.lt_s br_if $l)))))"#;
        assert_eq!(loops(in_else), vec![false]);
    }

    #[test]
    fn each_loop_of_a_function_is_judged_on_its_own() {
        let wat = r#"(module (func (param $p i32) (local $i i32) (local $j i32)
            (loop $outer
              i32.const 0 local.set $j
              (loop $inner local.get $j i32.const 1 i32.add local.tee $j i32.const 16 i32.ne br_if $inner)
              local.get $p br_if $outer)
            i32.const 0 local.set $i
            (loop $l local.get $i i32.const 1 i32.add local.tee $i i32.const 8 i32.lt_s br_if $l)))"#;
        assert_eq!(loops(wat), vec![false, true, true]);
    }
}

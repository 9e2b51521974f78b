//! Which functions need an interrupt check at their entry.
//!
//! Code runs unboundedly only through a loop or through calls: a chain of
//! calls that never ends (recursion), or a tree of them too large to finish
//! (`f` calls `g` a hundred times, `g` calls `h` a hundred times, …). Loops
//! keep their checks (unless `bounded.rs` proves them short), so a function
//! needs a check at its entry only when a call to it could run long without
//! reaching one. Small helpers called from hot code (a hash step, a
//! character class test that calls another helper) are exactly the ones
//! that do not; their checks measured about 5% of the parse kernel.
//!
//! A call through a table or a reference (`call_indirect`, `call_ref` and
//! their tail-call forms) gets a check right before it, in the weaver: its
//! callee is not known, and a function making thousands of such calls in a
//! row to a callee without an entry check would otherwise run all of them
//! without one. So does each bulk operation (`memory.fill`, `memory.copy`,
//! `table.copy`, `array.fill`, …), whose time grows with its length, and
//! which the instruction counts below count as one.
//!
//! A function gets an entry check when any of:
//! - it has a loop that keeps its check (its entry check also covers the
//!   code before its first loop);
//! - it is on a cycle of direct calls (every cycle gets at least one
//!   checked function: the target of each back edge of a depth-first walk);
//! - a caller would otherwise run more than [`ENTRY_BUDGET`] instructions
//!   without a check. Every function's *segment* — its own instructions,
//!   its short loops' work, and the segment of each callee without an entry
//!   check (one instruction for a callee with one) — is kept within the
//!   budget by checking its most expensive callees first. A call from the
//!   host, and the code after any check, so reach the next check within
//!   the budget (or within the function's own straight-line code, when
//!   that alone is longer).
//!
//! Calls to imported functions count as one instruction: the host decides
//! how long they take, and host functions that wait see stop requests.

/// Most instructions a call to a function without an entry check may run
/// before reaching a check elsewhere.
pub(crate) const ENTRY_BUDGET: u64 = 1 << 16;

/// What weaving needs to know about one defined function.
#[derive(Debug, Default, Clone)]
pub(crate) struct FuncFacts {
    /// Its instructions, with each short loop counted at its full work.
    pub work: u64,
    /// Whether it has a loop that keeps its check.
    pub unbounded_loop: bool,
    /// The functions it calls directly, by index in the function index
    /// space (imports first), once per call instruction.
    pub callees: Vec<u32>,
}

/// For each defined function (in order), whether it needs an entry check.
/// `imported` is the number of imported functions, which come first in the
/// function index space.
pub(crate) fn entry_checks(imported: u32, funcs: &[FuncFacts]) -> Vec<bool> {
    let n = funcs.len();
    let mut checked: Vec<bool> = funcs.iter().map(|f| f.unbounded_loop).collect();
    // Each finished function's segment: what a call to it runs before a
    // check, if it has no entry check.
    let mut segment = vec![0u64; n];
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state = vec![State::New; n];
    // Iterative depth-first walk: (function, next callee position).
    for root in 0..n {
        if state[root] != State::New {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = State::Open;
        while let Some(&mut (f, ref mut next)) = stack.last_mut() {
            if let Some(&callee) = funcs[f].callees.get(*next) {
                *next += 1;
                if let Some(c) = defined(callee, imported, n) {
                    match state[c] {
                        State::New => {
                            state[c] = State::Open;
                            stack.push((c, 0));
                        }
                        // A back edge: `c` is on a cycle through `f`.
                        State::Open => checked[c] = true,
                        State::Done => {}
                    }
                }
                continue;
            }
            stack.pop();
            state[f] = State::Done;
            segment[f] = fit_segment(f, funcs, imported, &mut checked, &segment);
        }
    }
    checked
}

/// The index among the `n` defined functions of function `callee` (in the
/// index space where `imported` imports come first), if it is one.
fn defined(callee: u32, imported: u32, n: usize) -> Option<usize> {
    callee.checked_sub(imported).map(|c| c as usize).filter(|&c| c < n)
}

/// The segment of `f` once its callees are finished, checking its most
/// expensive unchecked callees until it fits the budget.
fn fit_segment(f: usize, funcs: &[FuncFacts], imported: u32, checked: &mut [bool], segment: &[u64]) -> u64 {
    // (callee, calls to it from f), defined and unchecked ones only.
    let mut counts: std::collections::BTreeMap<usize, u64> = Default::default();
    let mut total = funcs[f].work;
    for &callee in &funcs[f].callees {
        match defined(callee, imported, funcs.len()) {
            Some(c) if !checked[c] => *counts.entry(c).or_default() += 1,
            _ => total = total.saturating_add(1),
        }
    }
    let mut heavy: Vec<(u64, usize, u64)> =
        counts.into_iter().map(|(c, k)| (k.saturating_mul(segment[c]), c, k)).collect();
    total = heavy.iter().fold(total, |t, &(cost, _, _)| t.saturating_add(cost));
    // Most expensive first; ties by index, so the result is deterministic.
    heavy.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (cost, c, k) in heavy {
        if total <= ENTRY_BUDGET {
            break;
        }
        checked[c] = true;
        total = total - cost + k;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(work: u64) -> FuncFacts {
        FuncFacts { work, ..Default::default() }
    }

    fn calls(work: u64, callees: &[u32]) -> FuncFacts {
        FuncFacts { work, callees: callees.to_vec(), ..Default::default() }
    }

    #[test]
    fn small_call_trees_need_no_entry_check() {
        // 0 calls 1 and 2; 2 calls 1; 1 is a leaf.
        assert_eq!(entry_checks(0, &[calls(10, &[1, 2]), leaf(5), calls(3, &[1])]), vec![false; 3]);
    }

    #[test]
    fn loops_need_an_entry_check() {
        let looping = FuncFacts { unbounded_loop: true, ..leaf(3) };
        assert_eq!(entry_checks(0, &[looping, leaf(3), calls(1, &[0, 1])]), vec![true, false, false]);
    }

    #[test]
    fn every_cycle_of_calls_gets_a_checked_function() {
        // Self-recursion.
        assert_eq!(entry_checks(0, &[calls(1, &[0])]), vec![true]);
        // 0 → 1 → 2 → 0, entered from 3.
        let checked = entry_checks(0, &[calls(1, &[1]), calls(1, &[2]), calls(1, &[0]), calls(1, &[0])]);
        assert!(checked[..3].iter().any(|&c| c), "{checked:?}");
        // Two cycles sharing 1: 0 → 1 → 0 and 1 → 2 → 1.
        let checked = entry_checks(0, &[calls(1, &[1]), calls(1, &[0, 2]), calls(1, &[1])]);
        assert!(checked[0] || checked[1], "{checked:?}");
        assert!(checked[1] || checked[2], "{checked:?}");
    }

    #[test]
    fn a_call_tree_too_large_to_finish_soon_gets_checks() {
        // f_k calls f_{k+1} a hundred times: 100^5 leaf calls from f_0.
        let mut funcs: Vec<FuncFacts> = (0..5).map(|k| calls(100, &[k + 1; 100])).collect();
        funcs.push(leaf(10));
        // f_4's segment is 100 + 100·10; f_3's would be 100 + 100·1,100,
        // over budget, so f_4 gets a check and f_3's is 200; f_2's is
        // 20,100; f_1's would be 2,010,100, so f_2 gets a check.
        assert_eq!(entry_checks(0, &funcs), vec![false, false, true, false, true, false]);
    }

    #[test]
    fn the_most_expensive_callees_are_checked_first() {
        // f_0 calls a cheap leaf once and two costly ones; checking one
        // costly callee is enough.
        let big = ENTRY_BUDGET / 2 + 10;
        let checked = entry_checks(0, &[calls(1, &[1, 2, 3]), leaf(5), leaf(big), leaf(big + 1)]);
        assert_eq!(checked, vec![false, false, false, true]);
    }

    #[test]
    fn imported_functions_cost_one_and_are_never_walked() {
        // Index 0 and 1 are imports; defined function 0 is index 2.
        assert_eq!(entry_checks(2, &[calls(1, &[0, 1, 3]), leaf(1)]), vec![false, false]);
    }

    #[test]
    fn a_long_leaf_is_checked_only_where_a_caller_needs_it() {
        // A check at its entry would not shorten the leaf itself.
        assert_eq!(entry_checks(0, &[leaf(ENTRY_BUDGET + 1)]), vec![false]);
        assert_eq!(entry_checks(0, &[calls(1, &[1, 1]), leaf(ENTRY_BUDGET / 2 + 1)]), vec![false, true]);
    }
}

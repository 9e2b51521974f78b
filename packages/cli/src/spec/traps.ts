// Which trap codes satisfy the message a spec script expects. The spec
// asserts the reference interpreter's wording; our TrapError carries a stable
// code (one per Wasmtime trap), so the match is done on codes, not on text.
import { TrapError, type TrapCode } from '@cybernetic/wasm'

/** Spec wording (a prefix of the expected text) → the trap codes it means. */
const BY_TEXT: ReadonlyArray<readonly [string, readonly TrapCode[]]> = [
  ['unreachable', ['unreachable']],
  ['integer divide by zero', ['integer_divide_by_zero']],
  ['integer overflow', ['integer_overflow']],
  ['invalid conversion to integer', ['bad_conversion_to_integer']],
  ['out of bounds memory access', ['memory_out_of_bounds']],
  ['out of bounds table access', ['table_out_of_bounds']],
  // call_indirect with an index past the table's end.
  ['undefined element', ['table_out_of_bounds']],
  // call_indirect through a null entry (the suite sometimes appends the index).
  ['uninitialized element', ['indirect_call_to_null']],
  ['indirect call type mismatch', ['indirect_call_type_mismatch']],
  ['call stack exhausted', ['stack_overflow']],
  ['null function reference', ['null_reference', 'indirect_call_to_null']],
  ['null reference', ['null_reference']],
  ['null structure reference', ['null_reference']],
  ['null array reference', ['null_reference']],
  ['null i31 reference', ['null_reference']],
  ['out of bounds array access', ['array_out_of_bounds']],
  ['cast failure', ['cast_failure']],
  ['unaligned atomic', ['heap_misaligned']],
  ['expected shared memory', ['atomic_wait_non_shared_memory']],
]

/** The trap codes that satisfy an expected message, or null when the wording is unknown. */
export function codesFor(expected: string): readonly TrapCode[] | null {
  for (const [text, codes] of BY_TEXT) if (expected.startsWith(text)) return codes
  return null
}

/**
 * Whether `error` is the trap a script expects. Unknown wording falls back to
 * Wasmtime's own message, which follows the spec's for most traps.
 */
export function isExpectedTrap(error: unknown, expected: string): boolean {
  if (!(error instanceof TrapError)) return false
  const codes = codesFor(expected)
  if (codes) return codes.includes(error.trapCode)
  return error.message.includes(expected)
}

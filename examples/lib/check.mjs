// The examples' self-check: each comparison prints one line; any mismatch
// makes the process exit non-zero (after every check has run and said what
// differed), so `npm test` sees it.
import { isDeepStrictEqual } from 'node:util'

let passed = 0
let failed = 0

/** Compares `actual` with `expected` (deep, strict; typed arrays byte for byte). */
export function check(what, actual, expected) {
  if (isDeepStrictEqual(actual, expected)) {
    passed++
    console.log(`  ok    ${what}`)
    return true
  }
  failed++
  console.log(`  FAIL  ${what}\n        expected ${preview(expected)}\n        got      ${preview(actual)}`)
  process.exitCode = 1
  return false
}

/** Records a condition that must hold. */
export function assert(what, ok, detail = '') {
  if (ok) {
    passed++
    console.log(`  ok    ${what}`)
  } else {
    failed++
    console.log(`  FAIL  ${what}${detail ? `: ${detail}` : ''}`)
    process.exitCode = 1
  }
  return ok
}

/** Prints the example's last line: `NAME: N checks passed, M failed`. */
export function summary(name) {
  console.log(`${name}: ${passed} checks passed, ${failed} failed`)
  if (failed) process.exitCode = 1
}

function preview(v) {
  if (ArrayBuffer.isView(v)) {
    const a = Array.from(v.subarray ? v.subarray(0, 8) : [])
    return `${v.constructor.name}(${v.length}) [${a.join(', ')}${v.length > 8 ? ', …' : ''}]`
  }
  const s = typeof v === 'bigint' ? `${v}n` : JSON.stringify(v)
  return s && s.length > 200 ? `${s.slice(0, 200)}…` : String(s)
}

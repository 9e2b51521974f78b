/**
 * Positions in user-written text (manifest TOML and JSON, WAT), computed in
 * one place so that every error about such text counts the same way.
 *
 * The bases, once:
 * - an **offset** is 0-based and counts UTF-16 code units (what `String#length`
 *   and `String#slice` count);
 * - a **line** is 1-based; a line ends at `\n`, and a `\r` right before that
 *   `\n` belongs to the line break (a lone `\r` is an ordinary character, as in
 *   TOML);
 * - a **column** is 1-based and counts UTF-16 code units from the start of the
 *   line; a tab counts as one column, and a character outside the Basic
 *   Multilingual Plane (an emoji) as two.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js'

/** A 1-based line and column in a text; see the module doc for how they count. */
export interface TextLocation {
  /** 1-based line number. */
  line: number
  /** 1-based column, in UTF-16 code units; a tab counts as one. */
  column: number
}

/**
 * The 1-based line and column of a 0-based offset. An offset below 0 counts
 * as 0 and one past the end as the end, so `source.length` (the end of the
 * text) is a valid position: it is just after the last character.
 *
 * @param source - the text
 * @param offset - 0-based, in UTF-16 code units
 * @returns the 1-based line and column
 * @throws {@linkcode InvalidArgumentError} when `source` is not a string or `offset` is not a finite number
 * @example
 * ```ts
 * locationAt('a = 1\nb = x', 10)   // { line: 2, column: 5 }: the `x`
 * locationAt('a\r\nb', 3)          // { line: 2, column: 1 }: CRLF is one line break
 * ```
 */
export function locationAt(source: string, offset: number): TextLocation {
  checkText(source, 'locationAt(source)')
  checkNumber(offset, 'locationAt(offset)')
  const end = clamp(Math.trunc(offset), 0, source.length)
  let line = 1
  let lineStart = 0
  for (let i = source.indexOf('\n'); i !== -1 && i < end; i = source.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: end - lineStart + 1 }
}

/**
 * The 0-based offset of a 1-based line and column: the inverse of
 * {@link locationAt}. A line past the last one means the end of the text; a
 * column past the end of its line means the end of that line (before its
 * line break).
 *
 * @param source - the text
 * @param line - 1-based line
 * @param column - 1-based column, in UTF-16 code units
 * @returns the 0-based offset, from 0 to `source.length`
 * @throws {@linkcode InvalidArgumentError} when `source` is not a string or `line` or `column` is not a finite number
 * @example
 * ```ts
 * offsetAt('a = 1\nb = x', 2, 5)   // 10
 * ```
 */
export function offsetAt(source: string, line: number, column: number): number {
  checkText(source, 'offsetAt(source)')
  checkNumber(line, 'offsetAt(line)')
  checkNumber(column, 'offsetAt(column)')
  let start = 0
  for (let l = 1; l < line; l++) {
    const nl = source.indexOf('\n', start)
    if (nl === -1) return source.length
    start = nl + 1
  }
  const lineEnd = endOfLine(source, start)
  return start + clamp(Math.trunc(column) - 1, 0, lineEnd - start)
}

/** The widest source line a frame shows in full; longer ones are cut around the column. */
const FRAME_WIDTH = 100

/**
 * A short code frame: up to two lines before `line`, the line itself marked
 * with `>`, and a caret under `column`, each with its line number in a
 * gutter. Lines and columns are 1-based (see {@link locationAt}); positions
 * past the end are pulled back to the last line or to the end of the line.
 * Tabs before the column are copied into the caret line, so the caret sits
 * under the right character whatever the tab width. A line longer than
 * 100 code units is shown as a window around the column, cut ends marked `…`.
 * The result has no trailing newline.
 *
 * @param source - the whole text
 * @param line - 1-based line of the problem
 * @param column - 1-based column of the problem, in UTF-16 code units
 * @returns the frame, lines joined by `\n`
 * @throws {@linkcode InvalidArgumentError} when `source` is not a string or `line` or `column` is not a finite number
 * @example
 * ```ts
 * codeFrame('[limits]\nmemory = -1\n', 2, 10)
 * //   1 | [limits]
 * // > 2 | memory = -1
 * //     |          ^
 * ```
 */
export function codeFrame(source: string, line: number, column: number): string {
  checkText(source, 'codeFrame(source)')
  checkNumber(line, 'codeFrame(line)')
  checkNumber(column, 'codeFrame(column)')
  const lines = source.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  const target = clamp(Math.trunc(line), 1, lines.length)
  const text = lines[target - 1] ?? ''
  const col = clamp(Math.trunc(column), 1, text.length + 1)
  // One window for every shown line, so context lines stay aligned with the caret.
  const from = text.length > FRAME_WIDTH ? clamp(col - 1 - FRAME_WIDTH / 2, 0, text.length - FRAME_WIDTH) : 0
  const cut = (l: string): string => {
    if (l.length <= FRAME_WIDTH && from === 0) return l
    const shown = l.slice(from, from + FRAME_WIDTH)
    return `${from > 0 ? '…' : ''}${shown}${from + FRAME_WIDTH < l.length ? '…' : ''}`
  }
  const first = Math.max(1, target - 2)
  const width = String(target).length
  const out: string[] = []
  for (let n = first; n <= target; n++) {
    const body = cut(lines[n - 1] ?? '')
    const mark = n === target ? '>' : ' '
    out.push(`${mark} ${String(n).padStart(width)} |${body ? ` ${body}` : ''}`)
  }
  // Keep tabs in the padding so the caret lines up however tabs are drawn.
  const pad = text.slice(from, col - 1).replace(/[^\t]/g, ' ')
  out.push(`  ${' '.repeat(width)} | ${from > 0 ? ' ' : ''}${pad}^`)
  return out.join('\n')
}

function endOfLine(source: string, start: number): number {
  const nl = source.indexOf('\n', start)
  const end = nl === -1 ? source.length : nl
  return end > start && source[end - 1] === '\r' && nl !== -1 ? end - 1 : end
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isNaN(n) ? lo : Math.min(Math.max(n, lo), hi)
}

// Positions out of range are clamped (these helpers point at text for error
// messages, so a nearby place beats an error); a value that is not a number
// or text at all is the caller's mistake.
function checkText(v: unknown, path: string): asserts v is string {
  if (typeof v !== 'string') throw new InvalidArgumentError(`${path} must be a string`, path)
}

function checkNumber(v: unknown, path: string): asserts v is number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new InvalidArgumentError(`${path} must be a number`, path)
}

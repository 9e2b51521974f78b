import { describe, expect, it } from 'vitest'
import { codeFrame, locationAt, offsetAt } from '@cybernetic/wasm'

describe('text location', () => {
  it('maps offset 0 of any text to line 1, column 1', () => {
    expect(locationAt('', 0)).toEqual({ line: 1, column: 1 })
    expect(locationAt('abc', 0)).toEqual({ line: 1, column: 1 })
  })

  it('counts lines and columns from 1', () => {
    expect(locationAt('ab\ncd', 1)).toEqual({ line: 1, column: 2 })
    expect(locationAt('ab\ncd', 3)).toEqual({ line: 2, column: 1 })
    expect(locationAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 })
  })

  it('puts a line break at the end of its own line', () => {
    expect(locationAt('ab\ncd', 2)).toEqual({ line: 1, column: 3 })
  })

  it('treats CRLF as one line break and a lone CR as a character', () => {
    expect(locationAt('a\r\nb', 1)).toEqual({ line: 1, column: 2 })
    expect(locationAt('a\r\nb', 2)).toEqual({ line: 1, column: 3 })
    expect(locationAt('a\r\nb', 3)).toEqual({ line: 2, column: 1 })
    expect(locationAt('a\rb', 2)).toEqual({ line: 1, column: 3 })
  })

  it('counts a tab as one column', () => {
    expect(locationAt('\t\tx', 2)).toEqual({ line: 1, column: 3 })
  })

  it('counts columns in UTF-16 code units', () => {
    expect(locationAt('é😀x', 3)).toEqual({ line: 1, column: 4 })
  })

  it('accepts the offset at the end of the text, with and without a final newline', () => {
    expect(locationAt('a\nbc', 4)).toEqual({ line: 2, column: 3 })
    expect(locationAt('a\nbc\n', 5)).toEqual({ line: 3, column: 1 })
  })

  it('clamps offsets outside the text', () => {
    expect(locationAt('ab', -5)).toEqual({ line: 1, column: 1 })
    expect(locationAt('ab', 99)).toEqual({ line: 1, column: 3 })
  })

  it('inverts locationAt with offsetAt', () => {
    const text = 'x = 1\r\n\ty = "é"\nlast'
    for (let i = 0; i <= text.length; i++) {
      const { line, column } = locationAt(text, i)
      // An offset on the \r of a CRLF maps to the column after the line's text; offsetAt returns that same place.
      expect(offsetAt(text, line, column)).toBe(text[i - 1] === '\r' && text[i] === '\n' ? i - 1 : i)
    }
  })

  it('clamps lines and columns past the end in offsetAt', () => {
    expect(offsetAt('ab\ncd', 9, 1)).toBe(5)
    expect(offsetAt('ab\r\ncd', 1, 9)).toBe(2)
  })
})

describe('code frame', () => {
  it('shows two lines before, the line, and a caret under the column', () => {
    expect(codeFrame('one\ntwo\nthree\nfour\n', 3, 3)).toBe(['  1 | one', '  2 | two', '> 3 | three', '    |   ^'].join('\n'))
  })

  it('shows fewer context lines at the top of the text', () => {
    expect(codeFrame('only', 1, 1)).toBe(['> 1 | only', '    | ^'].join('\n'))
  })

  it('widens the gutter to the widest line number shown', () => {
    const text = Array.from({ length: 10 }, (_, i) => `l${i + 1}`).join('\n')
    expect(codeFrame(text, 10, 2)).toBe(['   8 | l8', '   9 | l9', '> 10 | l10', '     |  ^'].join('\n'))
  })

  it('drops the CR of CRLF lines', () => {
    expect(codeFrame('a = 1\r\nb = ?\r\n', 2, 5)).toBe(['  1 | a = 1', '> 2 | b = ?', '    |     ^'].join('\n'))
  })

  it('keeps tabs in the caret line so the caret lines up', () => {
    expect(codeFrame('\tx = 1', 1, 6)).toBe(['> 1 | \tx = 1', '    | \t    ^'].join('\n'))
  })

  it('puts the caret after the last character for the end of a line without a newline', () => {
    expect(codeFrame('a\nbc', 2, 3)).toBe(['  1 | a', '> 2 | bc', '    |   ^'].join('\n'))
  })

  it('shows an empty last line for the end of a text that ends with a newline', () => {
    expect(codeFrame('a\n', 2, 1)).toBe(['  1 | a', '> 2 |', '    | ^'].join('\n'))
  })

  it('pulls positions past the end back to the last line and the end of the line', () => {
    expect(codeFrame('ab', 7, 40)).toBe(['> 1 | ab', '    |   ^'].join('\n'))
  })

  it('cuts a very long line to a window around the column', () => {
    const line = `${'a'.repeat(300)}X${'b'.repeat(300)}`
    const frame = codeFrame(line, 1, 301).split('\n')
    expect(frame[0]).toMatch(/^> 1 \| …a+Xb+…$/)
    expect(frame[0]!.length).toBeLessThan(120)
    // The caret sits under the X.
    expect(frame[1]!.indexOf('^')).toBe(frame[0]!.indexOf('X'))
  })
})

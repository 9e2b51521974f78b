/**
 * Where each key of a TOML or JSON document is: a map from dotted key path
 * (`module.name`, `capabilities.filesystem.read[1]`, `x[0].y`) to the spans of
 * the key and of its value, so that errors found after parsing can point at
 * the text the user wrote.
 *
 * The TOML side is a tokenizer, not a parser: it assumes the text already
 * parsed with smol-toml and does not validate it, but it never throws and
 * never loops on any input. The JSON side is a small strict scanner that also
 * reports where JSON is malformed, since `JSON.parse` does not say so on
 * every Node version.
 *
 * Path syntax: a key made only of `A-Za-z0-9_-` is written as is; any other
 * key (empty, with a dot, a space, …) is written as a JSON string, e.g.
 * `a."b.c"`; array elements are `[index]`, counting from 0. An
 * array-of-tables `[[x]]` gives `x` (its first header) and `x[0]`, `x[1]`, ….
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js'

/** A range of a source text: 0-based UTF-16 offsets, `end` exclusive. */
export interface Span {
  /** Offset of the first character. */
  start: number
  /** Offset just past the last character. */
  end: number
}

/** Where one key path is in its source. */
export interface KeyPosition {
  /**
   * The key as written (the last segment of a dotted key, the last name in a
   * table header); `null` for array elements, which have no key.
   */
  key: Span | null
  /**
   * The value: a scalar's text, a whole array or inline table, or for a table
   * the whole `[header]`. For a table only implied by a dotted key or a longer
   * header (`a` in `a.b = 1`) it is the span of that key segment.
   */
  value: Span
}

/** Dotted key path → position, in the order the keys appear. */
export type KeyPositions = Map<string, KeyPosition>

/** A JSON syntax error found by {@link scanJson}. */
export interface JsonSyntaxError {
  /** 0-based offset of the first character that does not fit. */
  offset: number
  /** What was expected there. */
  message: string
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/

/**
 * Appends one segment to a dotted key path, quoting a key that is not bare.
 *
 * @param parent - the path so far, `''` at the top
 * @param segment - a key, or an array index
 * @returns the longer path
 * @throws {@linkcode InvalidArgumentError} when `parent` is not a string or `segment` is neither a string nor a number
 * @example
 * ```ts
 * keyPath('capabilities.filesystem', 'read')   // 'capabilities.filesystem.read'
 * keyPath('capabilities.filesystem.read', 1)   // 'capabilities.filesystem.read[1]'
 * keyPath('a', 'b.c')                          // 'a."b.c"'
 * ```
 */
export function keyPath(parent: string, segment: string | number): string {
  if (typeof parent !== 'string') throw new InvalidArgumentError('keyPath(parent) must be a string', 'keyPath(parent)')
  if (typeof segment !== 'string' && typeof segment !== 'number') throw new InvalidArgumentError('keyPath(segment) must be a string or a number', 'keyPath(segment)')
  if (typeof segment === 'number') return `${parent}[${segment}]`
  const name = BARE_KEY.test(segment) ? segment : JSON.stringify(segment)
  return parent ? `${parent}.${name}` : name
}

/**
 * Maps every key path of a TOML or JSON document to where its key and value
 * are. The TOML text should be valid (parse it with smol-toml first); on
 * invalid text the map is partial but the call still returns.
 *
 * @param source - the document
 * @param format - its syntax
 * @returns dotted key path → spans, see {@link KeyPosition}
 * @example
 * ```ts
 * const at = locateKeys('[limits]\nmemory = 5\n', 'toml')
 * at.get('limits.memory')   // { key: { start: 9, end: 15 }, value: { start: 18, end: 19 } }
 * ```
 * @internal
 */
export function locateKeys(source: string, format: 'toml' | 'json'): KeyPositions {
  return format === 'json' ? scanJson(source).positions : new TomlScanner(source).run()
}

// ---------------------------------------------------------------------------
// TOML

interface KeySegment {
  name: string
  span: Span
}

class TomlScanner {
  private i = 0
  private readonly out: KeyPositions = new Map()
  /** Entries only implied by a dotted key or a longer header; an explicit definition replaces them. */
  private readonly implied = new Set<string>()
  /** Array-of-tables path → number of `[[…]]` headers seen so far. */
  private readonly arrays = new Map<string, number>()

  constructor(private readonly s: string) {}

  run(): KeyPositions {
    const s = this.s
    let table = ''
    while (this.i < s.length) {
      this.skipBlank(true)
      if (this.i >= s.length) break
      const before = this.i
      if (s[this.i] === '[') table = this.header()
      else this.keyValue(table)
      // Whatever is left on a line of valid TOML is blank or a comment; skip
      // one character of anything else so that invalid text cannot stall us.
      this.skipBlank(false)
      if (this.i === before) this.i++
    }
    return this.out
  }

  /** `[a.b]` or `[[a.b]]`; returns the path of the table it opens. */
  private header(): string {
    const s = this.s
    const start = this.i
    const isArray = s[this.i + 1] === '['
    this.i += isArray ? 2 : 1
    const segs = this.key()
    this.skipSpaces()
    if (s[this.i] === ']') this.i++
    if (isArray && s[this.i] === ']') this.i++
    const whole = { start, end: this.i }
    let path = ''
    segs.forEach((seg, n) => {
      path = keyPath(path, seg.name)
      if (n < segs.length - 1) {
        this.set(path, seg.span, seg.span, true)
        const count = this.arrays.get(path)
        if (count !== undefined) path = keyPath(path, count - 1)
      } else if (isArray) {
        const count = this.arrays.get(path) ?? 0
        this.arrays.set(path, count + 1)
        this.set(path, seg.span, whole, true)
        path = keyPath(path, count)
        this.set(path, seg.span, whole, false)
      } else {
        this.set(path, seg.span, whole, false)
      }
    })
    return path
  }

  /** `a.b = value` inside the table at `table`. */
  private keyValue(table: string): void {
    const segs = this.key()
    if (segs.length === 0) return
    let path = table
    segs.forEach((seg, n) => {
      path = keyPath(path, seg.name)
      if (n < segs.length - 1) this.set(path, seg.span, seg.span, true)
    })
    this.skipSpaces()
    if (this.s[this.i] !== '=') return
    this.i++
    this.skipSpaces()
    const last = segs[segs.length - 1] as KeySegment
    this.value(path, last.span)
  }

  /** A possibly dotted key; stops before `=`, `]` or anything else. */
  private key(): KeySegment[] {
    const s = this.s
    const segs: KeySegment[] = []
    for (;;) {
      this.skipSpaces()
      const start = this.i
      let name: string
      const c = s[start]
      if (c === '"') {
        this.skipBasicString()
        name = decodeBasic(s.slice(start + 1, Math.max(start + 1, this.i - 1)))
      } else if (c === "'") {
        this.skipLiteralString()
        name = s.slice(start + 1, Math.max(start + 1, this.i - 1))
      } else {
        while (this.i < s.length && !' \t\r\n.=[]"\'#,{}'.includes(s[this.i] as string)) this.i++
        name = s.slice(start, this.i)
      }
      if (this.i === start) break
      segs.push({ name, span: { start, end: this.i } })
      this.skipSpaces()
      if (s[this.i] !== '.') break
      this.i++
    }
    return segs
  }

  private value(path: string, key: Span | null): void {
    const s = this.s
    const start = this.i
    const span = { start, end: start }
    this.set(path, key, span, false)
    const c = s[start]
    if (c === '"' || c === "'") {
      const triple = s.startsWith(c.repeat(3), start)
      if (triple) this.skipMultiline(c)
      else if (c === '"') this.skipBasicString()
      else this.skipLiteralString()
    } else if (c === '[') {
      this.i++
      for (let n = 0; ; ) {
        this.skipBlank(true)
        const ch = s[this.i]
        if (ch === undefined) break
        if (ch === ']') {
          this.i++
          break
        }
        if (ch === ',') {
          this.i++
          continue
        }
        const before = this.i
        this.value(keyPath(path, n++), null)
        if (this.i === before) this.i++
      }
    } else if (c === '{') {
      this.i++
      for (;;) {
        this.skipBlank(true)
        const ch = s[this.i]
        if (ch === undefined) break
        if (ch === '}') {
          this.i++
          break
        }
        if (ch === ',') {
          this.i++
          continue
        }
        const before = this.i
        this.keyValue(path)
        if (this.i === before) this.i++
      }
    } else {
      this.skipBare()
    }
    span.end = this.i
  }

  /** A number, boolean, date or time: up to the next delimiter. */
  private skipBare(): void {
    const s = this.s
    const start = this.i
    const scan = (): void => {
      while (this.i < s.length && !' \t\r\n,]}#'.includes(s[this.i] as string)) this.i++
    }
    scan()
    // A date and a time may be separated by one space: 1979-05-27 07:32:00Z.
    if (/^\d{4}-\d{2}-\d{2}$/.test(s.slice(start, this.i)) && s[this.i] === ' ' && /^\d{2}:/.test(s.slice(this.i + 1, this.i + 4))) {
      this.i++
      scan()
    }
  }

  /** `"…"` on one line; stops after the closing quote or before a line break. */
  private skipBasicString(): void {
    const s = this.s
    this.i++
    while (this.i < s.length) {
      const c = s[this.i]
      if (c === '"') {
        this.i++
        return
      }
      if (c === '\n') return
      this.i += c === '\\' ? 2 : 1
    }
    this.i = Math.min(this.i, s.length)
  }

  /** `'…'` on one line. */
  private skipLiteralString(): void {
    const s = this.s
    this.i++
    while (this.i < s.length && s[this.i] !== "'" && s[this.i] !== '\n') this.i++
    if (s[this.i] === "'") this.i++
  }

  /** `"""…"""` or `'''…'''`; up to two more quotes right before the closing ones belong to the string. */
  private skipMultiline(q: '"' | "'"): void {
    const s = this.s
    const close = q.repeat(3)
    this.i += 3
    while (this.i < s.length) {
      if (s.startsWith(close, this.i)) {
        this.i += 3
        for (let extra = 0; extra < 2 && s[this.i] === q; extra++) this.i++
        return
      }
      this.i += q === '"' && s[this.i] === '\\' ? 2 : 1
    }
    this.i = s.length
  }

  private skipSpaces(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++
  }

  /** Spaces, comments, and (when `lines`) line breaks. */
  private skipBlank(lines: boolean): void {
    const s = this.s
    for (;;) {
      this.skipSpaces()
      const c = s[this.i]
      if (c === '#') {
        const nl = s.indexOf('\n', this.i)
        this.i = nl === -1 ? s.length : nl
      } else if (lines && (c === '\n' || c === '\r')) {
        this.i++
      } else {
        return
      }
    }
  }

  private set(path: string, key: Span | null, value: Span, implied: boolean): void {
    const had = this.out.has(path)
    if (had && (implied || !this.implied.has(path))) return
    this.out.set(path, { key, value })
    if (implied) this.implied.add(path)
    else this.implied.delete(path)
  }
}

const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' }

/** The text of a basic-string key between its quotes, with escapes decoded. */
function decodeBasic(raw: string): string {
  return raw.replace(/\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (all, e: string) => {
    if (e.length > 1) {
      const cp = Number.parseInt(e.slice(1), 16)
      return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : all
    }
    return ESCAPES[e] ?? all
  })
}

// ---------------------------------------------------------------------------
// JSON

interface JsonFrame {
  isObject: boolean
  path: string
  count: number
  span: Span
}

/**
 * Scans JSON text strictly (RFC 8259), recording where each key path is and
 * the first syntax error, if any. Iterative, so deep nesting cannot overflow
 * the stack; nesting deeper than `maxDepth` is reported as an error (key
 * paths grow with depth, so unbounded nesting would cost quadratic time).
 *
 * @internal
 */
export function scanJson(s: string, maxDepth = 1000): { positions: KeyPositions; error: JsonSyntaxError | null } {
  const positions: KeyPositions = new Map()
  const frames: JsonFrame[] = []
  let i = 0
  const ws = (): void => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++
  }
  const fail = (message: string): { positions: KeyPositions; error: JsonSyntaxError } => ({
    positions,
    error: { offset: i, message: i >= s.length ? `${message}, but the text ended` : `${message}, got ${JSON.stringify(s[i])}` },
  })
  /** Scans a string at `i`; returns false if it is malformed (then `i` is at the problem). */
  const string = (): boolean => {
    i++
    for (;;) {
      const c = s.charCodeAt(i)
      if (Number.isNaN(c) || c < 0x20) return false
      if (c === 0x22) {
        i++
        return true
      }
      if (c === 0x5c) {
        const e = s[i + 1]
        if (e === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(s.slice(i + 2, i + 6))) return false
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2
        } else {
          return false
        }
      } else {
        i++
      }
    }
  }
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

  let path = ''
  let key: Span | null = null
  for (;;) {
    // A value at `path`.
    ws()
    const start = i
    const c = s[i]
    if (c === '{' || c === '[') {
      if (frames.length >= maxDepth) return fail(`nesting deeper than ${maxDepth} levels is not accepted; expected a string, number, true, false or null`)
      i++
      const span = { start, end: i }
      positions.set(path, { key, value: span })
      frames.push({ isObject: c === '{', path, count: 0, span })
    } else if (c === '"') {
      if (!string()) return fail('expected a valid string character or escape')
      positions.set(path, { key, value: { start, end: i } })
    } else if (s.startsWith('true', i) || s.startsWith('null', i) || s.startsWith('false', i)) {
      i += c === 'f' ? 5 : 4
      positions.set(path, { key, value: { start, end: i } })
    } else {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(s)
      if (!m) return fail('expected a value')
      i += m[0].length
      positions.set(path, { key, value: { start, end: i } })
    }
    // Close containers until the next value's position is known.
    for (;;) {
      ws()
      const frame = frames[frames.length - 1]
      if (!frame) {
        return i < s.length ? fail('expected the end of the text') : { positions, error: null }
      }
      const close = frame.isObject ? '}' : ']'
      if (s[i] === close) {
        i++
        frame.span.end = i
        frames.pop()
        continue
      }
      if (frame.count > 0) {
        if (s[i] !== ',') return fail(`expected ',' or '${close}'`)
        i++
        ws()
      }
      if (frame.isObject) {
        if (s[i] !== '"') return fail('expected a property name in double quotes')
        const ks = i
        if (!string()) return fail('expected a valid string character or escape')
        key = { start: ks, end: i }
        path = keyPath(frame.path, JSON.parse(s.slice(ks, i)) as string)
        ws()
        if (s[i] !== ':') return fail("expected ':'")
        i++
      } else {
        key = null
        path = keyPath(frame.path, frame.count)
      }
      frame.count++
      break
    }
  }
}

// Terminal styling: colour only on a terminal that has colours, and never
// when NO_COLOR is set (https://no-color.org), so piped output and logs
// stay plain text.

/** SGR wrappers for one stream; each returns its text unchanged when colour is off. */
export interface Style {
  /** Whether this stream gets colour. */
  readonly enabled: boolean
  red(text: string): string
  green(text: string): string
  yellow(text: string): string
  cyan(text: string): string
  bold(text: string): string
  dim(text: string): string
}

/**
 * Whether `stream` is a terminal that should get colour: a TTY whose
 * terminal has colours (Node's `hasColors`, which honours TERM=dumb and
 * FORCE_COLOR=0) and NO_COLOR unset or empty.
 */
export function colourEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env['NO_COLOR']) return false
  return stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors()
}

/** The styles for `stream` (stdout or stderr: each is a terminal or not on its own). */
export function styleFor(stream: NodeJS.WriteStream): Style {
  const enabled = colourEnabled(stream)
  const sgr = (open: number, close: number) => (text: string) => (enabled && text ? `\x1b[${open}m${text}\x1b[${close}m` : text)
  return {
    enabled,
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    bold: sgr(1, 22),
    dim: sgr(2, 22),
  }
}

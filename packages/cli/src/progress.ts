// A progress bar for long work (compiling many modules, spec runs, fuzz
// campaigns): drawn on a terminal only, redrawn in place at most every
// REDRAW_MS; on anything else it draws nothing, and the caller prints its
// plain lines, so logs and pipes get text a program can read.
import { styleFor, type Style } from './term.js'

/** Redraws closer together than this are skipped (the last one always draws). */
const REDRAW_MS = 50

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** How many steps the work has. Required. */
  total: number
  /** Printed before the bar, e.g. `compile`. Default: none. */
  label?: string
  /** Where the bar is drawn. Default: `process.stderr`, so stdout stays the command's data. */
  stream?: NodeJS.WriteStream
}

/**
 * A progress bar on a terminal; on anything else every method but `log`
 * does nothing.
 *
 * @example
 * ```ts
 * const bar = new Progress({ total: files.length, label: 'compile' })
 * for (const f of files) { await work(f); bar.tick(f) }
 * bar.done()
 * ```
 */
export class Progress {
  /** Whether the bar is drawn (the stream is a terminal). */
  readonly active: boolean
  private readonly stream: NodeJS.WriteStream
  private readonly style: Style
  private readonly total: number
  private readonly label: string
  private current = 0
  private note = ''
  private lastDraw = 0
  private shown = false

  constructor(opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr
    this.active = this.stream.isTTY === true
    this.style = styleFor(this.stream)
    this.total = Math.max(0, opts.total)
    this.label = opts.label ?? ''
  }

  /** Sets how many steps are done and what is being worked on now. */
  update(done: number, note = this.note): void {
    this.current = Math.min(done, this.total)
    this.note = note
    if (!this.active) return
    const now = Date.now()
    if (this.current < this.total && now - this.lastDraw < REDRAW_MS) return
    this.lastDraw = now
    this.draw()
  }

  /** One more step done; `note` names what comes next or what just ended. */
  tick(note?: string): void {
    this.update(this.current + 1, note)
  }

  /** Prints `line` on `out` (default stdout) above the bar, which is then drawn again. */
  log(line: string, out: NodeJS.WriteStream = process.stdout): void {
    this.clear()
    out.write(`${line}\n`)
    // Many lines in a row redraw the bar once per REDRAW_MS; the next update brings it back.
    if (!this.shown) return
    if (Date.now() - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = Date.now()
      this.draw()
    } else this.shown = false
  }

  /** Takes the bar off the screen (the lines printed stay). */
  done(): void {
    this.clear()
    this.shown = false
  }

  private clear(): void {
    if (this.active && this.shown) this.stream.write('\r\x1b[2K')
  }

  private draw(): void {
    const columns = this.stream.columns || 80
    const count = `${this.current}/${this.total}`
    const percent = `${this.total === 0 ? 100 : Math.floor((this.current / this.total) * 100)}%`.padStart(4)
    const head = this.label ? `${this.label} ` : ''
    const width = Math.max(10, Math.min(40, columns - head.length - count.length - percent.length - 20))
    const filled = this.total === 0 ? width : Math.round((this.current / this.total) * width)
    const bar = `${this.style.cyan('█'.repeat(filled))}${this.style.dim('░'.repeat(width - filled))}`
    const room = columns - head.length - width - count.length - percent.length - 6
    const note = room > 3 && this.note ? ` ${this.note.length > room ? `…${this.note.slice(-(room - 1))}` : this.note}` : ''
    this.stream.write(`\r\x1b[2K${head}${bar} ${count} ${percent}${note}`)
    this.shown = true
  }
}

/**
 * {@link ByteStream}: guest output as an `AsyncIterable<Uint8Array>`, with a
 * bounded buffer. A producer's {@link ByteStream.write} returns a Promise
 * while the buffer holds `highWaterMark` bytes or more; a guest writing
 * through `cwasm.emit` or WASI stdout waits on that Promise, so a slow reader
 * holds a fast guest back and memory stays bounded.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js'

/** The default bound of a {@link ByteStream}'s buffer: 64 KiB. */
export const DEFAULT_HIGH_WATER_MARK = 64 * 1024

/**
 * A byte stream from a guest: iterate it with `for await`. The guest waits
 * while `highWaterMark` bytes or more are buffered and unread. Leaving the
 * loop early (`break`, `return`, a throw) cancels the call that produces it.
 * An error of that call is thrown by the loop after the chunks that came
 * before it.
 *
 * @example
 * ```ts
 * const s = new ByteStream({ highWaterMark: 16 * 1024 })
 * const run = rt.run(mod, { stdout: s.write })
 * run.finally(() => s.end())
 * for await (const chunk of s) process.stdout.write(chunk)
 * ```
 */
export class ByteStream implements AsyncIterable<Uint8Array> {
  /** The buffer bound in bytes. */
  readonly highWaterMark: number
  #chunks: Uint8Array[] = []
  #buffered = 0
  #peak = 0
  #total = 0
  #ended = false
  #error: unknown = undefined
  #failed = false
  #cancelled = false
  #reader: (() => void) | null = null
  #drain: (() => void)[] = []
  #onCancel: (() => void) | null

  /**
   * @param options - the buffer bound and what to call when the reader leaves early
   * @throws {@linkcode InvalidArgumentError} for a `highWaterMark` that is not a positive whole number.
   */
  constructor(
    options: {
      /** The buffer bound in bytes: a writer waits while the stream holds more. @default 65536 (64 KiB) */
      highWaterMark?: number
      /** Called once when the reader leaves the loop early. @default undefined (nothing is called) */
      onCancel?: () => void
    } = {},
  ) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidArgumentError('ByteStream options must be an object', 'options')
    if (options.onCancel !== undefined && typeof options.onCancel !== 'function') throw new InvalidArgumentError('onCancel must be a function', 'onCancel')
    const hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK
    if (!Number.isSafeInteger(hwm) || hwm < 1) throw new InvalidArgumentError('highWaterMark must be a whole number of bytes from 1', 'highWaterMark')
    this.highWaterMark = hwm
    this.#onCancel = options.onCancel ?? null
  }

  /**
   * Adds a chunk (copied). Returns `undefined` while there is room, or a
   * Promise that settles when the reader has brought the buffer under
   * `highWaterMark` (or left). A bound function: pass it as a WASI `stdout`.
   * Writes after the stream ended or was cancelled are dropped.
   */
  readonly write = (chunk: Uint8Array): Promise<void> | undefined => {
    if (!(chunk instanceof Uint8Array)) throw new InvalidArgumentError('a ByteStream takes Uint8Array chunks', 'chunk')
    if (this.#ended || this.#cancelled) return undefined
    const copy = Uint8Array.from(chunk)
    this.#chunks.push(copy)
    this.#buffered += copy.byteLength
    this.#total += copy.byteLength
    if (this.#buffered > this.#peak) this.#peak = this.#buffered
    this.#wake()
    if (this.#buffered < this.highWaterMark) return undefined
    return new Promise<void>((resolve) => this.#drain.push(resolve))
  }

  /**
   * Ends the stream: the loop finishes after the buffered chunks.
   * @throws never
   */
  end(): void {
    this.#ended = true
    this.#wake()
    this.#release()
  }

  /**
   * Ends the stream with an error, which the loop throws after the buffered chunks.
   * @throws never
   */
  fail(error: unknown): void {
    if (this.#ended) return
    this.#error = error
    this.#failed = true
    this.end()
  }

  /** Bytes buffered and unread now. */
  get buffered(): number {
    return this.#buffered
  }

  /** The most bytes ever buffered at once. */
  get peakBuffered(): number {
    return this.#peak
  }

  /** Bytes written so far. */
  get totalBytes(): number {
    return this.#total
  }

  /** Whether the reader left early. */
  get cancelled(): boolean {
    return this.#cancelled
  }

  #wake(): void {
    const r = this.#reader
    this.#reader = null
    r?.()
  }

  #release(): void {
    const waiting = this.#drain
    this.#drain = []
    for (const r of waiting) r()
  }

  #cancel(): void {
    if (this.#cancelled || (this.#ended && this.#chunks.length === 0)) return
    this.#cancelled = true
    this.#chunks = []
    this.#buffered = 0
    this.#release()
    this.#onCancel?.()
  }

  /**
   * Reads the chunks in order.
   * @throws never itself; the loop throws the producing call's error after the chunks that came before it
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        for (;;) {
          const chunk = this.#chunks.shift()
          if (chunk) {
            this.#buffered -= chunk.byteLength
            if (this.#buffered < this.highWaterMark) this.#release()
            return { value: chunk, done: false }
          }
          if (this.#ended || this.#cancelled) {
            if (this.#failed) {
              this.#failed = false
              throw this.#error
            }
            return { value: undefined, done: true }
          }
          await new Promise<void>((resolve) => (this.#reader = resolve))
        }
      },
      return: async (): Promise<IteratorResult<Uint8Array>> => {
        this.#cancel()
        return { value: undefined, done: true }
      },
    }
  }
}

/**
 * `executor.map`: many calls, at most `concurrency` at a time, results as
 * they complete (or in input order), inputs read lazily.
 *
 * @module
 */
import { setMaxListeners } from 'node:events'
import { CancelledError, InvalidArgumentError } from '../errors.js'
import type { MapOptions } from '../options/options.generated.js'

export type { MapOptions }

/** Progress of a {@link Executor.map} batch. */
export interface MapProgress {
  /** Items finished (succeeded or failed). */
  done: number
  /** Items that failed. */
  failed: number
  /** Items read from the inputs so far (the total once they are all read). */
  total: number
  /** Whether every input has been read (`total` is final). */
  totalKnown: boolean
}

/** One item's outcome in a {@link Executor.map} batch. */
export type MapResult<I> =
  | { index: number; input: I; ok: true; value: unknown }
  | { index: number; input: I; ok: false; error: unknown }

/** @internal */
export function mapCalls<I>(
  inputs: Iterable<I> | AsyncIterable<I>,
  options: MapOptions,
  defaultConcurrency: number,
  call: (input: I, signal: AbortSignal) => Promise<unknown>,
): AsyncIterable<MapResult<I>> {
  const concurrency = options.concurrency ?? defaultConcurrency
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError('concurrency must be a whole number from 1', 'concurrency')
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new InvalidArgumentError('onProgress must be a function', 'onProgress')
  const asyncIt = (inputs as AsyncIterable<I>)[Symbol.asyncIterator]
  const syncIt = (inputs as Iterable<I>)[Symbol.iterator]
  if (typeof asyncIt !== 'function' && typeof syncIt !== 'function') throw new InvalidArgumentError('inputs must be iterable or async iterable', 'inputs')
  return {
    [Symbol.asyncIterator]: () => run(inputs, options, concurrency, call),
  }
}

async function* run<I>(
  inputs: Iterable<I> | AsyncIterable<I>,
  options: MapOptions,
  concurrency: number,
  call: (input: I, signal: AbortSignal) => Promise<unknown>,
): AsyncGenerator<MapResult<I>> {
  const ac = new AbortController()
  // One listener per running item (up to `concurrency`), not a leak.
  setMaxListeners(0, ac.signal)
  const outer = options.signal
  if (outer?.aborted) throw new CancelledError('the batch was cancelled before it started', { cause: outer.reason })
  const onAbort = () => ac.abort(outer!.reason)
  outer?.addEventListener('abort', onAbort, { once: true })
  const source: AsyncIterator<I> | Iterator<I> =
    typeof (inputs as AsyncIterable<I>)[Symbol.asyncIterator] === 'function'
      ? (inputs as AsyncIterable<I>)[Symbol.asyncIterator]()
      : (inputs as Iterable<I>)[Symbol.iterator]()
  const ordered = options.ordered ?? false
  let running = 0
  let next = 0 // index of the next input to read
  let emit = 0 // ordered: index of the next result to yield
  let exhausted = false
  let done = 0
  let failed = 0
  const ready: MapResult<I>[] = [] // unordered: finished, unread
  const byIndex = new Map<number, MapResult<I>>() // ordered: finished, unread
  let wake: (() => void) | null = null
  const notify = () => {
    const w = wake
    wake = null
    w?.()
  }
  const unread = () => (ordered ? byIndex.size : ready.length)
  ac.signal.addEventListener('abort', notify, { once: true })
  try {
    for (;;) {
      // Start items while there is room: running plus unread stays within concurrency.
      while (!exhausted && !ac.signal.aborted && running + unread() < concurrency) {
        const r = await source.next()
        if (r.done) {
          exhausted = true
          break
        }
        const index = next++
        const input = r.value
        running++
        call(input, ac.signal).then(
          (value) => finish({ index, input, ok: true, value }),
          (error) => finish({ index, input, ok: false, error }),
        )
      }
      if (ac.signal.aborted && outer?.aborted) throw new CancelledError('the batch was cancelled', { cause: outer.reason })
      let item: MapResult<I> | undefined
      if (ordered) {
        item = byIndex.get(emit)
        if (item) {
          byIndex.delete(emit)
          emit++
        }
      } else item = ready.shift()
      if (item) {
        if (!item.ok && options.stopOnError) throw item.error
        yield item
        continue
      }
      if (exhausted && running === 0) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    outer?.removeEventListener('abort', onAbort)
    // Left early (break, throw, stopOnError, abort): cancel what still runs.
    if (running > 0 || !exhausted) ac.abort(new CancelledError('the map loop ended early'))
    if (!exhausted) await (source as AsyncIterator<I>).return?.()
  }

  function finish(r: MapResult<I>): void {
    running--
    done++
    if (!r.ok) failed++
    if (ordered) byIndex.set(r.index, r)
    else ready.push(r)
    try {
      options.onProgress?.({ done, failed, total: next, totalKnown: exhausted })
    } catch {
      // A throwing progress callback must not break the batch.
    }
    notify()
  }
}

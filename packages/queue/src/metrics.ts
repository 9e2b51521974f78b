/**
 * Summaries of per-job figures (wall time, fuel) a worker keeps for its
 * {@link QueueWorker.metrics}.
 *
 * @module
 */

/**
 * A summary of one figure over a worker's jobs: `count`, `sum`, `min` and
 * `max` over every job since the worker started; `p50` and `p95` over the
 * most recent {@link SAMPLE_WINDOW} jobs (nearest-rank). All are 0 before
 * the first job.
 */
export interface MetricSummary {
  /** Jobs counted. */
  count: number
  /** Sum over those jobs. */
  sum: number
  /** The smallest value. */
  min: number
  /** The largest value. */
  max: number
  /** The median of the recent jobs. */
  p50: number
  /** The 95th percentile of the recent jobs. */
  p95: number
}

/** How many recent jobs the percentiles of a {@link MetricSummary} are taken over. */
export const SAMPLE_WINDOW = 1024

/** Accumulates one figure. @internal */
export class Summary {
  #count = 0
  #sum = 0
  #min = Infinity
  #max = -Infinity
  #ring = new Float64Array(SAMPLE_WINDOW)

  add(v: number): void {
    this.#ring[this.#count % SAMPLE_WINDOW] = v
    this.#count++
    this.#sum += v
    if (v < this.#min) this.#min = v
    if (v > this.#max) this.#max = v
  }

  get(): MetricSummary {
    const n = Math.min(this.#count, SAMPLE_WINDOW)
    if (n === 0) return { count: 0, sum: 0, min: 0, max: 0, p50: 0, p95: 0 }
    const sorted = this.#ring.slice(0, n).sort()
    const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * n) - 1)]!
    return { count: this.#count, sum: this.#sum, min: this.#min, max: this.#max, p50: rank(0.5), p95: rank(0.95) }
  }
}

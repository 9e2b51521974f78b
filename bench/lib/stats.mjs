// Timing and statistics helpers for the benchmark suite. No dependencies.
//
// All times are in milliseconds (float), taken with process.hrtime.bigint().
//
//   const times = await measure(() => k.run(n), { warmup: 2, reps: 15 });
//   summarize(times)   // { median, q1, q3, iqr, rel_iqr, min, max, rel_range, ... }
//
//   const r = await interleave([{ name: 'ours', fn: a }, { name: 'v8', fn: b }], 15);
//   r.ours, r.v8       // times per contender, collected in alternating rounds
//   ratio(r.ours, r.v8)

/** Current monotonic time in ms. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

const isThenable = (v) => v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';

/** Time one call of fn (sync or async) in ms. Returns { ms, value }. */
export async function timeOnce(fn) {
  const t0 = process.hrtime.bigint();
  let value = fn();
  if (isThenable(value)) value = await value;
  const t1 = process.hrtime.bigint();
  return { ms: Number(t1 - t0) / 1e6, value };
}

/**
 * Call fn `warmup` times untimed, then `reps` times timed. fn may be sync or
 * return a promise (awaited inside the timed region).
 * @param {() => unknown} fn
 * @param {{ warmup?: number, reps?: number, check?: (value: unknown) => void }} [opts]
 *   check: called with every result (warm-up included), e.g. to assert a checksum
 * @returns {Promise<number[]>} per-call times in ms, in call order
 */
export async function measure(fn, { warmup = 1, reps = 10, check } = {}) {
  for (let i = 0; i < warmup; i++) {
    const { value } = await timeOnce(fn);
    if (check) check(value);
  }
  const times = [];
  for (let i = 0; i < reps; i++) {
    const { ms, value } = await timeOnce(fn);
    if (check) check(value);
    times.push(ms);
  }
  return times;
}

/** Synchronous measure() for synchronous fns (no await between calls). */
export function measureSync(fn, { warmup = 1, reps = 10, check } = {}) {
  for (let i = 0; i < warmup; i++) {
    const value = fn();
    if (check) check(value);
  }
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    const value = fn();
    const t1 = process.hrtime.bigint();
    if (check) check(value);
    times.push(Number(t1 - t0) / 1e6);
  }
  return times;
}

const sorted = (xs) => Float64Array.from(xs).sort();

/** Linear-interpolated quantile (like R type 7 / numpy default), q in [0, 1]. */
export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function median(xs) {
  return quantile(xs, 0.5);
}

export function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/**
 * Relative spread: interquartile range divided by the median (0.05 = the
 * middle half of the samples lies within a 5% band).
 */
export function spread(xs) {
  const m = median(xs);
  return (quantile(xs, 0.75) - quantile(xs, 0.25)) / m;
}

/** (max - min) / median: the pessimistic spread. */
export function rangeSpread(xs) {
  return (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

/** Everything a report needs about one sample of times (ms). */
export function summarize(xs) {
  const m = median(xs);
  const q1 = quantile(xs, 0.25);
  const q3 = quantile(xs, 0.75);
  const mu = mean(xs);
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1)) : 0;
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return {
    reps: xs.length,
    median: m,
    mean: mu,
    stdev: sd,
    min,
    max,
    q1,
    q3,
    iqr: q3 - q1,
    rel_iqr: (q3 - q1) / m,
    rel_range: (max - min) / m,
  };
}

/**
 * Compare two samples. `ratio` is median(ours) / median(base) (> 1 = ours slower).
 * When both come from interleave() (same length, same rounds), `paired` is the
 * median of per-round ratios, which cancels noise that hits both in a round.
 */
export function ratio(ours, base) {
  const out = { ratio: median(ours) / median(base) };
  if (ours.length === base.length && ours.length > 0) {
    out.paired = median(ours.map((t, i) => t / base[i]));
  }
  return out;
}

/**
 * Run several contenders in alternating rounds so they all see the same
 * machine noise (thermal, frequency, neighbours) instead of one running
 * entirely before the other.
 *
 * Each round gives every contender one turn; the order is reversed on
 * alternate rounds (A B, B A, A B, ...) so no one always runs first.
 *
 * A contender is either
 *   { name, fn }            fn() (sync or async) is timed here, `block` calls per turn
 *   { name, sample(count) } self-timed: runs `count` calls and returns/resolves
 *                           their times in ms (e.g. a native process timing
 *                           itself; see native.mjs nativeContender())
 * Optional per contender: check(value) to validate every fn result.
 *
 * @param {Array<{ name: string, fn?: () => unknown, sample?: (count: number) => number[] | Promise<number[]>, check?: (v: unknown) => void }>} pairs
 * @param {number | { reps?: number, warmup?: number, block?: number, onRound?: (round: number) => void }} reps
 *   reps: timed calls per contender (default 10); warmup: untimed rounds first
 *   (default 1); block: calls per turn (default 1; use >1 for self-timed
 *   contenders with a per-turn startup cost)
 * @returns {Promise<Record<string, number[]>>} times in ms per contender name,
 *   index i of every array comes from the same round when block = 1
 */
export async function interleave(pairs, reps = 10) {
  const opts = typeof reps === 'number' ? { reps } : { ...reps };
  const total = opts.reps ?? 10;
  const warmup = opts.warmup ?? 1;
  const block = Math.max(1, opts.block ?? 1);
  if (!Array.isArray(pairs) || pairs.length === 0) throw new Error('interleave: need at least one contender');
  const names = new Set();
  for (const p of pairs) {
    if (!p || typeof p.name !== 'string') throw new Error('interleave: every contender needs a name');
    if (names.has(p.name)) throw new Error(`interleave: duplicate contender ${p.name}`);
    if (typeof p.fn !== 'function' && typeof p.sample !== 'function') {
      throw new Error(`interleave: ${p.name} needs fn or sample`);
    }
    names.add(p.name);
  }

  const turn = async (p, count) => {
    if (p.sample) {
      const ts = await p.sample(count);
      if (!Array.isArray(ts) || ts.length !== count) {
        throw new Error(`interleave: ${p.name}.sample(${count}) returned ${Array.isArray(ts) ? ts.length : typeof ts} times`);
      }
      return ts;
    }
    const ts = [];
    for (let i = 0; i < count; i++) {
      const { ms, value } = await timeOnce(p.fn);
      if (p.check) p.check(value);
      ts.push(ms);
    }
    return ts;
  };

  for (let w = 0; w < warmup; w++) {
    const order = w % 2 ? [...pairs].reverse() : pairs;
    for (const p of order) await turn(p, 1);
  }

  const out = Object.fromEntries(pairs.map((p) => [p.name, []]));
  for (let round = 0, done = 0; done < total; round++) {
    const count = Math.min(block, total - done);
    const order = round % 2 ? [...pairs].reverse() : pairs;
    for (const p of order) out[p.name].push(...(await turn(p, count)));
    done += count;
    if (opts.onRound) opts.onRound(round);
  }
  return out;
}

/** Format ms for humans: 3 significant digits. */
export function fmtMs(ms) {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

// Result records: the objects bench/results.json is an array of.
//
//   { id, ours, baseline, baseline_name, ratio, unit,      <- the contract
//     ours_spread, baseline_spread, reps, paired_ratio,    <- extra detail
//     goal, met, ... }
//
// `ours` and `baseline` are medians (in `unit`), `ratio = ours / baseline`,
// and lower is better for every id. `*_spread` is the relative interquartile
// range of the samples (0.02 = the middle half lies within 2% of the median).

import { median, spread } from './stats.mjs';

/** Target ratios from the issue; `met` is `ratio <= goal`. */
export const GOALS = {
  'compute.geomean.vs_v8': 1.0,
  'compute.geomean.vs_native': 1.3,
  'call.sync.vs_napi_noop': 2,
  'instantiate.vs_v8': 0.3,
  'load.cwasm_vs_compile': 0.05,
  'parallel.2t_vs_1t': 0.55,
  'parallel.vs_piscina_v8': 1.0,
  'executor.map.2t_vs_1t': 0.55,
  'executor.map.vs_piscina_v8': 1.0,
  'metering.fuel': 1.15,
  'metering.epoch': 1.15,
  'memory.1000_instances.vs_v8': 0.8,
  'wasi.program.cwasm_vs_node_wasi': 0.15,
  'cli.run.cwasm_vs_node_wasi': 0.35,
  'wasi.program.cold_vs_node_wasi': 3,
  'wasi.program.cache_vs_node_wasi': 0.15,
  'coldstart.first_result.vs_v8': 2.5,
  'coldstart.compile.winch_vs_cranelift': 0.25,
};

const round = (x, digits = 6) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

function finish(rec) {
  const goal = GOALS[rec.id];
  if (goal !== undefined) {
    rec.goal = goal;
    rec.met = rec.ratio <= goal;
  }
  return rec;
}

/**
 * A record from two samples of raw values (e.g. times in ms). `scale`
 * converts a raw value into `unit` (e.g. 1e6 for ms → ns).
 */
export function fromSamples(id, oursSamples, baseSamples, { baseline_name, unit, scale = 1, extra = {} }) {
  if (!oursSamples.length || !baseSamples.length) throw new Error(`${id}: empty sample`);
  const ours = median(oursSamples) * scale;
  const baseline = median(baseSamples) * scale;
  const rec = finish({
    id,
    ours: round(ours),
    baseline: round(baseline),
    baseline_name,
    ratio: round(ours / baseline),
    unit,
    ours_spread: round(spread(oursSamples), 3),
    baseline_spread: round(spread(baseSamples), 3),
    reps: Math.min(oursSamples.length, baseSamples.length),
    // Samples taken in the same interleaved rounds: the median of per-round
    // ratios, which cancels noise that hit both sides in one round.
    ...(oursSamples.length === baseSamples.length ? { paired_ratio: round(median(oursSamples.map((x, i) => x / baseSamples[i])), 4) } : {}),
    ...extra,
  });
  return keepRaw(rec, ours, baseline);
}

/** A record from two already-reduced values. */
export function fromValues(id, ours, baseline, { baseline_name, unit, extra = {} }) {
  const rec = finish({ id, ours: round(ours), baseline: round(baseline), baseline_name, ratio: round(ours / baseline), unit, ...extra });
  return keepRaw(rec, ours, baseline);
}

export const geomean = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

/**
 * Geometric mean over several records: `ours` and `baseline` are the
 * geometric means of theirs, so `ratio` is the geometric mean of the ratios.
 * Computed from the unrounded medians.
 */
export function geomeanRecord(id, records, { baseline_name, unit }) {
  const o = geomean(records.map((r) => r._ours ?? r.ours));
  const b = geomean(records.map((r) => r._baseline ?? r.baseline));
  return fromValues(id, o, b, { baseline_name, unit, extra: { of: records.map((r) => r.id) } });
}

// Unrounded values for aggregation; not enumerable, so JSON.stringify skips them.
function keepRaw(rec, ours, baseline) {
  Object.defineProperty(rec, '_ours', { value: ours, enumerable: false });
  Object.defineProperty(rec, '_baseline', { value: baseline, enumerable: false });
  return rec;
}

// Child process for instantiate.*: a steady-state loop of
// "fresh instance of an already compiled small module, one add(1, 2) call,
// drop it", as a long-running program would do it: disposal is left to the
// garbage collector, and the loop yields to the event loop every `YIELD`
// iterations (napi finalizers, which free our native stores, and V8's own
// cleanup tasks run there).
//
//   node bench/children/instantiate.mjs <ours|ours_pooling|v8> <warmup> <iterations>
//
// Prints JSON { side, iterations, us_per_instance, rss_mib, gc } for the
// timed iterations (after `warmup` untimed ones); gc counts the garbage
// collections (minor, major) and their total ms during the timed loop.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { smallModuleBytes } from '../lib/modules.mjs';

const YIELD = 16;

const [side, warmupArg, itersArg] = process.argv.slice(2);
const warmup = Number(warmupArg);
const iters = Number(itersArg);
if (!['ours', 'ours_pooling', 'v8'].includes(side) || !(warmup >= 0) || !(iters > 0)) {
  console.error('usage: instantiate.mjs <ours|ours_pooling|v8> <warmup> <iterations>');
  process.exit(64);
}

const bytes = smallModuleBytes();
let once;
if (side === 'v8') {
  const mod = new WebAssembly.Module(bytes);
  once = () => new WebAssembly.Instance(mod, {}).exports.add(1, 2);
} else {
  const { Engine, Module, Store } = await import('@cybernetic/wasm');
  const engine =
    side === 'ours'
      ? Engine.shared()
      : Engine.shared({ pooling: { totalInstances: 4000, totalMemories: 4000, totalTables: 4000, maxMemorySize: 1 << 20 } });
  const mod = Module.compile(engine, bytes);
  once = () => new Store(engine).instantiate(mod).func('add').call(1, 2);
}

async function loop(n) {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    sink += once();
    if (i % YIELD === YIELD - 1) await tick();
  }
  if (sink !== 3 * n) throw new Error(`add(1, 2) returned wrong results (${sink} for ${n} calls)`);
}

// Garbage collections during the timed loop: count and time, by kind.
const gcs = { minor: 0, major: 0, other: 0, ms: 0 };
let timing = false;
const obs = new PerformanceObserver((list) => {
  if (!timing) return;
  for (const e of list.getEntries()) {
    const kind = e.detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
    else gcs.other++;
    gcs.ms += e.duration;
  }
});
obs.observe({ entryTypes: ['gc'] });

await loop(warmup);
timing = true;
const t0 = process.hrtime.bigint();
await loop(iters);
const t1 = process.hrtime.bigint();
await tick(); // deliver the last gc entries
timing = false;
obs.disconnect();
console.log(
  JSON.stringify({
    side,
    iterations: iters,
    us_per_instance: Number(t1 - t0) / 1e3 / iters,
    rss_mib: process.memoryUsage().rss / 1048576,
    gc: gcs,
  }),
);

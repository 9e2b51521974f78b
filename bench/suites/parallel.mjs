// parallel.2t_vs_1t and parallel.vs_piscina_v8: wall time for a fixed batch
// of kernel calls (every compute kernel twice, at its manifest n).
//
// Ours runs the batch with 1-way and 2-way parallelism, by one of two paths:
//  - native off-thread calls, when the runtime has them
//    (`typeof Func.prototype.callAsync === 'function'`): k lanes, each with
//    its own Store + instances, each awaiting func.callAsync(n) in turn;
//  - otherwise worker_threads: k workers, each loading our runtime and its
//    own Store + instances (bench/workers/ours-kernels.mjs).
// Baseline: the same batch on piscina with 2 threads running V8 WebAssembly.
// Tasks are handed out one at a time to whichever lane/worker is free.

import { Worker } from 'node:worker_threads';
import { Engine, Func, Module, Store } from '@cybernetic/wasm';
import { Piscina } from 'piscina';
import { loadManifest, wasmBytes } from '../lib/kernels.mjs';
import { smallModuleBytes } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, median } from '../lib/stats.mjs';

export const title = 'Parallel calls';

const OURS_WORKER = new URL('../workers/ours-kernels.mjs', import.meta.url);
const PISCINA_WORKER = new URL('../workers/piscina-v8-kernels.mjs', import.meta.url);

/** Pull-based dispatch: `lanes` async runners share one queue of tasks. */
async function dispatch(lanes, tasks, runOne) {
  const queue = tasks.map((t, i) => ({ ...t, i }));
  const out = new Array(tasks.length);
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let t = queue.shift(); t; t = queue.shift()) out[t.i] = await runOne(lane, t);
    }),
  );
  return out;
}

/** k worker_threads running our runtime. */
async function startWorkers(k) {
  const workers = await Promise.all(
    Array.from(
      { length: k },
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(OURS_WORKER);
          w.once('error', reject);
          w.once('message', (m) => (m.ready ? resolve(w) : reject(new Error(`unexpected message ${JSON.stringify(m)}`))));
        }),
    ),
  );
  let nextId = 0;
  const call = (w, name, n) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (m) => {
        if (m.id !== id) return;
        w.off('message', onMessage);
        if (m.error) reject(new Error(m.error));
        else resolve(m.value);
      };
      w.on('message', onMessage);
      w.postMessage({ id, name, n });
    });
  return {
    runBatch: (tasks) => dispatch(k, tasks, (lane, t) => call(workers[lane], t.name, t.n)),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

/**
 * How to pass arguments to callAsync: `callAsync([a, b])` (array, optional
 * options object) or `callAsync(a, b)`. Probed once on a tiny module.
 */
async function callAsyncStyle(engine) {
  const add = new Store(engine).instantiate(Module.compile(engine, smallModuleBytes())).func('add');
  try {
    if ((await add.callAsync([40, 2])) === 42) return (f, args) => f.callAsync(args);
  } catch {}
  if ((await add.callAsync(40, 2)) === 42) return (f, args) => f.callAsync(...args);
  throw new Error('func.callAsync exists but neither callAsync([40, 2]) nor callAsync(40, 2) returned 42');
}

/** k lanes of native off-thread calls, each lane with its own Store per kernel. */
async function startAsyncLanes(k) {
  const engine = Engine.shared();
  const callAsync = await callAsyncStyle(engine);
  const lanes = Array.from({ length: k }, () => {
    const funcs = new Map();
    for (const kn of loadManifest()) {
      const store = new Store(engine);
      funcs.set(kn.name, store.instantiate(Module.compile(engine, wasmBytes(kn.name))).func('run'));
    }
    return funcs;
  });
  return {
    runBatch: (tasks) => dispatch(k, tasks, async (lane, t) => (await callAsync(lanes[lane].get(t.name), [t.n])) >>> 0),
    close: async () => {},
  };
}

export async function run(ctx) {
  const manifest = loadManifest();
  const copies = 2;
  const tasks = manifest.flatMap((k) => Array.from({ length: copies }, () => ({ name: k.name, n: k.n })));
  const expected = tasks.map((t) => manifest.find((k) => k.name === t.name).checksum);
  const check = (who) => (values) => {
    values.forEach((v, i) => {
      if (v !== expected[i]) throw new Error(`${who}: ${tasks[i].name} returned ${v}, expected ${expected[i]}`);
    });
  };

  const hasCallAsync = typeof Func.prototype.callAsync === 'function';
  const ASYNC = 'native off-thread calls (func.callAsync)';
  const WORKERS = 'worker_threads (one runtime per worker)';
  const path = hasCallAsync ? ASYNC : WORKERS;
  ctx.log(`ours: ${path}${hasCallAsync ? `; also measuring ${WORKERS} for comparison` : ''}`);
  const pools = {};
  const piscina = new Piscina({ filename: PISCINA_WORKER.href, minThreads: 2, maxThreads: 2, idleTimeout: 600_000 });
  // The same batch on one piscina thread: V8's own speed on this work, to
  // tell the kernels' speed apart from how each side scales.
  const piscina1 = new Piscina({ filename: PISCINA_WORKER.href, minThreads: 1, maxThreads: 1, idleTimeout: 600_000 });
  try {
    const start = hasCallAsync ? startAsyncLanes : startWorkers;
    pools.ours_1t = await start(1);
    pools.ours_2t = await start(2);
    if (hasCallAsync) {
      pools.workers_1t = await startWorkers(1);
      pools.workers_2t = await startWorkers(2);
    }
    const contenders = [
      ...Object.entries(pools).map(([name, pool]) => ({ name, fn: () => pool.runBatch(tasks), check: check(name) })),
      { name: 'piscina_2t', fn: () => Promise.all(tasks.map((t) => piscina.run(t))), check: check('piscina') },
      { name: 'piscina_1t', fn: () => Promise.all(tasks.map((t) => piscina1.run(t))), check: check('piscina, 1 thread') },
    ];
    // Warm-up: V8 tiers up inside each piscina worker; ours touches every instance.
    for (let i = 0; i < 2; i++) for (const c of contenders) c.check(await c.fn());
    const reps = ctx.reps(17);
    const t = await interleave(contenders, { reps, warmup: 1 });

    const unit = 'ms/batch';
    const piscinaName = `piscina ${Piscina.version ?? '5'}, 2 threads, V8 WebAssembly`;
    const piscina1Name = `piscina ${Piscina.version ?? '5'}, 1 thread, V8 WebAssembly`;
    const records = [
      fromSamples('parallel.2t_vs_1t', t.ours_2t, t.ours_1t, { baseline_name: 'ours, 1 thread', unit, extra: { path } }),
      fromSamples('parallel.vs_piscina_v8', t.ours_2t, t.piscina_2t, { baseline_name: piscinaName, unit, extra: { path } }),
      fromSamples('parallel.1t.vs_piscina_v8_1t', t.ours_1t, t.piscina_1t, { baseline_name: piscina1Name, unit, extra: { path } }),
      fromSamples('parallel.piscina_v8.2t_vs_1t', t.piscina_2t, t.piscina_1t, { baseline_name: piscina1Name, unit }),
    ];
    if (hasCallAsync) {
      records.push(
        fromSamples('parallel.workers.2t_vs_1t', t.workers_2t, t.workers_1t, { baseline_name: 'ours on worker_threads, 1 thread', unit, extra: { path: WORKERS } }),
        fromSamples('parallel.workers.vs_piscina_v8', t.workers_2t, t.piscina_2t, { baseline_name: piscinaName, unit, extra: { path: WORKERS } }),
      );
    }
    for (const r of records) ctx.emit(r);
    const ms = (name) => `${median(t[name]).toFixed(0)} ms`;
    const details = [
      `Batch: ${tasks.length} kernel calls (each of the ${manifest.length} compute kernels ${copies}×, manifest \`n\`), every result checked. Ours used **${path}**${hasCallAsync ? ' (`Func.prototype.callAsync` is present): k lanes, each with its own `Store` and instances per kernel, each awaiting `func.callAsync` one call at a time' : ' (`Func.prototype.callAsync` is absent): k `worker_threads`, each loading the runtime with its own `Store` and instances'}; 1 vs 2 lanes, tasks handed out one at a time to whichever lane is free. Baseline: ${piscinaName} (\`minThreads = maxThreads = 2\`), each worker instantiating the same .wasm files; the same batch on one piscina thread (\`piscina_1t\`) gives V8's own speed on this work. Everything is started and warmed up (2 batches each) before timing; ${reps} batches per contender, interleaved.${hasCallAsync ? ' For comparison, the worker_threads path was measured too (extra ids `parallel.workers.*`).' : ''}`,
      '',
      '| contender | median batch time |',
      '|---|---:|',
      ...contenders.map((c) => `| ${c.name} | ${ms(c.name)} |`),
    ];
    const notes = {
      'parallel.2t_vs_1t': `Measured batch times (${path}): 1 lane ${ms('ours_1t')}, 2 lanes ${ms('ours_2t')}; perfect scaling would be 0.5.${hasCallAsync ? ` With worker_threads instead: 1 thread ${ms('workers_1t')}, 2 threads ${ms('workers_2t')} (ratio ${records.find((r) => r.id === 'parallel.workers.2t_vs_1t').ratio.toFixed(2)}).` : ''}`,
      'parallel.vs_piscina_v8': (() => {
        const [, vsP, oneThread, pScaling] = records;
        const ours = records[0].ratio;
        const split =
          oneThread.ratio > 1 && ours <= pScaling.ratio
            ? ` So the gap is the kernels' own speed on one thread (${oneThread.ratio.toFixed(2)}, Cranelift's code against TurboFan's, as in \`compute.*.vs_v8\`), not dispatch: our 2 lanes scale as well as piscina's threads or better.`
            : '';
        return `Measured batch times: ours with 2 lanes ${ms('ours_2t')}, piscina + V8 with 2 threads ${ms('piscina_2t')}${hasCallAsync ? `, ours on 2 worker_threads ${ms('workers_2t')}` : ''}. On one thread each: ours ${ms('ours_1t')}, piscina + V8 ${ms('piscina_1t')} (\`parallel.1t.vs_piscina_v8_1t\` ${oneThread.ratio.toFixed(2)}); going from 1 to 2 threads takes ours to ${ours.toFixed(2)}× and piscina to ${pScaling.ratio.toFixed(2)}× (\`parallel.piscina_v8.2t_vs_1t\`), so ${vsP.ratio.toFixed(2)} = ${oneThread.ratio.toFixed(2)} × ${ours.toFixed(2)} / ${pScaling.ratio.toFixed(2)} (the kernels' speed on one thread × how much better or worse than piscina's ours scales).${split}`;
      })(),
    };
    return { records, notes, details };
  } finally {
    await Promise.all([...Object.values(pools).map((p) => p.close()), piscina.destroy(), piscina1.destroy()]);
  }
}

// executor.*: the executor (createExecutor / rt.executor) on the same work
// as its alternatives, measured in one interleaved run.
//
//  - executor.map.2t_vs_1t: a batch of kernel calls (every compute kernel
//    twice, at its manifest n) through executor.map, threads 2 against threads 1;
//  - executor.map.vs_piscina_v8: the same batch, executor (2 threads) against
//    piscina with 2 threads running the same .wasm on V8;
//  - executor.map.vs_main_loop: the executor (2 threads) against a plain loop
//    of synchronous calls on the main thread (our runtime, same kernels);
//  - executor.host_calls.workers_vs_pool: a module that calls a JS host
//    function in a loop, run on piscina workers with the host file (host
//    functions called on the worker) against the native pool with in-process
//    imports (a hop to the main thread per host call);
//  - executor.small.vs_piscina_v8: 2,000 tiny calls through executor.map
//    against the same calls as piscina tasks on V8.
//
// Every result is checked.

import { createRuntime } from '@cybernetic/wasm';
import { Piscina } from 'piscina';
import { loadManifest, wasmBytes } from '../lib/kernels.mjs';
import { smallModuleBytes, watToWasm } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, median } from '../lib/stats.mjs';

export const title = 'Executor';

const PISCINA_KERNELS = new URL('../workers/piscina-v8-kernels.mjs', import.meta.url);
const PISCINA_SMALL = new URL('../workers/piscina-v8-small.mjs', import.meta.url);
const HOST_FILE = new URL('../workers/host-tick.mjs', import.meta.url);

const HOST_CALLS = 20_000;
const HOST_WAT = `(module
  (import "env" "tick" (func $tick (param i32) (result i32)))
  (func (export "ticks") (param $n i32) (result i32) (local $x i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $x (call $tick (local.get $x)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    local.get $x))`;

async function drain(it) {
  const out = [];
  for await (const r of it) {
    if (!r.ok) throw r.error;
    out.push(r);
  }
  return out;
}

export async function run(ctx) {
  const rt = await createRuntime({ maxExecutionTime: 60_000 });
  const manifest = loadManifest();
  const copies = 2;
  const mods = new Map(manifest.map((k) => [k.name, rt.compile(wasmBytes(k.name))]));
  const tasks = manifest.flatMap((k) => Array.from({ length: copies }, () => ({ name: k.name, n: k.n })));
  const expected = new Map(manifest.map((k) => [k.name, k.checksum]));
  const checkAll = (who, results) => {
    for (const [name, values] of results) {
      for (const v of values) if (v >>> 0 !== expected.get(name)) throw new Error(`${who}: ${name} returned ${v >>> 0}, expected ${expected.get(name)}`);
    }
  };
  // One map per kernel, all at once: the executor's threads bound the concurrency.
  const mapBatch = async (ex) => {
    const per = await Promise.all(manifest.map(async (k) => [k.name, (await drain(ex.map(mods.get(k.name), 'run', Array(copies).fill(k.n)))).map((r) => r.value)]));
    return per;
  };
  const ex1 = rt.createExecutor({ threads: 1 });
  const ex2 = rt.createExecutor({ threads: 2 });
  const piscina = new Piscina({ filename: PISCINA_KERNELS.href, minThreads: 2, maxThreads: 2, idleTimeout: 600_000 });
  const piscinaSmall = new Piscina({ filename: PISCINA_SMALL.href, minThreads: 2, maxThreads: 2, idleTimeout: 600_000 });
  const hostMod = rt.compile(watToWasm(HOST_WAT));
  const smallMod = rt.compile(smallModuleBytes());
  try {
    // A loop on the main thread: our runtime, synchronous calls, one store per kernel.
    const mainLoop = () => {
      const per = new Map();
      const stores = new Map(manifest.map((k) => [k.name, rt.createStore({}, null).instantiate(mods.get(k.name)).func('run')]));
      for (const t of tasks) {
        if (!per.has(t.name)) per.set(t.name, []);
        per.get(t.name).push(stores.get(t.name).call(t.n));
      }
      for (const f of stores.values()) f.store.release();
      return [...per];
    };
    const piscinaBatch = async () => {
      const values = await Promise.all(tasks.map((t) => piscina.run(t)));
      const per = new Map();
      tasks.forEach((t, i) => {
        if (!per.has(t.name)) per.set(t.name, []);
        per.get(t.name).push(values[i]);
      });
      return [...per];
    };
    const heavy = [
      { name: 'ex_2t', fn: () => mapBatch(ex2), check: (v) => checkAll('executor 2t', v) },
      { name: 'ex_1t', fn: () => mapBatch(ex1), check: (v) => checkAll('executor 1t', v) },
      { name: 'piscina_2t', fn: piscinaBatch, check: (v) => checkAll('piscina', v) },
      { name: 'main_loop', fn: mainLoop, check: (v) => checkAll('main loop', v) },
    ];
    for (const c of heavy) c.check(await c.fn());
    const reps = ctx.reps(11);
    ctx.log(`kernel batch: ${tasks.length} calls, ${reps} reps per contender`);
    const t = await interleave(heavy, { reps, warmup: 1 });

    // Host-call heavy: 8 calls, each making HOST_CALLS host calls.
    const hostCalls = Array.from({ length: 8 }, () => HOST_CALLS);
    const tick = { env: { tick: (x) => x + 1 } };
    const hostCheck = (v) => {
      for (const r of v) if (r.value !== HOST_CALLS) throw new Error(`host calls: got ${r.value}`);
    };
    const host = [
      { name: 'host_workers', fn: () => drain(ex2.map(hostMod, 'ticks', hostCalls, { host: HOST_FILE })), check: hostCheck },
      { name: 'host_pool', fn: () => drain(ex2.map(hostMod, 'ticks', hostCalls, { imports: tick })), check: hostCheck },
    ];
    for (const c of host) c.check(await c.fn());
    const th = await interleave(host, { reps: ctx.reps(9), warmup: 1 });

    // Small calls: 2,000 add(i, 1).
    const SMALL = 2000;
    const smallInputs = Array.from({ length: SMALL }, (_, i) => [i, 1]);
    const smallCheck = (values) => values.forEach((v, i) => {
      if (v !== i + 1) throw new Error(`small call ${i} returned ${v}`);
    });
    const small = [
      {
        name: 'small_ex',
        fn: async () => (await drain(ex2.map(smallMod, 'add', smallInputs, { ordered: true, concurrency: 64 }))).map((r) => r.value),
        check: smallCheck,
      },
      { name: 'small_piscina', fn: () => Promise.all(smallInputs.map(([a, b]) => piscinaSmall.run({ a, b }))), check: smallCheck },
    ];
    for (const c of small) c.check(await c.fn());
    const ts = await interleave(small, { reps: ctx.reps(11), warmup: 1 });

    const unit = 'ms/batch';
    const pName = `piscina ${Piscina.version ?? '5'}, 2 threads, V8 WebAssembly`;
    const records = [
      fromSamples('executor.map.2t_vs_1t', t.ex_2t, t.ex_1t, { baseline_name: 'executor.map, threads: 1', unit }),
      fromSamples('executor.map.vs_piscina_v8', t.ex_2t, t.piscina_2t, { baseline_name: pName, unit }),
      fromSamples('executor.map.vs_main_loop', t.ex_2t, t.main_loop, { baseline_name: 'a loop of sync calls on the main thread (ours)', unit }),
      fromSamples('executor.host_calls.workers_vs_pool', th.host_workers, th.host_pool, { baseline_name: 'native pool, in-process imports (a hop per host call)', unit }),
      fromSamples('executor.small.vs_piscina_v8', ts.small_ex, ts.small_piscina, { baseline_name: `${pName} (one task per call)`, unit }),
    ];
    for (const r of records) ctx.emit(r);
    const ms = (s) => `${median(s).toFixed(1)} ms`;
    const details = [
      `Kernel batch: ${tasks.length} calls (each of the ${manifest.length} compute kernels ${copies}×, manifest \`n\`), one \`executor.map\` per kernel, all at once, the executor's \`threads\` bounding them; every result checked. Calls of import-free modules run start to end on the native pool (store, instance, call, freed there). Baselines: piscina with 2 threads on V8 (\`minThreads = maxThreads = 2\`, instances made once per worker), and a loop of synchronous calls on the main thread with our runtime.`,
      `Host calls: 8 calls of a loop making ${HOST_CALLS} calls to a JS host function \`env.tick\`, through \`executor.map\` (2 threads): with \`host\` (a file the piscina workers import; the function runs on the worker, beside the guest) against in-process \`imports\` on the native pool (each host call hops to the main thread and back).`,
      `Small calls: ${SMALL} calls of \`add(i, 1)\` through \`executor.map\` (concurrency 64, 2 threads; a fresh instance per call) against ${SMALL} piscina tasks on V8 (an instance made once per worker).`,
      '',
      '| contender | median |',
      '|---|---:|',
      ...[...heavy, ...host, ...small].map((c) => `| ${c.name} | ${ms({ ...t, ...th, ...ts }[c.name])} |`),
    ];
    return { records, details, notes: {} };
  } finally {
    await Promise.all([ex1.close(), ex2.close(), piscina.destroy(), piscinaSmall.destroy()]);
  }
}

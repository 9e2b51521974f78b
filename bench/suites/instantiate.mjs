// instantiate.vs_v8: a fresh instance of a small, already compiled module,
// one call into it, and its disposal.
//
// Neither side has an explicit dispose: instances are freed by the garbage
// collector (ours through napi finalizers). So the main number is the steady
// state of a loop that does exactly that, as a long-running program would:
// create, call add(1, 2), drop, yielding to the event loop every 16
// iterations; each sample is a fresh child process
// (bench/children/instantiate.mjs), sides alternating, so the garbage of one
// side never lands on the other side's clock.
//
//   ours:          new Store(engine).instantiate(mod).func('add').call(1, 2)
//   v8:            new WebAssembly.Instance(mod, {}).exports.add(1, 2)
//   ours_pooling:  ours on Engine.shared({ pooling: {…} })  (extra id)
//
// Extra id instantiate.create_only.vs_v8: the same step in this process, a
// batch at a time with the GC run *between* samples (untimed): creation and
// the call, without the cost of disposal.

import { execFile } from 'node:child_process';
import { setImmediate as tick } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Engine, Module, Store } from '@cybernetic/wasm';
import { fullGc } from '../lib/gc.mjs';
import { smallModuleBytes } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, median, nowMs } from '../lib/stats.mjs';

const execFileP = promisify(execFile);
const CHILD = fileURLToPath(new URL('../children/instantiate.mjs', import.meta.url));

export const title = 'Instantiation';

async function child(side, warmup, iterations) {
  const { stdout } = await execFileP(process.execPath, [CHILD, side, String(warmup), String(iterations)], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

export async function run(ctx) {
  const unit = 'µs/instance';
  const baseline_name = 'new WebAssembly.Instance';

  // 1. Steady state with disposal, one child process per sample.
  const warmup = ctx.quick ? 1000 : 2000;
  const iterations = ctx.quick ? 5000 : 15000;
  const reps = ctx.reps(13, 3);
  const gcs = { ours: [], v8: [], ours_pooling: [] };
  const contender = (side) => ({
    name: side,
    async sample(k) {
      const out = [];
      for (let i = 0; i < k; i++) {
        const r = await child(side, warmup, iterations);
        gcs[side].push(r.gc);
        out.push(r.us_per_instance);
      }
      return out;
    },
  });
  const t = await interleave([contender('ours'), contender('v8'), contender('ours_pooling')], { reps, warmup: 0 });
  const main = fromSamples('instantiate.vs_v8', t.ours, t.v8, { baseline_name, unit });
  const pooling = fromSamples('instantiate.pooling.vs_v8', t.ours_pooling, t.v8, { baseline_name, unit });
  ctx.emit(main);
  ctx.emit(pooling);

  // 2. Creation + call only, in this process; GC between samples, untimed.
  const bytes = smallModuleBytes();
  const engine = Engine.shared();
  const mod = Module.compile(engine, bytes);
  const v8mod = new WebAssembly.Module(bytes);
  const batch = ctx.quick ? 100 : 200;
  let sink = 0;
  const sides = {
    ours: () => {
      sink += new Store(engine).instantiate(mod).func('add').call(1, 2);
    },
    v8: () => {
      sink += new WebAssembly.Instance(v8mod, {}).exports.add(1, 2);
    },
  };
  const createOnly = { ours: [], v8: [] };
  const rounds = ctx.reps(15);
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 ? ['ours', 'v8'] : ['v8', 'ours'];
    for (const side of order) {
      fullGc();
      await tick();
      const t0 = nowMs();
      for (let i = 0; i < batch; i++) sides[side]();
      const us = ((nowMs() - t0) * 1000) / batch;
      if (round >= 0) createOnly[side].push(us); // round -1 is the warm-up
    }
  }
  const create = fromSamples('instantiate.create_only.vs_v8', createOnly.ours, createOnly.v8, { baseline_name, unit });
  ctx.emit(create);

  // 3. Where our time goes: the steps of (2) timed one by one (informational).
  const phases = { 'new Store': [], 'store.instantiate': [], "instance.func('add')": [], 'call(1, 2)': [] };
  for (let round = 0; round < (ctx.quick ? 3 : 7); round++) {
    fullGc();
    await tick();
    const acc = Object.fromEntries(Object.keys(phases).map((k) => [k, 0]));
    for (let i = 0; i < batch; i++) {
      const t0 = nowMs();
      const store = new Store(engine);
      const t1 = nowMs();
      const instance = store.instantiate(mod);
      const t2 = nowMs();
      const add = instance.func('add');
      const t3 = nowMs();
      sink += add.call(1, 2);
      const t4 = nowMs();
      acc['new Store'] += t1 - t0;
      acc['store.instantiate'] += t2 - t1;
      acc["instance.func('add')"] += t3 - t2;
      acc['call(1, 2)'] += t4 - t3;
    }
    for (const k of Object.keys(acc)) phases[k].push((acc[k] * 1000) / batch);
  }
  if (sink === 0.5) console.log(sink);

  const fmt = (x) => `${x.toFixed(1)} µs`;
  const per1000 = (side, k) => (median(gcs[side].map((g) => g[k])) * 1000) / iterations;
  const gcText = (side) => ['minor', 'major', 'other'].map((k) => per1000(side, k).toFixed(1)).join(' / ');
  const gcMs = (side) => fmt((median(gcs[side].map((g) => g.ms)) * 1000) / iterations);
  const steps = Object.entries(phases).map(([k, v]) => [k, median(v)]);
  const details = [
    `Neither runtime has an explicit dispose: instances are freed by the garbage collector (ours via napi finalizers). \`instantiate.vs_v8\` is therefore the steady state of a loop doing exactly "fresh instance, one call, drop it", yielding to the event loop every 16 iterations so finalizers and V8's cleanup run: ${iterations.toLocaleString('en')} timed iterations after ${warmup.toLocaleString('en')} untimed ones, in a fresh child process per sample (bench/children/instantiate.mjs), ${reps} children per side, alternating. Ours makes one \`Store\` per instance (the isolation a V8 instance has) on the default engine; \`instantiate.pooling.vs_v8\` is the same on \`Engine.shared({ pooling: {…} })\`.`,
    '',
    `\`instantiate.create_only.vs_v8\` leaves disposal out: batches of ${batch} (create, call) in this process, with a full GC between batches, outside the timed region (${rounds} batches per side, alternating).`,
    '',
    `| per instance | ours | ours, pooling | V8 |`,
    `|---|---:|---:|---:|`,
    `| steady state incl. disposal | ${fmt(main.ours)} | ${fmt(pooling.ours)} | ${fmt(main.baseline)} |`,
    `| create + call only | ${fmt(create.ours)} | | ${fmt(create.baseline)} |`,
    `| GCs during the steady-state loop, per 1,000 instances (minor / major / other) | ${gcText('ours')} | ${gcText('ours_pooling')} | ${gcText('v8')} |`,
    `| GC pause time in that loop, per instance | ${gcMs('ours')} | ${gcMs('ours_pooling')} | ${gcMs('v8')} |`,
    '',
    'Our create + call, step by step (default engine, median of rounds):',
    '',
    '| step | µs per instance |',
    '|---|---:|',
    ...steps.map(([k, v]) => `| ${k} | ${v.toFixed(1)} |`),
  ];
  const notes = {
    'instantiate.vs_v8': `Measured per instance, steady state with disposal: ours ${fmt(main.ours)}, V8 ${fmt(main.baseline)}; on the pooling engine ours ${fmt(pooling.ours)} (ratio ${pooling.ratio.toFixed(2)}). Creation + call alone: ours ${fmt(create.ours)}, V8 ${fmt(create.baseline)} (ratio ${create.ratio.toFixed(2)}); our steps: ${steps.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}. Our stores tell V8 the linear memory they hold, so the collector frees them during the loop (major GCs above); before it was told (up to 9dc3cda, ratio 0.51) it freed none of them in the timed loop, which left disposal out of our side and, past ~12,500 live stores, ran the process out of mappings. Pooling is not the default: its slots are fixed (4 GiB of address space each, a pool per engine), and a store cannot move to on-demand memory once it holds pooled instances, so a default pool would turn the pool's size into a new failure (see bench/README.md).`,
  };
  return { records: [main, pooling, create], notes, details };
}

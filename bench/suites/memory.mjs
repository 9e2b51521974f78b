// memory.1000_instances.vs_v8: RSS growth for 1,000 live instances of the
// small bench module, each side in a fresh child process
// (bench/children/memory.mjs), children of both sides alternating.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fromSamples } from '../lib/record.mjs';
import { interleave, median } from '../lib/stats.mjs';

const execFileP = promisify(execFile);
const CHILD = fileURLToPath(new URL('../children/memory.mjs', import.meta.url));

export const title = 'Memory';

async function child(side, count) {
  const { stdout } = await execFileP(process.execPath, ['--expose-gc', CHILD, side, String(count)], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

export async function run(ctx) {
  const count = 1000;
  const reps = ctx.reps(7, 3);
  const raw = { ours: [], ours_one_store: [], v8: [] };
  // interleave() times its contenders; here the value is what the child
  // reports, so each contender is self-measured (sample(count) → values).
  const contender = (side) => ({
    name: side,
    async sample(k) {
      const out = [];
      for (let i = 0; i < k; i++) {
        const r = await child(side, count);
        raw[side].push(r);
        out.push(r.rss_growth / 1048576);
      }
      return out;
    },
  });
  const t = await interleave([contender('ours'), contender('v8'), contender('ours_one_store')], { reps, warmup: 0 });
  const unit = 'MiB RSS growth';
  const records = [
    fromSamples('memory.1000_instances.vs_v8', t.ours, t.v8, { baseline_name: 'V8 WebAssembly.Instance', unit }),
    fromSamples('memory.1000_instances_one_store.vs_v8', t.ours_one_store, t.v8, { baseline_name: 'V8 WebAssembly.Instance', unit }),
  ];
  for (const r of records) ctx.emit(r);
  const kib = (side, field) => (median(raw[side].map((r) => r[field])) / 1024 / count).toFixed(1);
  const details = [
    `Each sample is a fresh \`node --expose-gc\` child (bench/children/memory.mjs) that loads the runtime, compiles the small module and makes one instance first, then reads \`process.memoryUsage().rss\` before and after creating ${count.toLocaleString('en')} instances (one \`add\` call each) that it keeps referenced; each reading follows a full GC and an event-loop turn. ${reps} children per side, alternating. Ours: one \`Store\` per instance (default engine); extra id \`memory.1000_instances_one_store.vs_v8\`: all instances in one \`Store\`.`,
    '',
    '| side | RSS per instance | JS heap per instance |',
    '|---|---|---|',
    `| ours (store per instance) | ${kib('ours', 'rss_growth')} KiB | ${kib('ours', 'heap_growth')} KiB |`,
    `| ours (one store) | ${kib('ours_one_store', 'rss_growth')} KiB | ${kib('ours_one_store', 'heap_growth')} KiB |`,
    `| V8 | ${kib('v8', 'rss_growth')} KiB | ${kib('v8', 'heap_growth')} KiB |`,
  ];
  const notes = {
    'memory.1000_instances.vs_v8': `Measured per instance: ours ${kib('ours', 'rss_growth')} KiB RSS (${kib('ours', 'heap_growth')} KiB of it JS heap), V8 ${kib('v8', 'rss_growth')} KiB RSS; with all instances in one Store, ours ${kib('ours_one_store', 'rss_growth')} KiB.`,
  };
  return { records, notes, details };
}

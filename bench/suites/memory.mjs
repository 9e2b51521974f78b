// memory.1000_instances.vs_v8: RSS growth for 1,000 live instances of the
// small bench module, each side in a fresh child process
// (bench/children/memory.mjs), children of both sides alternating.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SMALL_WAT } from '../lib/modules.mjs';
import { GOALS, fromSamples } from '../lib/record.mjs';
import { interleave, median } from '../lib/stats.mjs';
import { hostTarget } from '../../scripts/lib/targets.mjs';

const execFileP = promisify(execFile);
const CHILD = fileURLToPath(new URL('../children/memory.mjs', import.meta.url));

export const title = 'Memory';

async function child(side, count) {
  const { stdout } = await execFileP(process.execPath, ['--expose-gc', CHILD, side, String(count)], { timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

// The same measurement below JS (crates/cwasm_core/examples/footprint.rs):
// plain Wasmtime, and cwasm_core with our engine config. Built into the same
// cargo target dir as the addon, so only the example itself compiles.
function floor(count, reps) {
  const targetDir = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'cybernetic-wasm', 'target');
  const { triple } = hostTarget();
  const build = spawnSync('cargo', ['build', '--release', '--target', triple, '-p', 'cwasm_core', '--example', 'footprint', '--quiet'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    encoding: 'utf8',
  });
  if (build.status !== 0) return { error: `cargo build --example footprint failed: ${(build.stderr || '').trim().split('\n').at(-1)}` };
  const wat = join(mkdtempSync(join(tmpdir(), 'cwasm-footprint-')), 'small.wat');
  writeFileSync(wat, SMALL_WAT);
  const exe = join(targetDir, triple, 'release', 'examples', 'footprint');
  const out = {};
  for (const side of ['wasmtime', 'core', 'core_one_store']) {
    const kib = [];
    for (let i = 0; i < reps; i++) {
      const r = spawnSync(exe, [side, String(count), wat], { encoding: 'utf8' });
      if (r.status !== 0) return { error: `footprint ${side} failed: ${(r.stderr || '').trim()}` };
      kib.push(JSON.parse(r.stdout.trim()).rss_growth / 1024 / count);
    }
    out[side] = median(kib);
  }
  return out;
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
    `Each sample is a fresh \`node --expose-gc\` child (bench/children/memory.mjs) that loads the runtime, compiles the small module and makes one instance, then ${count.toLocaleString('en')} more that it keeps (so the JIT's one-time work, ~4.5 MB that fell inside the window or not with code layout, is done), then reads \`process.memoryUsage().rss\` before and after creating ${(2 * count).toLocaleString('en')} instances (one \`add\` call each) that it keeps referenced, and reports half the growth: the cost of ${count.toLocaleString('en')}, with allocators' step growth (mimalloc segments, V8 heap pages) averaged over twice as many. Each reading follows a full GC and an event-loop turn. Until 2026-12-06 the window held the first ${count.toLocaleString('en')} instances alone (ratio 1.28, then 2.10 once the package was bundled and the JIT's work moved into it). ${reps} children per side, alternating. Ours: one \`Store\` per instance (default engine); extra id \`memory.1000_instances_one_store.vs_v8\`: all instances in one \`Store\`.`,
    '',
    '| side | RSS per instance | JS heap per instance |',
    '|---|---|---|',
    `| ours (store per instance) | ${kib('ours', 'rss_growth')} KiB | ${kib('ours', 'heap_growth')} KiB |`,
    `| ours (one store) | ${kib('ours_one_store', 'rss_growth')} KiB | ${kib('ours_one_store', 'heap_growth')} KiB |`,
    `| V8 | ${kib('v8', 'rss_growth')} KiB | ${kib('v8', 'heap_growth')} KiB |`,
  ];
  const below = floor(count, reps);
  const v8kib = Number(kib('v8', 'rss_growth'));
  let floorText;
  if (below.error) {
    floorText = `The floor below JS could not be measured: ${below.error}.`;
  } else {
    const f = (k) => below[k].toFixed(1);
    details.push(
      `| plain Wasmtime, Rust, store per instance | ${f('wasmtime')} KiB | – |`,
      `| cwasm_core, Rust, store per instance | ${f('core')} KiB | – |`,
      `| cwasm_core, Rust, one store | ${f('core_one_store')} KiB | – |`,
      '',
      `The Rust rows come from \`crates/cwasm_core/examples/footprint.rs\` (same module, same count, RSS from /proc/self/statm, ${reps} runs each): a Wasmtime \`Store\` with one instance costs ${f('wasmtime')} KiB before any JS is involved, ${(below.wasmtime / v8kib).toFixed(2)}× V8's whole instance.`,
    );
    floorText = `A Wasmtime Store with one instance alone, measured in Rust without JS, costs ${f('wasmtime')} KiB (plain Wasmtime) and ${f('core')} KiB (cwasm_core), i.e. ${(below.wasmtime / v8kib).toFixed(2)}× V8's ${v8kib} KiB${below.wasmtime / v8kib > GOALS['memory.1000_instances.vs_v8'] ? `: with a Store per instance the goal of ${GOALS['memory.1000_instances.vs_v8']} is out of reach by design` : ''}. Instances that share a Store cost ${kib('ours_one_store', 'rss_growth')} KiB each from JS (\`memory.1000_instances_one_store.vs_v8\`).`;
  }
  const notes = {
    'memory.1000_instances.vs_v8': `Measured per instance: ours ${kib('ours', 'rss_growth')} KiB RSS (${kib('ours', 'heap_growth')} KiB of it JS heap), V8 ${kib('v8', 'rss_growth')} KiB RSS; with all instances in one Store, ours ${kib('ours_one_store', 'rss_growth')} KiB. ${floorText}`,
  };
  return { records, notes, details };
}

#!/usr/bin/env node
// The benchmark suite: ours (Cybernetic WASM) against baselines, interleaved
// in one run with warm-up and repetitions, reported as medians and spreads.
//
// usage: node bench/run.mjs [--json FILE] [--only LIST] [--quick]
//   (or: npm run bench -- --json FILE)
//   --json FILE   also write the results array to FILE
//   --only LIST   comma-separated suites to run (compute, call, instantiate,
//                 load, parallel, executor, metering, memory, wasi, coldstart,
//                 queue); results are printed and
//                 written to --json FILE if given, but bench/results.json and
//                 bench/RESULTS.md are left alone
//   --quick       fewer repetitions (a smoke test; RESULTS.md says so)
//
// Writes bench/results.json: an array of
//   { id, ours, baseline, baseline_name, ratio, unit, ... }
// with ratio = ours / baseline (lower is better for every id), and
// bench/RESULTS.md with a table, goals, environment and the SVG charts
// bench/results-ratios.svg and bench/results-compute.svg.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { buildKernels } from './build-kernels.mjs';
import { cpuSnapshot, environment, loadavg, otherCpu } from './lib/env.mjs';
import { fullGc } from './lib/gc.mjs';
import { BENCH_DIR } from './lib/kernels.mjs';
import { GOALS } from './lib/record.mjs';
import { computeChartSvg, consoleTable, fmt, markdownTable, ratioChartSvg } from './lib/report.mjs';
import { nowMs } from './lib/stats.mjs';

const SUITES = ['compute', 'call', 'instantiate', 'load', 'parallel', 'executor', 'metering', 'memory', 'wasi', 'coldstart', 'queue'];
const REPO = join(BENCH_DIR, '..');

function parseArgs(argv) {
  const opts = { json: null, only: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json' || a.startsWith('--json=')) opts.json = resolve(process.env.INIT_CWD ?? process.cwd(), value());
    else if (a === '--only' || a.startsWith('--only=')) opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--quick') opts.quick = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument ${a} (see --help)`);
  }
  for (const s of opts.only ?? []) if (!SUITES.includes(s)) throw new Error(`unknown suite ${s}; suites: ${SUITES.join(', ')}`);
  return opts;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`[bench] ${e.message}`);
  process.exit(64);
}
if (opts.help) {
  const { readFileSync } = await import('node:fs');
  const src = readFileSync(new URL(import.meta.url), 'utf8');
  console.log(src.split('\n').slice(1).filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}

const t0 = nowMs();
const stamp = () => `[bench ${((nowMs() - t0) / 1000).toFixed(1).padStart(5)}s]`;
const log = (msg) => console.log(`${stamp()} ${msg}`);

const records = [];
const sections = [];
const failures = [];
const charts = {};
const quietIds = new Set();

const ctx = (suite) => ({
  quick: opts.quick,
  /** repetitions: `n` normally, fewer with --quick (at least `min`) */
  reps: (n, min = 3) => (opts.quick ? Math.max(min, Math.ceil(n / 3)) : n),
  log: (msg) => log(`${suite}: ${msg}`),
  emit: (r, { quiet = false } = {}) => {
    if (quiet) quietIds.add(r.id);
    else log(`${r.id.padEnd(40)} ours ${fmt(r.ours)} vs ${fmt(r.baseline)} ${r.unit}  ratio ${fmt(r.ratio)}${r.goal !== undefined ? `  goal ≤ ${r.goal}: ${r.met ? 'met' : 'MISSED'}` : ''}`);
  },
});

const env = environment(REPO);
log(`${env.cpu_model}, ${env.cores} cores, Node ${env.node}, Wasmtime ${env.wasmtime}${opts.quick ? ', QUICK mode' : ''}`);

// Native kernels are not committed: build them (only what is stale).
try {
  await buildKernels({ wasm: false, native: true, quiet: true });
} catch (e) {
  console.error(`[bench] could not build the native kernels: ${e.message}`);
  process.exit(1);
}

const cpu0 = cpuSnapshot();
const busyOthers = {};
for (const name of opts.only ?? SUITES) {
  const s0 = nowMs();
  const c0 = cpuSnapshot();
  log(`${name}: start`);
  try {
    const suite = await import(`./suites/${name}.mjs`);
    const out = await suite.run(ctx(name));
    records.push(...out.records);
    sections.push({ name, title: suite.title, details: out.details ?? [], notes: out.notes ?? {} });
    Object.assign(charts, out.charts ?? {});
    busyOthers[name] = otherCpu(c0, cpuSnapshot());
    const warn = busyOthers[name] > 0.1 ? ` (WARNING: other processes kept ${busyOthers[name].toFixed(2)} cores busy meanwhile)` : '';
    log(`${name}: done in ${((nowMs() - s0) / 1000).toFixed(1)} s${warn}`);
  } catch (e) {
    failures.push({ suite: name, error: e?.stack ?? String(e) });
    console.error(`${stamp()} ${name}: FAILED: ${e?.stack ?? e}`);
  }
  fullGc();
}

const wallS = (nowMs() - t0) / 1000;
env.loadavg_end = loadavg();
env.other_cpu = otherCpu(cpu0, cpuSnapshot());
const shown = records.filter((r) => !quietIds.has(r.id));
console.log(`\n${consoleTable(shown)}\n`);
for (const r of shown) console.log(`${r.id} ${fmt(r.ratio)}`);

const goalRecords = Object.keys(GOALS).map((id) => records.find((r) => r.id === id)).filter(Boolean);
const met = goalRecords.filter((r) => r.met).length;
console.log(`\ngoals: ${met} of ${Object.keys(GOALS).length} met${goalRecords.length < Object.keys(GOALS).length ? ` (${Object.keys(GOALS).length - goalRecords.length} not measured)` : ''}; wall time ${wallS.toFixed(1)} s`);

const json = `${JSON.stringify(records, null, 2)}\n`;
if (opts.json) {
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, json);
  console.log(`wrote ${opts.json}`);
}
if (!opts.only) {
  writeFileSync(join(BENCH_DIR, 'results.json'), json);
  const ratioSvg = ratioChartSvg(shown);
  writeFileSync(join(BENCH_DIR, 'results-ratios.svg'), ratioSvg);
  if (charts.compute) writeFileSync(join(BENCH_DIR, 'results-compute.svg'), computeChartSvg(charts.compute));
  writeFileSync(join(BENCH_DIR, 'RESULTS.md'), resultsMarkdown());
  for (const f of ['results.json', 'RESULTS.md', 'results-ratios.svg', ...(charts.compute ? ['results-compute.svg'] : [])]) {
    console.log(`wrote ${relative(process.cwd(), join(BENCH_DIR, f)) || f}`);
  }
}
if (failures.length) {
  console.error(`[bench] ${failures.length} suite(s) failed: ${failures.map((f) => f.suite).join(', ')}`);
  process.exitCode = 1;
}

/** Median and largest spread over all sampled sides of all records. */
function noiseText() {
  const spreads = records.flatMap((r) => [r.ours_spread, r.baseline_spread]).filter((x) => Number.isFinite(x));
  if (!spreads.length) return null;
  const sorted = [...spreads].sort((a, b) => a - b);
  const mid = sorted[Math.floor(sorted.length / 2)];
  return `spread (IQR / median) of the samples: median ${(mid * 100).toFixed(1)}%, largest ${(sorted.at(-1) * 100).toFixed(1)}% over ${spreads.length} sampled sides`;
}

function resultsMarkdown() {
  const notes = Object.assign({}, ...sections.map((s) => s.notes));
  const L = [];
  L.push('# Benchmark results', '');
  L.push(
    `Generated by \`npm run bench\` (bench/run.mjs) on ${env.date.slice(0, 10)}; the whole run took ${wallS.toFixed(0)} s.${opts.quick ? ' **Quick mode** (`--quick`): fewer repetitions than a normal run.' : ''} Every number below is measured in that run; rerun to regenerate this file, \`bench/results.json\` and the charts.`,
    '',
    '`ratio = ours / baseline`; lower is better for every id. `ours` and `baseline` are medians; the small `±` figures are the spread (interquartile range / median) of the samples.',
    '',
  );
  L.push('## Environment', '', '| | |', '|---|---|');
  const envRows = [
    ['CPU', `${env.cpu_model}${env.cpu_mhz ? ` (${Number(env.cpu_mhz).toFixed(0)} MHz)` : ''}`],
    ['cores', env.cores],
    ['SIMD flags', env.cpu_simd_flags],
    ['memory', `${env.memory_gib} GiB`],
    ['OS', env.os],
    ['Node', `${env.node} (V8 ${env.v8})`],
    ['Wasmtime', env.wasmtime],
    ['gcc', env.gcc],
    ['commit', env.git],
    ['date', env.date],
    ['load average (1/5/15 min) at start / end', `${env.loadavg_start?.join(' ')} / ${env.loadavg_end?.join(' ')}`],
    [
      'CPU used by other processes during the run',
      env.other_cpu === null ? null : `${env.other_cpu.toFixed(2)} cores on average (per suite: ${Object.entries(busyOthers).map(([k, v]) => `${k} ${v === null ? '?' : v.toFixed(2)}`).join(', ')}), from /proc/stat minus this process and its children`,
    ],
    ['noise in this run', noiseText()],
  ];
  for (const [k, v] of envRows) if (v !== null && v !== undefined && v !== '') L.push(`| ${k} | ${v} |`);
  L.push('');

  L.push('## Goals', '', '| goal | id | target | measured | |', '|---|---|---|---:|---|');
  const goalNames = {
    'compute.geomean.vs_v8': 'Compute vs V8 (geometric mean)',
    'compute.geomean.vs_native': 'Compute vs native (geometric mean)',
    'call.sync.vs_napi_noop': 'Sync call vs napi no-op',
    'instantiate.vs_v8': 'Instantiate vs V8',
    'load.cwasm_vs_compile': '`.cwasm` load vs compile',
    'parallel.2t_vs_1t': '2 threads vs 1',
    'parallel.vs_piscina_v8': 'vs piscina + V8',
    'metering.fuel': 'Fuel',
    'metering.epoch': 'Epoch',
    'memory.1000_instances.vs_v8': 'Memory for 1,000 instances vs V8',
    'wasi.program.cwasm_vs_node_wasi': 'A large WASI program from `.cwasm` vs node:wasi',
    'wasi.program.cold_vs_node_wasi': 'The same from the `.wasm`, empty cache, vs node:wasi',
    'wasi.program.cache_vs_node_wasi': 'The same from the `.wasm`, disk cache filled, vs node:wasi',
    'coldstart.first_result.vs_v8': 'First result of a 30 MB module, empty cache, vs V8',
    'coldstart.compile.winch_vs_cranelift': 'Compile: Winch vs Cranelift',
    'coldstart.tierup.ms': 'Tier-up in the background vs a foreground compile',
    'cli.run.cwasm_vs_node_wasi': '`cwasm run` of a short run from `.cwasm` vs node:wasi',
  };
  for (const [id, target] of Object.entries(GOALS)) {
    const r = records.find((x) => x.id === id);
    L.push(`| ${goalNames[id] ?? id} | \`${id}\` | ≤ ${target} | ${r ? fmt(r.ratio) : '—'} | ${r ? (r.met ? '✅ met' : '❌ missed') : 'not measured'} |`);
  }
  L.push('');
  const missed = Object.keys(GOALS).filter((id) => {
    const r = records.find((x) => x.id === id);
    return !r || !r.met;
  });
  if (missed.length) {
    L.push('### Missed goals', '');
    for (const id of missed) {
      const r = records.find((x) => x.id === id);
      if (!r) {
        L.push(`- \`${id}\`: not measured in this run${failures.length ? ' (a suite failed, see below)' : ''}.`);
        continue;
      }
      L.push(`- \`${id}\`: ${fmt(r.ratio)} against a goal of ${r.goal} (ours ${fmt(r.ours)} vs ${fmt(r.baseline)} ${r.unit}). ${notes[id] ?? ''}`.trimEnd());
    }
    L.push('');
  }

  L.push('## Results', '', markdownTable(shown), '');
  const quiet = records.filter((r) => quietIds.has(r.id));
  if (quiet.length) L.push(`${quiet.length} more per-kernel records (${[...new Set(quiet.map((r) => r.id.split('.').slice(0, 2).join('.')))].map((p) => `\`${p}.*\``).join(', ')}) are in \`bench/results.json\`.`, '');
  L.push('![ratios, log scale](results-ratios.svg)', '');
  if (charts.compute) L.push('![compute kernels, ms per call](results-compute.svg)', '');

  L.push('## Method', '');
  L.push(
    'All contenders of a comparison run in the same process (except native kernels and the memory children, which are separate processes), in alternating rounds: every round gives each contender one turn, and the order is reversed every other round, so drifts in clock speed or background load hit both sides. Each comparison starts with untimed warm-up calls. Times come from `process.hrtime`; the reported value is the median of the samples, the spread is (Q3 − Q1) / median. Results of the calls are checked (kernel checksums, `add` results) so nothing is timed that did not do its work. `results.json` also gives, per id, `paired_ratio`: the median of the per-round ratios, which is less sensitive to noise that hits both sides in one round; the spreads show how noisy each side was. Noise that no interleaving removes (for example a busy host under a virtual machine) shows up as large spreads.',
    '',
  );
  for (const s of sections) {
    L.push(`### ${s.title} (\`${s.name}\`)`, '', ...s.details, '');
  }
  if (failures.length) {
    L.push('## Failures', '');
    for (const f of failures) L.push(`- \`${f.suite}\`:`, '', '```', f.error, '```', '');
  }
  return `${L.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

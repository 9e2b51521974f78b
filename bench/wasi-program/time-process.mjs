#!/usr/bin/env node
// Whole-process timing of the benchmarked WASI program, each run a fresh
// process (so every run is cold for node:wasi: V8 has nothing cached for a
// module compiled from bytes), every run's output checked:
//
//   node bench/wasi-program/time-process.mjs [--runs 7] [--runner node-wasi,package,cwasm,wasmtime] [--json FILE]
//   node bench/wasi-program/time-process.mjs --cmd 'cwasm run … {out} {tmp} …'   any command
//   node bench/wasi-program/time-process.mjs --record    (re)write fixtures/expected/ from node:wasi
//
// Runners (each gets fresh host directories for /out and /tmp per run):
//   node-wasi  `node node-wasi.mjs --out {out} --tmp {tmp}`  (Node's node:wasi)
//   node-wasi-liftoff  the same with `node --liftoff-only` (no TurboFan: see README)
//   package    `node package-runner.mjs --out {out}`        (the package's own JS runner)
//   cwasm      `cwasm run --ro-dir … --dir … MODULE -Q -T -s /in/counter.ys`,
//              MODULE = $CWASM_MODULE or the .wasm (give a .cwasm for the
//              artifact run); needs a cwasm with WASI (issue 9)
//   wasmtime   `$WASMTIME run --dir … MODULE …` (MODULE = $WASMTIME_MODULE, e.g. a
//              `wasmtime compile` artifact, or the .wasm): the reference CLI
// A run passes when it exits 0, its stdout equals fixtures/expected/stdout.txt
// and /out holds the expected netlists. The report gives min, median and
// the first run (its page cache may be colder), and how many cores other
// processes kept busy meanwhile (a busy machine skews every number).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSnapshot, loadavg, otherCpu } from '../lib/env.mjs';
import { summarize } from '../lib/stats.mjs';
import { EXPECTED, OUTPUT_FILES, checkRun } from './check.mjs';
import { HERE, cwasmRunArgs, invocation, programPaths } from './program.mjs';
import { fetchProgram } from './fetch.mjs';

const REPO = resolve(HERE, '..', '..');

/** argv for one run of a runner, given its fresh /out and /tmp host dirs. */
export function runnerArgv(runner, { outDir, tmpDir, cmd, script = 'counter' }) {
  switch (runner) {
    case 'node-wasi':
      return [process.execPath, join(HERE, 'node-wasi.mjs'), '--out', outDir, '--tmp', tmpDir, '--script', script];
    case 'node-wasi-liftoff':
      // V8's baseline compiler only: no TurboFan tier-up, whose background
      // jobs also delay process exit (V8 finishes them before it exits).
      return [process.execPath, '--liftoff-only', join(HERE, 'node-wasi.mjs'), '--out', outDir, '--tmp', tmpDir];
    case 'package':
      return [process.execPath, join(HERE, 'package-runner.mjs'), '--out', outDir];
    case 'cwasm': {
      const inv = invocation({ outDir, tmpDir, script });
      const bin = process.env.CWASM_BIN || join(REPO, 'node_modules', '.bin', 'cwasm');
      return [bin, ...cwasmRunArgs(inv, process.env.CWASM_MODULE || inv.wasm)];
    }
    case 'wasmtime': {
      // The wasmtime CLI as the reference (not a dependency: give its path in
      // $WASMTIME; $WASMTIME_MODULE a `wasmtime compile` artifact for the warm run).
      const inv = invocation({ outDir, tmpDir });
      const module = process.env.WASMTIME_MODULE || inv.wasm;
      const dirs = inv.preopens.flatMap((p) => ['--dir', `${p.host}::${p.guest}`]);
      return [process.env.WASMTIME || 'wasmtime', 'run', ...(module.endsWith('.wasm') ? [] : ['--allow-precompiled']), ...dirs, module, ...inv.args];
    }
    case 'cmd':
      return ['/bin/sh', '-c', cmd.replaceAll('{out}', outDir).replaceAll('{tmp}', tmpDir)];
    default:
      throw new Error(`unknown runner ${runner}`);
  }
}

/** One whole process: wall ms from spawn to close, exit code, stdout, stderr. */
export function runOnce(argv) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      resolvePromise({ ms, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** One checked run of `runner` in fresh /out and /tmp dirs: { ms, problems, dirs }. */
async function checkedRun(runner, { cmd, check = true, keepFailures = true, script = 'counter', expect } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), `wasi-program-${runner}-`));
  const outDir = join(scratch, 'out');
  const tmpDir = join(scratch, 'tmp');
  mkdirSync(outDir);
  mkdirSync(tmpDir);
  const r = await runOnce(runnerArgv(runner, { outDir, tmpDir, cmd, script }));
  // The package runner prints its own status line on stderr; the guest's
  // stderr is empty on a good run, but stderr is not compared.
  const problems = r.code === 0 ? [] : [`exit code ${r.code}${r.signal ? ` (${r.signal})` : ''}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`];
  if (check) problems.push(...checkRun({ stdout: r.stdout, outDir }));
  if (expect && !expect.test(r.stdout)) problems.push(`stdout does not match ${expect}`);
  const keep = problems.length && keepFailures;
  if (!keep) rmSync(scratch, { recursive: true, force: true });
  return { ms: r.ms, problems, dirs: keep ? scratch : undefined };
}

/**
 * `runs` rounds; in each, one fresh process of every runner, the order
 * reversed every other round so that drifting load hits all alike.
 * Returns one summary per runner (times in ms).
 */
export async function timeRunners(runners, { runs = 7, cmd, check = true, keepFailures = true, script = 'counter', expect } = {}) {
  const acc = Object.fromEntries(runners.map((r) => [r, { times: [], failures: [] }]));
  const a = cpuSnapshot();
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...runners].reverse() : runners;
    for (const runner of order) {
      const r = await checkedRun(runner, { cmd, check, keepFailures, script, expect });
      acc[runner].times.push(r.ms);
      if (r.problems.length) acc[runner].failures.push({ run: i, problems: r.problems, dirs: r.dirs });
    }
  }
  const busy = otherCpu(a, cpuSnapshot());
  return runners.map((runner) => {
    const { times, failures } = acc[runner];
    return { runner, runs, times, first: times[0], ...summarize(times), failures, other_cores_busy: busy };
  });
}

/** `runs` fresh processes of one runner, each checked. */
export async function timeRunner(runner, opts = {}) {
  return (await timeRunners([runner], opts))[0];
}

async function record() {
  const scratch = mkdtempSync(join(tmpdir(), 'wasi-program-record-'));
  const outDir = join(scratch, 'out');
  const tmpDir = join(scratch, 'tmp');
  mkdirSync(outDir);
  mkdirSync(tmpDir);
  const r = await runOnce(runnerArgv('node-wasi', { outDir, tmpDir }));
  if (r.code !== 0) throw new Error(`node-wasi exited ${r.code}: ${r.stderr}`);
  mkdirSync(EXPECTED, { recursive: true });
  writeFileSync(join(EXPECTED, 'stdout.txt'), r.stdout);
  for (const f of OUTPUT_FILES) writeFileSync(join(EXPECTED, f), readFileSync(join(outDir, f)));
  rmSync(scratch, { recursive: true, force: true });
  // The package's own runner must agree, or the record is not a reference.
  const p = await timeRunner('package', { runs: 1 });
  if (p.failures.length) throw new Error(`recorded from node:wasi, but the package's own runner disagrees: ${JSON.stringify(p.failures)}`);
  console.log(`recorded ${EXPECTED} (stdout ${r.stdout.length} bytes, ${OUTPUT_FILES.join(', ')}); the package's own runner gives the same`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const opt = (f) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
  await fetchProgram();
  if (argv.includes('--record')) {
    await record();
  } else {
    const runs = Number(opt('--runs') ?? 7);
    const cmd = opt('--cmd');
    const which = cmd ? ['cmd'] : (opt('--runner') ?? 'node-wasi').split(',');
    const { wasm } = programPaths();
    console.log(`program: ${wasm}`);
    console.log(`load average at start: ${loadavg().join(' ')}`);
    const results = await timeRunners(which, { runs, cmd });
    for (const r of results) {
      const f = (x) => `${(x / 1000).toFixed(3)} s`;
      console.log(`${r.runner.padEnd(10)} runs ${r.runs}  min ${f(r.min)}  median ${f(r.median)}  max ${f(r.max)}  first ${f(r.first)}  ` +
        `${r.failures.length ? `FAILED ${r.failures.length}` : 'output ok'}`);
      for (const x of r.failures) console.log(`  run ${x.run}: ${x.problems.join('; ')}${x.dirs ? ` (kept ${x.dirs})` : ''}`);
    }
    if (results.length > 1) for (const r of results.slice(1)) console.log(`${r.runner} / ${results[0].runner}: median ${(r.median / results[0].median).toFixed(3)}, min ${(r.min / results[0].min).toFixed(3)}`);
    console.log(`other processes kept ${results[0].other_cores_busy?.toFixed(2) ?? '?'} cores busy on average meanwhile`);
    const json = opt('--json');
    if (json) writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
    if (results.some((r) => r.failures.length)) process.exitCode = 1;
  }
}

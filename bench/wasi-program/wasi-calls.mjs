#!/usr/bin/env node
// The cost of one WASI call under node:wasi: fd_write of 16 bytes and
// clock_time_get (plus args_sizes_get, the cheapest call there is, as the
// floor of the host-call path), from wasi-calls.wat:
//
//   node bench/wasi-program/wasi-calls.mjs [--quick] [--json FILE]
//   node bench/wasi-program/wasi-calls.mjs --emit FILE.wasm   write the module and exit
//
// Each loop export calls its import n times from one wasm call; we time the
// JS → wasm call for several n and take the least-squares slope of time
// against n, which removes the fixed cost of entering and leaving wasm, then
// subtract the slope of `empty_loop` (the loop without the call). Result:
// nanoseconds per call. fd_write goes to stdout, which node:wasi is given as
// a descriptor on /dev/null (the write(2) still happens) and, separately, on
// a regular file in the temp directory.
//
// The same .wasm serves our runtime: instantiate it with WASI (stdout
// discarded, captured or to a file) and call the same exports; measureLoops()
// below does the fitting for any set of loop functions.

import { closeSync, existsSync, openSync, rmSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSnapshot, loadavg, otherCpu } from '../lib/env.mjs';
import { median } from '../lib/stats.mjs';
import { HERE } from './program.mjs';

const require = createRequire(import.meta.url);
export const WAT_PATH = join(HERE, 'wasi-calls.wat');

/** wasi-calls.wat as wasm: the addon's converter, else wabt's wat2wasm. */
export function wasiCallsWasm() {
  const text = readFileSync(WAT_PATH);
  try {
    const { watToWasm } = require('@cybernetic/wasm-native');
    return new Uint8Array(watToWasm(text));
  } catch (e) {
    const dir = mkdtempSync(join(tmpdir(), 'wasi-calls-'));
    try {
      const out = join(dir, 'wasi-calls.wasm');
      execFileSync('wat2wasm', [WAT_PATH, '-o', out]);
      return new Uint8Array(readFileSync(out));
    } catch {
      throw new Error(`cannot build ${WAT_PATH}: the addon failed (${e.message}) and wat2wasm is not available`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Least-squares slope and intercept of ys against xs. */
function fit(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/**
 * Time loop functions `fn(n) -> failures` for each n in `ns` (median of
 * `reps` after `warmup`), fit ms against n, and give ns per iteration.
 * `loops` maps a name to a function; the one named `empty` is the loop
 * without the call, whose slope is subtracted from the others.
 */
export function measureLoops(loops, { ns = [10_000, 30_000, 100_000, 300_000], reps = 7, warmup = 2 } = {}) {
  const raw = {};
  for (const [name, fn] of Object.entries(loops)) {
    const medians = [];
    for (const n of ns) {
      for (let i = 0; i < warmup; i++) fn(n);
      const times = [];
      for (let i = 0; i < reps; i++) {
        const t0 = process.hrtime.bigint();
        const bad = fn(n);
        const t1 = process.hrtime.bigint();
        if (bad !== 0) throw new Error(`${name}(${n}): ${bad} calls failed`);
        times.push(Number(t1 - t0) / 1e6);
      }
      medians.push(median(times));
    }
    const { slope, intercept } = fit(ns, medians);
    raw[name] = { ns_per_iteration: slope * 1e6, fixed_ms: intercept, medians_ms: Object.fromEntries(ns.map((n, i) => [n, medians[i]])) };
  }
  const loop = raw.empty?.ns_per_iteration ?? 0;
  const out = {};
  for (const [name, r] of Object.entries(raw)) {
    out[name] = { ...r, ns_per_call: name === 'empty' ? 0 : r.ns_per_iteration - loop };
  }
  return out;
}

/** node:wasi instance of the module with stdout on descriptor `stdoutFd`. */
async function nodeWasiInstance(bytes, stdoutFd) {
  const emit = process.emitWarning;
  process.emitWarning = (w, ...rest) => (String(w?.message ?? w).includes('WASI') ? undefined : emit.call(process, w, ...rest));
  const { WASI } = await import('node:wasi');
  process.emitWarning = emit;
  const wasi = new WASI({ version: 'preview1', args: ['wasi-calls'], env: {}, stdout: stdoutFd, returnOnExit: true });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
  wasi.initialize(instance);
  return instance.exports;
}

export async function measureNodeWasi({ quick = false } = {}) {
  const bytes = wasiCallsWasm();
  const opts = quick ? { ns: [10_000, 30_000, 100_000], reps: 3, warmup: 1 } : {};
  const dir = mkdtempSync(join(tmpdir(), 'wasi-calls-'));
  const devnull = openSync('/dev/null', 'w');
  const file = openSync(join(dir, 'stdout.bin'), 'w');
  try {
    const a = cpuSnapshot();
    const x = await nodeWasiInstance(bytes, devnull);
    const r1 = measureLoops({
      empty: (n) => x.empty_loop(n),
      args_sizes_get: (n) => x.args_sizes_get_loop(n),
      clock_time_get: (n) => x.clock_loop(n),
      'fd_write 16 B → /dev/null': (n) => x.fd_write_loop(1, n),
    }, opts);
    const y = await nodeWasiInstance(bytes, file);
    const r2 = measureLoops({ empty: (n) => y.empty_loop(n), 'fd_write 16 B → file': (n) => y.fd_write_loop(1, n) }, opts);
    delete r2.empty;
    const b = cpuSnapshot();
    return { runtime: 'node:wasi', node: process.version, wasm_bytes: bytes.length, results: { ...r1, ...r2 }, other_cores_busy: otherCpu(a, b) };
  } finally {
    closeSync(devnull);
    closeSync(file);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const opt = (f) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
  if (opt('--emit')) {
    writeFileSync(opt('--emit'), wasiCallsWasm());
    console.log(`wrote ${opt('--emit')}`);
  } else {
    console.log(`load average at start: ${loadavg().join(' ')}`);
    const r = await measureNodeWasi({ quick: argv.includes('--quick') });
    console.log(`${r.runtime} (node ${r.node}), module ${r.wasm_bytes} bytes, other cores busy ${r.other_cores_busy?.toFixed(2) ?? '?'}`);
    for (const [name, x] of Object.entries(r.results)) {
      console.log(`  ${name.padEnd(28)} ${name === 'empty' ? `loop ${x.ns_per_iteration.toFixed(2)} ns/iteration` : `${x.ns_per_call.toFixed(1)} ns/call`}` +
        `   (ms at n: ${Object.entries(x.medians_ms).map(([n, ms]) => `${n}:${ms.toFixed(2)}`).join(' ')})`);
    }
    if (opt('--json')) writeFileSync(opt('--json'), JSON.stringify(r, null, 2) + '\n');
  }
}

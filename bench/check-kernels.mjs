#!/usr/bin/env node
// Self-check for the compute kernels: for every kernel in kernels/kernels.json,
// run the committed .wasm once with Node's WebAssembly (V8) and the native build
// once, and require both to return the manifest's checksum.
//
// usage: node bench/check-kernels.mjs [--reps N] [--no-build] [kernel ...]
//   --reps N     also time N interleaved calls of each side (after one warm-up)
//                and print median / spread (ms per call)
//   --no-build   don't run build-kernels first (it only rebuilds what is stale;
//                the native executables are not committed)
// Exits 1 on any mismatch.

import { buildKernels } from './build-kernels.mjs';
import { loadManifest } from './lib/kernels.mjs';
import { nativeContender, runNativeSync } from './lib/native.mjs';
import { fmtMs, interleave, ratio, summarize } from './lib/stats.mjs';
import { loadV8Kernel } from './lib/v8-baseline.mjs';

const argv = process.argv.slice(2);
let reps = 0;
let build = true;
const only = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--reps') reps = Number(argv[++i]);
  else if (a.startsWith('--reps=')) reps = Number(a.slice(7));
  else if (a === '--no-build') build = false;
  else if (a.startsWith('-')) {
    console.error(`unknown option ${a}`);
    process.exit(64);
  } else only.push(a);
}
if (!Number.isInteger(reps) || reps < 0) {
  console.error('--reps needs a non-negative integer');
  process.exit(64);
}

const manifest = loadManifest().filter((k) => !only.length || only.includes(k.name));
if (only.length && manifest.length !== only.length) {
  console.error(`unknown kernel(s): ${only.filter((n) => !manifest.some((k) => k.name === n)).join(', ')}`);
  process.exit(64);
}
if (build) await buildKernels({ kernels: manifest.map((k) => k.name), quiet: true });

let failures = 0;
const pad = (s, w) => String(s).padEnd(w);
console.log(`${pad('kernel', 12)} ${pad('n', 8)} ${pad('checksum', 11)} ${pad('v8 ms', 9)} ${pad('native ms', 9)} result`);
for (const k of manifest) {
  const v8 = loadV8Kernel(k.name);
  const t0 = process.hrtime.bigint();
  const v8Sum = v8.run(k.n);
  const v8Ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const nat = runNativeSync(k.name, k.n, { reps: 1, warmup: 0 });
  const problems = [];
  if (k.checksum === null) problems.push('no checksum in kernels.json (run build-kernels --update-checksums)');
  if (v8Sum !== k.checksum) problems.push(`wasm/V8 returned ${v8Sum}`);
  if (nat.checksum !== k.checksum) problems.push(`native returned ${nat.checksum}`);
  if (problems.length) failures++;
  console.log(
    `${pad(k.name, 12)} ${pad(k.n, 8)} ${pad(k.checksum, 11)} ${pad(fmtMs(v8Ms), 9)} ${pad(fmtMs(nat.times_ms[0]), 9)} ${problems.length ? `FAIL: ${problems.join('; ')}` : 'ok'}`,
  );
}

if (reps > 0 && !failures) {
  console.log(`\ntiming: ${reps} interleaved calls per side after 1 warm-up (native: one process per call block of 5, 1 in-process warm-up)`);
  console.log(`${pad('kernel', 12)} ${pad('v8 median', 10)} ${pad('±iqr', 7)} ${pad('native med', 10)} ${pad('±iqr', 7)} v8/native`);
  for (const k of manifest) {
    const v8 = loadV8Kernel(k.name);
    const r = await interleave(
      [
        { name: 'v8', fn: () => v8.run(k.n), check: (c) => { if (c !== k.checksum) throw new Error(`${k.name}: V8 checksum ${c}`); } },
        nativeContender(k.name, k.n, { warmup: 1, expectChecksum: k.checksum }),
      ],
      { reps, warmup: 1, block: Math.min(5, reps) },
    );
    const a = summarize(r.v8);
    const b = summarize(r.native);
    console.log(
      `${pad(k.name, 12)} ${pad(fmtMs(a.median), 10)} ${pad(`${(a.rel_iqr * 100).toFixed(1)}%`, 7)} ${pad(fmtMs(b.median), 10)} ${pad(`${(b.rel_iqr * 100).toFixed(1)}%`, 7)} ${ratio(r.v8, r.native).ratio.toFixed(2)}x`,
    );
  }
}

if (failures) {
  console.error(`\n${failures} kernel(s) FAILED`);
  process.exit(1);
}
console.log(`\nall ${manifest.length} kernels ok`);

#!/usr/bin/env node
// Run the benchmarked WASI program (program.mjs) under Node's own node:wasi,
// with the same module, arguments and preopens a `cwasm run` of it gets:
//
//   node bench/wasi-program/node-wasi.mjs [--script counter|counter-abc] [--check] [--timing] [--keep] [--out DIR]
//
// The guest's stdout and stderr are this process's (inherited, as node:wasi
// does by default); its exit code becomes this process's exit code.
//   --script   which fixtures/*.ys to run (program.mjs); default counter
//   --check    compare the written netlists with fixtures/expected/ (exit 3
//              and the first difference on stderr when they differ); stdout
//              is inherited, so time-process.mjs checks that one
//   --timing   print compile / instantiate / _start times (ms) to stderr
//   --keep     keep the /out and /tmp host directories (printed on stderr)
//   --out DIR  use DIR for /out (created; its contents are left in place)
//   --tmp DIR  use DIR for /tmp (created; left in place)
//   --print-invocation   print the invocation (wasm, args, preopens) as JSON and exit
//
// node:wasi has no read-only preopens, so /share and /in are writable here;
// the program does not write to them (cwasm run gives them read-only).
// Needs the package in the cache: run fetch.mjs first (this script does not
// touch the network).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invocation, programPaths } from './program.mjs';
import { checkRun } from './check.mjs';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };

const t0 = performance.now();
const { wasm } = programPaths();
if (!existsSync(wasm)) {
  console.error(`${wasm} is missing: run node bench/wasi-program/fetch.mjs first`);
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'wasi-program-'));
const outDir = opt('--out') ?? join(scratch, 'out');
const tmpDir = opt('--tmp') ?? join(scratch, 'tmp');
mkdirSync(outDir, { recursive: true });
mkdirSync(tmpDir, { recursive: true });
const script = opt('--script') ?? 'counter';
const inv = invocation({ outDir, tmpDir, script });
if (flag('--print-invocation')) {
  console.log(JSON.stringify(inv, null, 2));
  rmSync(scratch, { recursive: true, force: true });
  process.exit(0);
}

// node:wasi prints an ExperimentalWarning when first loaded; keep it off the
// guest's stderr so that both runtimes' stderr can be compared.
const emit = process.emitWarning;
process.emitWarning = (w, ...rest) => {
  if (String(w?.message ?? w).includes('WASI')) return;
  return emit.call(process, w, ...rest);
};
const { WASI } = await import('node:wasi');
process.emitWarning = emit;

const wasi = new WASI({
  version: 'preview1',
  args: [inv.argv0, ...inv.args],
  env: inv.env,
  preopens: Object.fromEntries(inv.preopens.map((p) => [p.guest, p.host])),
  returnOnExit: true,
});

const tRead = performance.now();
const bytes = readFileSync(inv.wasm);
const tCompile = performance.now();
const module = await WebAssembly.compile(bytes);
const tInst = performance.now();
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
const tStart = performance.now();
const code = wasi.start(instance);
const tEnd = performance.now();

if (flag('--timing')) {
  const f = (x) => x.toFixed(1);
  console.error(`timing: setup ${f(tRead - t0)} ms, read ${f(tCompile - tRead)} ms, compile ${f(tInst - tCompile)} ms, ` +
    `instantiate ${f(tStart - tInst)} ms, _start ${f(tEnd - tStart)} ms, total in script ${f(tEnd - t0)} ms`);
}

let exitCode = code;
if (flag('--check') && script === 'counter') {
  // stdout was inherited, so --check needs it again: the caller passes it in a
  // file (time-node-wasi.mjs captures it); here only the netlists are checked.
  const problems = checkRun({ outDir });
  if (problems.length) {
    for (const p of problems) console.error(`check: ${p}`);
    exitCode = exitCode || 3;
  }
}

if (flag('--keep')) console.error(`kept /out = ${outDir}, /tmp = ${tmpDir}`);
else rmSync(scratch, { recursive: true, force: true });
process.exitCode = exitCode;

#!/usr/bin/env node
// Run the same invocation through the package's own JS runner (its
// gen/bundle.js: the YoWASP runtime, an in-memory filesystem and jco's
// preview-2 → preview-1 adapter around the same yosys.core.wasm), as the
// reference for what the program prints when nothing in the host gets in
// its way:
//
//   node bench/wasi-program/package-runner.mjs [--script counter|counter-abc] [--out DIR]
//
// Prints the guest's stdout+stderr (the runner interleaves them as written)
// on stdout and writes the files it left in /out under DIR (default: a temp
// directory, printed on stderr). The in-memory tree mirrors our preopens:
// /in holds the fixtures, /out and /tmp start empty, /share is the package's.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FIXTURES, invocation, programPaths } from './program.mjs';

const argv = process.argv.slice(2);
const opt = (f) => { const i = argv.indexOf(f); return i >= 0 ? argv[i + 1] : undefined; };
const script = opt('--script') ?? 'counter';
const outDir = opt('--out') ?? mkdtempSync(join(tmpdir(), 'wasi-program-ref-'));
mkdirSync(outDir, { recursive: true });

const inv = invocation({ outDir, tmpDir: '/nonexistent', script });
const { pkg } = programPaths();
const { runYosys } = await import(pathToFileURL(join(pkg, 'gen', 'bundle.js')).href);

const inFiles = Object.fromEntries(readdirSync(FIXTURES).filter((f) => /\.(v|ys)$/.test(f)).map((f) => [f, readFileSync(join(FIXTURES, f), 'utf8')]));
let text = '';
const sink = (bytes) => { if (bytes) text += Buffer.from(bytes).toString('utf8'); };
const t0 = performance.now();
let files;
let code = 0;
try {
  files = await runYosys(inv.args, { in: inFiles, out: {}, tmp: {} }, { stdout: sink, stderr: sink, decodeASCII: false });
} catch (e) {
  if (typeof e?.code !== 'number') throw e;
  code = e.code;
  files = e.files;
}
const ms = performance.now() - t0;
process.stdout.write(text);
for (const [name, body] of Object.entries(files?.out ?? {})) writeFileSync(join(outDir, name), body);
console.error(`package runner: exit ${code}, ${ms.toFixed(0)} ms in runYosys, /out written to ${outDir}`);
process.exitCode = code;

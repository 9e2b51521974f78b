// wasi.*: WASI preview 1 against Node's node:wasi on the same .wasm.
//
// wasi.program.cwasm_vs_node_wasi: a large third-party WASI command (Yosys
//   0.55 from @yowasp/yosys, 30.8 MB; bench/wasi-program/) synthesising our
//   counter, whole process: `cwasm run --ro-dir … --dir … yosys.cwasm …`
//   from its precompiled artifact vs `node node-wasi.mjs` (node:wasi on the
//   .wasm); every run's output checked against the recorded reference.
// wasi.program.cold_vs_node_wasi: the same with `cwasm run yosys.core.wasm`
//   (compiled at every start: no disk cache yet) vs node:wasi.
// wasi.clock_time_get.vs_node_wasi, wasi.fd_write.vs_node_wasi: the cost of
//   one WASI call, from bench/wasi-program/wasi-calls.wat (loops that call
//   the import n times; slope over n minus the empty loop).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Engine, Module, Store, artifactKey, loadArtifact, precompile } from '@cybernetic/wasm';
import { fromSamples } from '../lib/record.mjs';
import { fetchProgram } from '../wasi-program/fetch.mjs';
import { cwasmRunArgs, invocation, programPaths } from '../wasi-program/program.mjs';
import { tmpdir } from 'node:os';
import { timeRunners } from '../wasi-program/time-process.mjs';
import { measureLoops, measureNodeWasi, wasiCallsWasm } from '../wasi-program/wasi-calls.mjs';

export const title = 'WASI: a large real program, and the cost of a call';

/** The program's .cwasm for this engine and key, compiled once and kept in the cache. */
function programArtifact(ctx) {
  const { wasm } = programPaths();
  const bytes = readFileSync(wasm);
  const engine = Engine.shared();
  const key = artifactKey();
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cybernetic-wasm', 'bench');
  const id = createHash('sha256').update(bytes).update(key).update(Buffer.from(engine.configKey)).digest('hex').slice(0, 16);
  const file = join(dir, `yosys-${id}.cwasm`);
  if (existsSync(file)) {
    try {
      loadArtifact(engine, readFileSync(file), key);
      return { file, compileMs: null };
    } catch {
      ctx.log(`${file} does not load any more; compiling again`);
    }
  }
  const t0 = performance.now();
  const art = precompile(engine, bytes, key);
  const compileMs = performance.now() - t0;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.tmp`, art);
  renameSync(`${file}.tmp`, file);
  ctx.log(`precompiled the ${(bytes.length / 1e6).toFixed(1)} MB program to a ${(art.length / 1e6).toFixed(1)} MB .cwasm in ${(compileMs / 1000).toFixed(1)} s`);
  return { file, compileMs };
}

function failuresOf(results) {
  const bad = results.filter((r) => r.failures.length);
  if (bad.length) throw new Error(`runs failed their output check: ${JSON.stringify(bad.map((r) => ({ runner: r.runner, failures: r.failures })))}`);
}

export async function run(ctx) {
  const records = [];
  const details = [];

  // 1. The cost of one call, in this process, the same bytes on both sides.
  const bytes = wasiCallsWasm();
  const loopOpts = ctx.quick ? { ns: [10_000, 30_000, 100_000], reps: 3, warmup: 1 } : { ns: [10_000, 30_000, 100_000, 300_000], reps: 7, warmup: 2 };
  const engine = Engine.shared();
  const store = new Store(engine);
  store.setWasi({ args: ['wasi-calls'], env: [], preopens: [], stdout: { mode: 'capture', limit: 1 << 30 }, clocks: true });
  const inst = store.instantiate(Module.compile(engine, bytes));
  const f = (n) => inst.func(n);
  const [empty, clock, write] = [f('empty_loop'), f('clock_loop'), f('fd_write_loop')];
  const ours = measureLoops({ empty: (n) => empty.call(n), clock_time_get: (n) => clock.call(n), fd_write: (n) => write.call(1, n) }, loopOpts);
  store.takeOutput(1);
  const node = await measureNodeWasi({ quick: ctx.quick });
  const perCall = (id, o, b, baseline_name) => {
    const rec = {
      id,
      ours: Number(o.toFixed(2)),
      baseline: Number(b.toFixed(2)),
      baseline_name,
      ratio: Number((o / b).toFixed(4)),
      unit: 'ns/call',
    };
    records.push(rec);
    ctx.emit(rec);
  };
  perCall('wasi.clock_time_get.vs_node_wasi', ours.clock_time_get.ns_per_call, node.results.clock_time_get.ns_per_call, 'node:wasi clock_time_get (monotonic)');
  perCall('wasi.fd_write.vs_node_wasi', ours.fd_write.ns_per_call, node.results['fd_write 16 B → /dev/null'].ns_per_call, 'node:wasi fd_write of 16 bytes to stdout on /dev/null');
  details.push(
    `- \`wasi.clock_time_get.vs_node_wasi\`, \`wasi.fd_write.vs_node_wasi\`: one call from a loop in \`bench/wasi-program/wasi-calls.wat\` (the same bytes for both); time against n (${loopOpts.ns.join(', ')}) fitted by least squares, minus the empty loop's slope. Ours: a store whose stdout is captured (the library's default, kept in memory); node:wasi has no capture, so its stdout is a descriptor on /dev/null (a \`write(2)\` per call; to a regular file it takes ${node.results['fd_write 16 B → file'].ns_per_call.toFixed(0)} ns). Both sync calls on the main thread.`,
  );

  // 2. The large program, whole process.
  await fetchProgram({ log: (s) => ctx.log(s) });
  const { file, compileMs } = programArtifact(ctx);
  const runs = ctx.reps(9, 3);
  const saved = process.env.CWASM_MODULE;
  process.env.CWASM_MODULE = file;
  let warm;
  try {
    warm = await timeRunners(['cwasm', 'node-wasi'], { runs });
  } finally {
    if (saved === undefined) delete process.env.CWASM_MODULE;
    else process.env.CWASM_MODULE = saved;
  }
  failuresOf(warm);
  const [cw, nw] = warm;
  const rec = fromSamples('wasi.program.cwasm_vs_node_wasi', cw.times, nw.times, {
    baseline_name: 'node node-wasi.mjs (node:wasi on the .wasm)',
    unit: 'ms',
  });
  records.push(rec);
  ctx.emit(rec);
  // A short run of the same large program, where starting up is all there is.
  const shortRuns = ctx.reps(9, 3);
  process.env.CWASM_MODULE = file;
  let short;
  try {
    short = await timeRunners(['cwasm', 'node-wasi'], { runs: shortRuns, check: false, script: 'short', expect: /Number of cells:\s+\d+/ });
  } finally {
    if (saved === undefined) delete process.env.CWASM_MODULE;
    else process.env.CWASM_MODULE = saved;
  }
  failuresOf(short);
  const shortRec = fromSamples('cli.run.cwasm_vs_node_wasi', short[0].times, short[1].times, {
    baseline_name: 'node node-wasi.mjs --script short (node:wasi on the .wasm)',
    unit: 'ms',
  });
  records.push(shortRec);
  ctx.emit(shortRec);

  // From the .wasm: cold (an empty disk cache for every run, so Cranelift
  // compiles at every start), then warm (the disk cache filled once).
  const { wasm } = programPaths();
  const cli = join(process.cwd(), 'packages', 'cli', 'bin', 'cwasm.js');
  const runArgs = cwasmRunArgs(invocation({ outDir: '{out}', tmpDir: '{tmp}' }), wasm).map((a) => JSON.stringify(a)).join(' ');
  // No hand-over to a background `cwasm cache add`: it would compile while later runs are timed.
  const command = (cacheDir) => `CWASM_BACKGROUND_COMPILE=0 CWASM_CACHE_DIR=${cacheDir} ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} ${runArgs}`;
  // Cheap since tiered compilation (a few s each): enough runs for a steady median.
  const coldRuns = ctx.reps(5, 2);
  const cold = await timeRunners(['cmd', 'node-wasi'], { runs: coldRuns, cmd: command('{tmp}/cache') });
  failuresOf(cold);
  const coldRec = fromSamples('wasi.program.cold_vs_node_wasi', cold[0].times, cold[1].times, {
    baseline_name: 'node node-wasi.mjs (node:wasi on the .wasm)',
    unit: 'ms',
  });
  records.push(coldRec);
  ctx.emit(coldRec);
  const warmDir = mkdtempSync(join(tmpdir(), 'cwasm-bench-wasi-cache-'));
  let warmCache;
  try {
    // Filled as `cwasm run` leaves it filled: by `cwasm cache add` (Cranelift code).
    execFileSync(process.execPath, [cli, 'cache', 'add', '--dir', warmDir, wasm], { stdio: 'ignore' });
    warmCache = await timeRunners(['cmd', 'node-wasi'], { runs, cmd: command(JSON.stringify(warmDir)) });
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
  }
  failuresOf(warmCache);
  const cacheRec = fromSamples('wasi.program.cache_vs_node_wasi', warmCache[0].times, warmCache[1].times, {
    baseline_name: 'node node-wasi.mjs (node:wasi on the .wasm)',
    unit: 'ms',
  });
  records.push(cacheRec);
  ctx.emit(cacheRec);
  details.push(
    `- \`wasi.program.cwasm_vs_node_wasi\` (aim ≤ 0.15): Yosys 0.55 (\`@yowasp/yosys\`, ISC; \`gen/yosys.core.wasm\`, ${statSync(wasm).size.toLocaleString('en')} bytes, a preview-1 command) synthesising our 8-bit counter (\`bench/wasi-program/fixtures\`), a fresh process per run: \`cwasm run --ro-dir share::/share --ro-dir fixtures::/in --dir OUT::/out yosys.cwasm -Q -T -s /in/counter.ys\` from its artifact (${(statSync(file).size / 1e6).toFixed(1)} MB${compileMs ? `, precompiled in ${(compileMs / 1000).toFixed(1)} s in this run` : ', from the bench cache'}) against \`node bench/wasi-program/node-wasi.mjs\` (node:wasi, same preopens); ${runs} runs each, interleaved, every run's stdout and netlists compared with \`fixtures/expected\`. Medians ${cw.median.toFixed(0)} ms vs ${nw.median.toFixed(0)} ms.`,
    `- \`cli.run.cwasm_vs_node_wasi\` (aim ≤ 0.35): a short run of the same program (\`fixtures/short.ys\`: read the counter, print its statistics; no synthesis), so that start-up is nearly all of it: \`cwasm run … yosys.cwasm -Q -T -s /in/short.ys\` against node:wasi; ${shortRuns} runs each; medians ${short[0].median.toFixed(0)} ms vs ${short[1].median.toFixed(0)} ms.`,
    `- \`wasi.program.cold_vs_node_wasi\`: the synthesis run from the \`.wasm\` with an empty disk cache for every run (\`CWASM_CACHE_DIR\` a fresh directory): the 30.8 MB module starts on Winch code at every start (tiered compilation; no hand-over to a background compile); ${coldRuns} run(s) each.`,
    `- \`wasi.program.cache_vs_node_wasi\`: the same from the \`.wasm\` with the disk cache filled once before by \`cwasm cache add\` (what \`cwasm run\` hands a cold module to), so each process's first load is a verified entry of Cranelift code; ${runs} runs each.`,
  );
  const notes = {
    'wasi.program.cwasm_vs_node_wasi':
      'Of our run (measured one step at a time, fresh processes): Node itself takes about 60 ms to start (a bare `node -e 0`) and our bundled package about 25 ms to import; the engine and the 71 MB artifact about 50 ms (the kernel copies its payload into a sealed memfd, BLAKE3 verifies it on both cores, Wasmtime maps it); the run itself about 70 ms. Before the package was one bundle and artifacts were mapped rather than read and copied twice, this was 307 ms. The wasmtime CLI runs it from its own artifact in about 0.06 s, about what Node alone takes to start, so from a Node process the aim is out of reach.',
    'cli.run.cwasm_vs_node_wasi':
      'Node starting (about 60 ms) and our package importing (about 25 ms), then the engine and the artifact (about 50 ms), are most of our short run; node:wasi pays the first too, then V8 decodes and validates 30 MB and finishes its background compiles before it exits.',
    'wasi.program.cache_vs_node_wasi':
      'On top of the artifact run, the disk-cache path reads the 30.8 MB .wasm (about 15 ms) and hashes it with SHA-256 to find its entry (about 25 ms): the entry key is the module hash that artifacts record. A faster key (BLAKE3 of the wasm, recorded in the entry) would save most of the hash, not the rest.',
  };
  return { records, notes, details };
}

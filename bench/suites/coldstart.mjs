// coldstart.*: a large module with nothing cached, tiered compilation
// (compiler: 'auto', the default) against the alternatives.
//
// coldstart.first_result.vs_v8: a fresh process's time to the first
//   result of Yosys (30.8 MB, bench/wasi-program/), the short script (read
//   the counter, print its statistics), with an empty disk cache (and no
//   hand-over to a background `cwasm cache add`, so runs do not disturb each
//   other): `cwasm run yosys.core.wasm …` vs `node node-wasi.mjs` (V8's own
//   WebAssembly, which compiles lazily, under node:wasi), every output checked.
// coldstart.compile.winch_vs_cranelift: Module.compile of the same module
//   in this process, `compiler: 'winch'` vs `compiler: 'cranelift'` (both
//   with the woven interrupt checks, no caches).
// coldstart.tierup.ms: how long after a cold load (Winch code running)
//   new instances get Cranelift code, from the background compile (one
//   low-priority thread on a 2-core machine), against compiling the same
//   module with Cranelift in the foreground (all cores).

import { join } from 'node:path';
import { Engine, Module } from '@cybernetic/wasm';
import { readFileSync } from 'node:fs';
import { withNonce } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, nowMs } from '../lib/stats.mjs';
import { fetchProgram } from '../wasi-program/fetch.mjs';
import { cwasmRunArgs, invocation, programPaths } from '../wasi-program/program.mjs';
import { timeRunners } from '../wasi-program/time-process.mjs';

export const title = 'Cold start: a large module with nothing cached';

export async function run(ctx) {
  const records = [];
  const details = [];
  await fetchProgram({ log: (s) => ctx.log(s) });
  const { wasm } = programPaths();
  const bytes = readFileSync(wasm);

  // 1. Whole process to the first result, empty cache each run.
  const cli = join(process.cwd(), 'packages', 'cli', 'bin', 'cwasm.js');
  const args = cwasmRunArgs(invocation({ outDir: '{out}', tmpDir: '{tmp}', script: 'short' }), wasm).map((a) => JSON.stringify(a)).join(' ');
  const cmd = `CWASM_BACKGROUND_COMPILE=0 CWASM_CACHE_DIR={tmp}/cache ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} ${args}`;
  const runs = ctx.reps(5, 2);
  const first = await timeRunners(['cmd', 'node-wasi'], { runs, cmd, check: false, script: 'short', expect: /Number of cells:\s+\d+/ });
  const bad = first.filter((r) => r.failures.length);
  if (bad.length) throw new Error(`runs failed their output check: ${JSON.stringify(bad.map((r) => r.failures))}`);
  const rec1 = fromSamples('coldstart.first_result.vs_v8', first[0].times, first[1].times, {
    baseline_name: 'node node-wasi.mjs --script short (V8 compiles lazily)',
    unit: 'ms',
  });
  records.push(rec1);
  ctx.emit(rec1);

  // 2. Winch against Cranelift, the same bytes, no caches.
  const winch = Engine.shared({ compiler: 'winch' });
  const cranelift = Engine.shared({ compiler: 'cranelift' });
  const reps = ctx.reps(3, 1);
  const c = await interleave(
    [
      { name: 'winch', fn: () => Module.compile(winch, bytes, { cache: false }) },
      { name: 'cranelift', fn: () => Module.compile(cranelift, bytes, { cache: false }) },
    ],
    { reps, warmup: 0 },
  );
  const rec2 = fromSamples('coldstart.compile.winch_vs_cranelift', c.winch, c.cranelift, {
    baseline_name: "Module.compile with compiler: 'cranelift' (all cores)",
    unit: 'ms',
  });
  records.push(rec2);
  ctx.emit(rec2);

  // 3. Tier-up: a cold load on the default engine, then waiting for new
  // instances to get Cranelift code (new bytes each time: no registry hit).
  const auto = Engine.shared();
  const tierUps = [];
  for (let i = 0; i < ctx.reps(2, 1); i++) {
    const t0 = nowMs();
    const m = await Module.compileAsync(auto, withNonce(bytes, 1000 + i));
    const loaded = nowMs() - t0;
    if (m.tier !== 'winch') throw new Error(`a cold load of the program gave ${m.tier} code, not winch`);
    await m.optimized();
    if (m.tier !== 'cranelift' || m.tierUpMs === null) throw new Error('the program did not move to Cranelift code');
    tierUps.push(m.tierUpMs);
    ctx.log(`cold load ${loaded.toFixed(0)} ms (Winch), Cranelift code ${m.tierUpMs.toFixed(0)} ms later`);
  }
  const rec3 = fromSamples('coldstart.tierup.ms', tierUps, c.cranelift, {
    baseline_name: "the same module compiled by Cranelift in the foreground (all cores)",
    unit: 'ms',
  });
  records.push(rec3);
  ctx.emit(rec3);

  details.push(
    `- \`coldstart.first_result.vs_v8\` (aim ≤ 2.5): Yosys 0.55 (${(bytes.length / 1e6).toFixed(1)} MB, \`bench/wasi-program/\`) running \`fixtures/short.ys\`, a fresh process per run with an empty disk cache: \`cwasm run … yosys.core.wasm -Q -T -s /in/short.ys\` (Winch code at once, \`CWASM_BACKGROUND_COMPILE=0\`) against \`node bench/wasi-program/node-wasi.mjs --script short\` (V8 compiles lazily); ${runs} runs each, interleaved; medians ${first[0].median.toFixed(0)} ms vs ${first[1].median.toFixed(0)} ms.`,
    `- \`coldstart.compile.winch_vs_cranelift\` (aim ≤ 0.25): \`Module.compile(engine, bytes, { cache: false })\` of the same module on a \`compiler: 'winch'\` engine against a \`'cranelift'\` one, both weaving the interrupt checks; ${reps} rep(s) each.`,
    `- \`coldstart.tierup.ms\`: after \`Module.compileAsync\` on the default engine (Winch code, ready to run), how long until \`module.tier\` is \`'cranelift'\` (\`module.tierUpMs\`); the background compiles on all cores but one at nice 10. Baseline: the foreground Cranelift compile of the line above.`,
  );
  return { records, details, notes: {} };
}

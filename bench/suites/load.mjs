// load.*: getting a large (≥ 1 MiB) module ready to instantiate.
//
// load.cwasm_vs_compile:    loadArtifact(engine, cwasm, key)  vs  Module.compile(engine, bytes, { cache: false })
// load.cache_vs_v8_compile: Module.compile(engine, bytes) answered by the
//                           process-wide registry (same bytes compiled before)
//                           vs  new WebAssembly.Module(bytes)
// load.cwasm_vs_v8_compile: loadArtifact  vs  new WebAssembly.Module(bytes)
//
// V8 keeps its own in-process cache of compiled modules keyed by the bytes, so
// every V8 compile gets bytes it has not seen (the module plus a custom
// section holding a counter): V8 really decodes and validates each time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine, Module, Store, artifactKey, loadArtifact, precompile, registryStats } from '@cybernetic/wasm';
import { binding } from '../../packages/wasm/dist/runtime/binding.js';
import { bigModuleBytes, withNonce } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, median, nowMs } from '../lib/stats.mjs';

export const title = 'Loading a large module';

export async function run(ctx) {
  const t0 = nowMs();
  const { bytes, functions } = bigModuleBytes(1 << 20);
  ctx.log(`generated a ${(bytes.length / 1048576).toFixed(2)} MiB module (${functions} functions) in ${(nowMs() - t0).toFixed(0)} ms`);
  const engine = Engine.shared();
  const key = artifactKey('cybernetic-wasm-bench');
  const p0 = nowMs();
  const cwasm = precompile(engine, bytes, key);
  const precompileMs = nowMs() - p0;
  ctx.log(`precompiled to a ${(cwasm.length / 1048576).toFixed(2)} MiB .cwasm in ${precompileMs.toFixed(0)} ms`);

  // Every loaded module must work: instantiate once and call a function.
  const probe = (m) => {
    const inst = new Store(engine).instantiate(m);
    return inst.func('f100').call(5, 3);
  };
  const expected = probe(Module.compile(engine, bytes)); // also fills the registry
  const v8expected = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports.f100(5, 3);
  if (probe(loadArtifact(engine, cwasm, key)) !== expected || v8expected !== expected) {
    throw new Error('the big module gives different results on the .cwasm, the compiled module and V8');
  }

  let nonce = 0;
  const v8compile = () => new WebAssembly.Module(withNonce(bytes, ++nonce));
  const fromArtifact = () => loadArtifact(engine, cwasm, key);

  // 1. Artifact vs compiling from scratch (slow: a few samples).
  const compileReps = ctx.reps(7, 3);
  const a = await interleave(
    [
      { name: 'cwasm', fn: fromArtifact },
      { name: 'compile', fn: () => Module.compile(engine, bytes, { cache: false }) },
    ],
    { reps: compileReps, warmup: 1 },
  );
  // 2. Fast paths vs V8.
  const fastReps = ctx.reps(21);
  const before = registryStats();
  const b = await interleave(
    [
      { name: 'cache', fn: () => Module.compile(engine, bytes, { cache: true }) },
      { name: 'cwasm', fn: fromArtifact },
      { name: 'v8', fn: v8compile },
    ],
    { reps: fastReps, warmup: 1 },
  );
  const after = registryStats();
  if (after.compiled !== before.compiled) throw new Error('the registry compiled again: the cached path was not a cache hit');

  // 3. Verifying an artifact against loading it.
  const verifyReps = ctx.reps(15);
  const c = await interleave(
    [
      { name: 'verify', fn: () => binding.BindingModule.verifyArtifact(engine.binding, cwasm, key, []) },
      { name: 'load', fn: fromArtifact },
    ],
    { reps: verifyReps, warmup: 1 },
  );

  // 4. A process's first load of a module of at least 10 MB: from the disk
  // cache, compiled, and by V8, each in a fresh process.
  const big = bigModuleBytes(10 << 20);
  const dir = mkdtempSync(join(tmpdir(), 'cwasm-bench-load-'));
  const file = join(dir, 'big.wasm');
  writeFileSync(file, big.bytes);
  const childScript = fileURLToPath(new URL('../children/first-load.mjs', import.meta.url));
  const child = (side) => {
    const r = JSON.parse(execFileSync(process.execPath, [childScript, side, file, join(dir, 'cache')], { encoding: 'utf8' }));
    if (r.outcome === 'miss') throw new Error('the disk-cache child compiled: the entry was not used');
    return r.ms;
  };
  const fill = child('compile');
  ctx.log(`a process compiled the ${(big.bytes.length / 1048576).toFixed(1)} MiB module in ${(fill / 1000).toFixed(1)} s`);
  execFileSync(process.execPath, ['-e', `import('@cybernetic/wasm').then(async (w) => { const rt = await w.createRuntime({ cacheDir: ${JSON.stringify(join(dir, 'cache'))} }); await (await rt.loadModule(${JSON.stringify(file)})).optimized() })`]);
  const firstLoad = { disk: [], compile: [fill], v8: [] };
  const fastRounds = ctx.reps(7, 3);
  for (let i = 0; i < fastRounds; i++) {
    for (const side of i % 2 ? ['v8', 'disk'] : ['disk', 'v8']) firstLoad[side].push(child(side));
    if (i < ctx.reps(2, 1)) firstLoad.compile.push(child('compile'));
  }
  rmSync(dir, { recursive: true, force: true });

  // 5. What importing the package adds to a process start: a fresh `node`
  // importing @cybernetic/wasm and exiting, against a fresh bare `node`.
  const timeProcess = (args) => {
    const t0 = nowMs();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return nowMs() - t0;
  };
  const importArgs = ['--input-type=module', '-e', "await import('@cybernetic/wasm')"];
  const bareArgs = ['-e', '0'];
  timeProcess(importArgs); // warm the page cache
  const startup = { import: [], bare: [] };
  for (let i = 0; i < ctx.reps(15, 5); i++) {
    for (const side of i % 2 ? ['bare', 'import'] : ['import', 'bare']) startup[side].push(timeProcess(side === 'import' ? importArgs : bareArgs));
  }

  const unit = 'ms';
  const records = [
    fromSamples('load.disk_cache_vs_compile', firstLoad.disk, firstLoad.compile, { baseline_name: 'a fresh process compiling it (cacheDir: false)', unit }),
    fromSamples('load.disk_cache_vs_v8_compile', firstLoad.disk, firstLoad.v8, { baseline_name: 'a fresh process: new WebAssembly.Module(bytes)', unit }),
    fromSamples('load.cwasm_verify_vs_load', c.verify, c.load, { baseline_name: 'loadArtifact (verify + deserialize)', unit }),
    fromSamples('load.cwasm_vs_compile', a.cwasm, a.compile, { baseline_name: 'Module.compile(engine, bytes, { cache: false })', unit }),
    fromSamples('load.cache_vs_v8_compile', b.cache, b.v8, { baseline_name: 'new WebAssembly.Module(bytes)', unit }),
    fromSamples('load.cwasm_vs_v8_compile', b.cwasm, b.v8, { baseline_name: 'new WebAssembly.Module(bytes)', unit }),
    fromSamples('load.import.process_vs_bare_node', startup.import, startup.bare, { baseline_name: 'a fresh `node -e 0`', unit }),
  ];
  for (const r of records) ctx.emit(r);

  const details = [
    `The module is generated (deterministic WAT, ${functions} functions, converted with \`watToWasm\`): ${bytes.length.toLocaleString('en')} bytes; its \`.cwasm\` is ${cwasm.length.toLocaleString('en')} bytes (precompile took ${precompileMs.toFixed(0)} ms). All on the default engine.`,
    '',
    `- \`load.cwasm_vs_compile\`: \`loadArtifact\` (signature check + deserialize) vs \`Module.compile(engine, bytes, { cache: false })\` (Cranelift, registry bypassed); ${compileReps} samples each, interleaved.`,
    `- \`load.cache_vs_v8_compile\`: \`Module.compile(engine, bytes)\` answered by the process-wide registry (the bytes are hashed and looked up; no compilation, checked with \`registryStats()\`) vs \`new WebAssembly.Module(bytes)\`; ${fastReps} samples each.`,
    `- \`load.cwasm_vs_v8_compile\`: \`loadArtifact\` vs \`new WebAssembly.Module(bytes)\`.`,
    `- \`load.import.process_vs_bare_node\`: a fresh process that imports \`@cybernetic/wasm\` and exits vs a fresh \`node -e 0\` (what every CLI run or cold serverless start pays on top of Node; piscina and smol-toml load on first use, not here); ${startup.import.length} processes each, interleaved. Medians ${median(startup.import).toFixed(0)} ms vs ${median(startup.bare).toFixed(0)} ms.`,
    '',
    `- \`load.disk_cache_vs_compile\`, \`load.disk_cache_vs_v8_compile\`: a fresh process's first load of a generated ${(big.bytes.length / 1048576).toFixed(1)} MiB module (${big.functions} functions), timed inside the process from \`rt.loadModule(file)\` to the module being ready: from a verified disk-cache entry (written by an earlier process) against \`cacheDir: false\` (compiled: Winch first with the default \`compiler: 'auto'\`, so ready to run) and against \`new WebAssembly.Module(readFileSync(file))\`; ${fastRounds} processes each for the disk cache and V8, ${firstLoad.compile.length} for compiling.`,
    `- \`load.cwasm_verify_vs_load\`: checking the 1 MiB module's artifact (header, engine, BLAKE3 MAC over header and payload, hashed on every core) against \`loadArtifact\` (the same check, then Wasmtime's deserialization); ${verifyReps} samples each. The artifact is read into the process's own memory before it is checked, so a file changed afterwards cannot reach Wasmtime; loading does not map the file.`,
    '',
    'V8 (Node 20 defaults) validates the whole module eagerly but compiles each function lazily, on its first call, so its number is decoding + validation. V8 also caches modules by their bytes within the process; to measure a real compile, each V8 sample gets bytes it has not seen (the module plus a custom section holding a counter).',
  ];
  return { records, notes: {}, details };
}

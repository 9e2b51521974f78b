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

import { Engine, Module, Store, artifactKey, loadArtifact, precompile, registryStats } from '@cybernetic/wasm';
import { bigModuleBytes, withNonce } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, nowMs } from '../lib/stats.mjs';

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

  const unit = 'ms';
  const records = [
    fromSamples('load.cwasm_vs_compile', a.cwasm, a.compile, { baseline_name: 'Module.compile(engine, bytes, { cache: false })', unit }),
    fromSamples('load.cache_vs_v8_compile', b.cache, b.v8, { baseline_name: 'new WebAssembly.Module(bytes)', unit }),
    fromSamples('load.cwasm_vs_v8_compile', b.cwasm, b.v8, { baseline_name: 'new WebAssembly.Module(bytes)', unit }),
  ];
  for (const r of records) ctx.emit(r);

  const details = [
    `The module is generated (deterministic WAT, ${functions} functions, converted with \`watToWasm\`): ${bytes.length.toLocaleString('en')} bytes; its \`.cwasm\` is ${cwasm.length.toLocaleString('en')} bytes (precompile took ${precompileMs.toFixed(0)} ms). All on the default engine.`,
    '',
    `- \`load.cwasm_vs_compile\`: \`loadArtifact\` (signature check + deserialize) vs \`Module.compile(engine, bytes, { cache: false })\` (Cranelift, registry bypassed); ${compileReps} samples each, interleaved.`,
    `- \`load.cache_vs_v8_compile\`: \`Module.compile(engine, bytes)\` answered by the process-wide registry (the bytes are hashed and looked up; no compilation, checked with \`registryStats()\`) vs \`new WebAssembly.Module(bytes)\`; ${fastReps} samples each.`,
    `- \`load.cwasm_vs_v8_compile\`: \`loadArtifact\` vs \`new WebAssembly.Module(bytes)\`.`,
    '',
    'V8 (Node 20 defaults) validates the whole module eagerly but compiles each function lazily, on its first call, so its number is decoding + validation. V8 also caches modules by their bytes within the process; to measure a real compile, each V8 sample gets bytes it has not seen (the module plus a custom section holding a counter).',
  ];
  return { records, notes: {}, details };
}

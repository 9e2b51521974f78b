// compute.<kernel>.vs_v8 and compute.<kernel>.vs_native: one kernel call
// (`run(n)`, n from kernels.json) on ours, V8 and the native gcc build,
// interleaved round by round.
//
// ours:   the committed .wasm, Module.compile on the default engine
//         (Engine.shared(), the engine createRuntime() uses), one Store and one
//         instance reused for every call, via instance.func('run').call(n)
// ours, unmetered (extra ids compute.*.unmetered.*): the same on
//         Engine.shared({ epochInterruption: false }) (no deadline checks)
// v8:     the same bytes, one WebAssembly.Instance reused for every call
// native: the same C source, gcc -O2 -march=native, timed inside its own
//         process (one process per sample, after one in-process warm-up call)

import { Engine, Module, Store } from '@cybernetic/wasm';
import { loadManifest, wasmBytes } from '../lib/kernels.mjs';
import { nativeContender } from '../lib/native.mjs';
import { GOALS, fromSamples, geomeanRecord } from '../lib/record.mjs';
import { interleave } from '../lib/stats.mjs';
import { loadV8Kernel } from '../lib/v8-baseline.mjs';

export const title = 'Compute kernels';

/** One instance of a kernel on our runtime; `run(n)` returns the u32 checksum. */
export function loadOursKernel(name, engine = Engine.shared()) {
  const mod = Module.compile(engine, wasmBytes(name));
  const store = new Store(engine);
  const instance = store.instantiate(mod);
  const f = instance.func('run');
  return { module: mod, store, instance, run: (n) => f.call(n) >>> 0 };
}

export async function run(ctx) {
  const manifest = loadManifest();
  const engine = Engine.shared();
  const unmeteredEngine = Engine.shared({ epochInterruption: false, fuel: false });
  const reps = ctx.reps(31);
  const unmetered = [];
  const records = [];
  const perKernel = [];
  for (const k of manifest) {
    const ours = loadOursKernel(k.name, engine);
    const oursU = loadOursKernel(k.name, unmeteredEngine);
    const v8 = loadV8Kernel(k.name);
    const check = (who) => (v) => {
      if (v !== k.checksum) throw new Error(`${k.name} on ${who}: checksum ${v}, expected ${k.checksum}`);
    };
    // Warm-up beyond interleave's own warm-up round: V8 tiers functions up
    // (Liftoff → TurboFan) during the first calls.
    for (let i = 0; i < 3; i++) {
      check('ours')(ours.run(k.n));
      check('ours, unmetered')(oursU.run(k.n));
      check('v8')(v8.run(k.n));
    }
    const t = await interleave(
      [
        { name: 'ours', fn: () => ours.run(k.n), check: check('ours') },
        { name: 'v8', fn: () => v8.run(k.n), check: check('v8') },
        { name: 'ours_unmetered', fn: () => oursU.run(k.n), check: check('ours, unmetered') },
        nativeContender(k.name, k.n, { warmup: 1, expectChecksum: k.checksum }),
      ],
      { reps, warmup: 1 },
    );
    const unit = 'ms/call';
    const vsV8 = fromSamples(`compute.${k.name}.vs_v8`, t.ours, t.v8, { baseline_name: 'V8 WebAssembly (Node built-in)', unit });
    const vsNative = fromSamples(`compute.${k.name}.vs_native`, t.ours, t.native, { baseline_name: 'gcc -O2 -march=native', unit });
    const uV8 = fromSamples(`compute.${k.name}.unmetered.vs_v8`, t.ours_unmetered, t.v8, { baseline_name: 'V8 WebAssembly (Node built-in)', unit });
    const uNative = fromSamples(`compute.${k.name}.unmetered.vs_native`, t.ours_unmetered, t.native, { baseline_name: 'gcc -O2 -march=native', unit });
    ctx.emit(vsV8);
    ctx.emit(vsNative);
    ctx.emit(uV8, { quiet: true });
    ctx.emit(uNative, { quiet: true });
    records.push(vsV8, vsNative);
    unmetered.push(uV8, uNative);
    perKernel.push({ name: k.name, n: k.n, ours: vsV8.ours, ours_unmetered: uV8.ours, v8: vsV8.baseline, native: vsNative.baseline });
  }
  const gV8 = geomeanRecord('compute.geomean.vs_v8', records.filter((r) => r.id.endsWith('.vs_v8')), {
    baseline_name: 'V8 WebAssembly (Node built-in)',
    unit: 'ms/call (geomean over kernels)',
  });
  const gNative = geomeanRecord('compute.geomean.vs_native', records.filter((r) => r.id.endsWith('.vs_native')), {
    baseline_name: 'gcc -O2 -march=native',
    unit: 'ms/call (geomean over kernels)',
  });
  const uG = ['vs_v8', 'vs_native'].map((suffix) =>
    geomeanRecord(`compute.geomean.unmetered.${suffix}`, unmetered.filter((r) => r.id.endsWith(suffix)), {
      baseline_name: suffix === 'vs_v8' ? 'V8 WebAssembly (Node built-in)' : 'gcc -O2 -march=native',
      unit: 'ms/call (geomean over kernels)',
    }),
  );
  ctx.emit(gV8);
  ctx.emit(gNative);
  for (const r of uG) ctx.emit(r);
  records.push(gV8, gNative, ...uG, ...unmetered);

  const worst = (suffix) =>
    records
      .filter((r) => r.id.endsWith(suffix) && !r.id.includes('geomean') && !r.id.includes('unmetered'))
      .sort((a, b) => b.ratio - a.ratio)
      .map((r) => `${r.id.split('.')[1]} ${r.ratio.toFixed(2)}`)
      .join(', ');
  // What the woven interrupt checks cost, measured in the same rounds, and
  // whether the goal is within reach of the code generator at all.
  const explain = (r, u, compiler) => {
    const goal = GOALS[r.id];
    const checks = r.ours / u.ours;
    const cost = `Our interrupt checks: ${r.ratio.toFixed(2)} with them against ${u.ratio.toFixed(2)} on an engine without any (\`Engine.shared({ epochInterruption: false })\`, measured in the same rounds, \`${u.id}\`), a factor of ${checks.toFixed(3)}.`;
    return u.ratio > goal
      ? `${cost} Without any checks the goal is still missed: what remains is ${compiler}, which this runtime embeds by design (bench/README.md, "Second pass" and "Third pass", has the disassembly and what was tried).`
      : `${cost} Without them the goal would be met: the checks are what is left to win.`;
  };
  const notes = {
    'compute.geomean.vs_v8': `Per kernel, slowest first: ${worst('.vs_v8')}. ${explain(gV8, uG[0], "Cranelift's code against TurboFan's")}`,
    'compute.geomean.vs_native': `Per kernel, slowest first: ${worst('.vs_native')}. ${explain(gNative, uG[1], "Cranelift's code (and WebAssembly's 32-bit addressing) against gcc -O2 -march=native")}`,
  };
  const details = [
    `Each kernel is called with the manifest's \`n\` (bench/kernels/kernels.json); every call's result is checked against the manifest checksum. ${reps} timed calls per side after warm-up, interleaved round by round (order reversed every other round). Ours: default engine (\`Engine.shared()\`, the engine \`createRuntime()\` uses: Cranelift \`speed\`, interruption on through woven flag checks, fuel off), one instance reused; the \`compute.*.unmetered.*\` ids are the same on \`Engine.shared({ epochInterruption: false, fuel: false })\`, timed in the same rounds. V8: one \`WebAssembly.Instance\` reused. Native: the same C source built with \`gcc -O2 -march=native -ffp-contract=off\`, timed in-process with \`clock_gettime\`, one process per sample after one warm-up call.`,
  ];
  return { records, notes, details, charts: { compute: perKernel } };
}

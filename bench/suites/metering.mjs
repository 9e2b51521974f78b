// metering.fuel and metering.epoch: the compute kernels on metered engines
// against the same kernels unmetered, all on our runtime.
//
//   unmetered: Engine.shared({ epochInterruption: false, fuel: false })
//   fuel:      Engine.shared({ fuel: true })               (woven fuel; epoch interruption stays at its default, on)
//   extra, metering.fuel_wasmtime: Engine.shared({ fuel: true, fuelMeter: 'wasmtime' }): Wasmtime's own fuel
//   epoch:     Engine.shared({ epochInterruption: true })
//   extra, metering.fuel_only: Engine.shared({ fuel: true, epochInterruption: false })
//   extra, metering.epoch_checks: Engine.shared({ epochChecks: true }): Wasmtime's own epoch checks
//     instead of the woven flag checks that interruption uses by default
//
// Per kernel the engines are interleaved; the ids report the geometric mean
// over kernels (per-kernel ratios are extra ids metering.<mode>.<kernel>).

import { Engine } from '@cybernetic/wasm';
import { loadManifest } from '../lib/kernels.mjs';
import { fromSamples, geomeanRecord } from '../lib/record.mjs';
import { interleave } from '../lib/stats.mjs';
import { loadOursKernel } from './compute.mjs';

export const title = 'Metering';

const ENGINES = {
  unmetered: { epochInterruption: false, fuel: false },
  fuel: { fuel: true },
  fuel_wasmtime: { fuel: true, fuelMeter: 'wasmtime' },
  epoch: { epochInterruption: true },
  fuel_only: { fuel: true, epochInterruption: false },
  epoch_checks: { epochInterruption: true, epochChecks: true },
};

export async function run(ctx) {
  const manifest = loadManifest();
  const engines = Object.fromEntries(Object.entries(ENGINES).map(([k, o]) => [k, Engine.shared(o)]));
  const reps = ctx.reps(15);
  const perKernel = { fuel: [], fuel_wasmtime: [], epoch: [], fuel_only: [], epoch_checks: [] };
  for (const k of manifest) {
    const runs = Object.fromEntries(Object.entries(engines).map(([mode, e]) => [mode, loadOursKernel(k.name, e)]));
    const contenders = Object.entries(runs).map(([mode, r]) => ({
      name: mode,
      fn: () => r.run(k.n),
      check: (v) => {
        if (v !== k.checksum) throw new Error(`${k.name} (${mode}): checksum ${v}, expected ${k.checksum}`);
      },
    }));
    for (const c of contenders) c.check(c.fn());
    const t = await interleave(contenders, { reps, warmup: 1 });
    for (const mode of Object.keys(perKernel)) {
      const rec = fromSamples(`metering.${mode}.${k.name}`, t[mode], t.unmetered, {
        baseline_name: 'unmetered engine',
        unit: 'ms/call',
      });
      perKernel[mode].push(rec);
      ctx.emit(rec, { quiet: true });
    }
    ctx.log(`${k.name}: fuel ×${perKernel.fuel.at(-1).ratio.toFixed(3)} (Wasmtime's fuel ×${perKernel.fuel_wasmtime.at(-1).ratio.toFixed(3)}), epoch ×${perKernel.epoch.at(-1).ratio.toFixed(3)}, fuel only ×${perKernel.fuel_only.at(-1).ratio.toFixed(3)}`);
  }
  const unit = 'ms/call (geomean over kernels)';
  const summary = {
    fuel: geomeanRecord('metering.fuel', perKernel.fuel, { baseline_name: 'unmetered engine', unit }),
    epoch: geomeanRecord('metering.epoch', perKernel.epoch, { baseline_name: 'unmetered engine', unit }),
    fuel_wasmtime: geomeanRecord('metering.fuel_wasmtime', perKernel.fuel_wasmtime, { baseline_name: 'unmetered engine', unit }),
    fuel_only: geomeanRecord('metering.fuel_only', perKernel.fuel_only, { baseline_name: 'unmetered engine', unit }),
    epoch_checks: geomeanRecord('metering.epoch_checks', perKernel.epoch_checks, { baseline_name: 'unmetered engine', unit }),
  };
  for (const r of Object.values(summary)) ctx.emit(r);
  const records = [...Object.values(summary), ...perKernel.fuel, ...perKernel.fuel_wasmtime, ...perKernel.epoch, ...perKernel.fuel_only, ...perKernel.epoch_checks];

  const list = (mode) =>
    [...perKernel[mode]]
      .sort((a, b) => b.ratio - a.ratio)
      .map((r) => `${r.id.split('.').at(-1)} ${r.ratio.toFixed(2)}`)
      .join(', ');
  const details = [
    `Every compute kernel on six engines, interleaved, ${reps} calls each after warm-up, one instance per engine reused. Unmetered: \`Engine.shared({ epochInterruption: false, fuel: false })\`; \`metering.fuel\`: \`Engine.shared({ fuel: true })\`, which keeps interruption on (its default, woven flag checks), so it is fuel + interruption; \`metering.epoch\`: \`Engine.shared({ epochInterruption: true })\` (deadlines and cancellation through woven flag checks, the default); \`metering.epoch_checks\` (extra): the same through Wasmtime's own epoch checks (\`epochChecks: true\`); \`metering.fuel_only\` (extra): \`{ fuel: true, epochInterruption: false }\`. The ids are geometric means over kernels; per-kernel ratios are in results.json as \`metering.<mode>.<kernel>\`.`,
    '',
    '| kernel | fuel (woven) | fuel (Wasmtime\'s) | epoch | fuel only |',
    '|---|---|---|---|---|',
    ...manifest.map((k, i) => `| ${k.name} | ${perKernel.fuel[i].ratio.toFixed(3)} | ${perKernel.fuel_wasmtime[i].ratio.toFixed(3)} | ${perKernel.epoch[i].ratio.toFixed(3)} | ${perKernel.fuel_only[i].ratio.toFixed(3)} |`),
  ];
  const notes = {
    'metering.fuel': `Per kernel, highest first: ${list('fuel')}. Fuel without epoch interruption: ${summary.fuel_only.ratio.toFixed(2)}; with Wasmtime's fuel instead of woven: ${summary.fuel_wasmtime.ratio.toFixed(2)}.`,
    'metering.epoch': `Per kernel, highest first: ${list('epoch')}.`,
  };
  return { records, notes, details };
}

// worker_threads worker: every compute kernel instantiated once on our
// runtime (default engine, its own Store per kernel), answering
// { id, name, n } with { id, value } (value = run(n) as u32).
import { parentPort } from 'node:worker_threads';
import { Engine, Module, Store } from '@cybernetic/wasm';
import { loadManifest, wasmBytes } from '../lib/kernels.mjs';

const engine = Engine.shared();
const kernels = new Map();
for (const k of loadManifest()) {
  const store = new Store(engine);
  const f = store.instantiate(Module.compile(engine, wasmBytes(k.name))).func('run');
  kernels.set(k.name, f);
}
parentPort.on('message', ({ id, name, n }) => {
  try {
    parentPort.postMessage({ id, value: kernels.get(name).call(n) >>> 0 });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e?.stack ?? e) });
  }
});
parentPort.postMessage({ ready: true });

// piscina task module: every compute kernel instantiated once per worker
// with V8's WebAssembly; a task { name, n } returns run(n) as u32.
import { loadManifest } from '../lib/kernels.mjs';
import { loadV8Kernel } from '../lib/v8-baseline.mjs';

const kernels = new Map(loadManifest().map((k) => [k.name, loadV8Kernel(k.name)]));

export default function runKernel({ name, n }) {
  return kernels.get(name).run(n);
}

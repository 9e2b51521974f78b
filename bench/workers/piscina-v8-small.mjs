// piscina task module: the bench's small module instantiated once per
// worker with V8's WebAssembly; a task { a, b } returns add(a, b).
import { smallModuleBytes } from '../lib/modules.mjs';

const { add } = new WebAssembly.Instance(new WebAssembly.Module(smallModuleBytes()), {}).exports;

export default function runAdd({ a, b }) {
  return add(a, b);
}

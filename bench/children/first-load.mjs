// Child process for load.disk_cache_*: a process's first load of a large
// module, timed inside the process from reading the file to having a module
// ready to instantiate.
//
//   node bench/children/first-load.mjs <disk|compile|v8> FILE CACHE_DIR
//
// disk:    createRuntime({ cacheDir }) + rt.loadModule(FILE) (the entry is there)
// compile: createRuntime({ cacheDir: false }) + rt.loadModule(FILE) (Winch first: tiered compilation)
// v8:      new WebAssembly.Module(readFileSync(FILE))
// Prints JSON { side, ms, outcome }.
import { readFileSync } from 'node:fs';

const [side, file, cacheDir] = process.argv.slice(2);
if (!['disk', 'compile', 'v8'].includes(side) || !file) {
  console.error('usage: first-load.mjs <disk|compile|v8> FILE CACHE_DIR');
  process.exit(64);
}
let outcome = side;
const t0 = performance.now();
if (side === 'v8') {
  new WebAssembly.Module(readFileSync(file));
} else {
  const { createRuntime } = await import('@cybernetic/wasm');
  const rt = await createRuntime({ cacheDir: side === 'disk' ? cacheDir : false });
  const stats0 = rt.cache?.stats();
  const t1 = performance.now();
  await rt.loadModule(file);
  const ms = performance.now() - t1;
  if (side === 'disk' && rt.cache.stats().hits !== stats0.hits + 1) outcome = 'miss';
  console.log(JSON.stringify({ side, ms, setup_ms: t1 - t0, outcome }));
  process.exit(0);
}
console.log(JSON.stringify({ side, ms: performance.now() - t0, outcome }));

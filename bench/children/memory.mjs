// Child process for memory.1000_instances.*: prints JSON with the RSS growth
// caused by `count` live instances of the small bench module.
//
//   node --expose-gc bench/children/memory.mjs <ours|ours_one_store|v8> <count>
//
// Everything that is paid once (loading the runtime, compiling the module,
// a first instance and call, and the JIT's work on a first batch of
// `count` instances, kept alive) happens before the "before" reading; then
// 2 × `count` instances are created (one call each) and held in an array
// until the "after" reading, and half the growth is reported (the cost of
// `count`). Readings follow a full GC and an event-loop turn.
import { setImmediate as tick } from 'node:timers/promises';
import { smallModuleBytes } from '../lib/modules.mjs';

const [side, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!['ours', 'ours_one_store', 'v8'].includes(side) || !Number.isInteger(count) || count < 1) {
  console.error('usage: memory.mjs <ours|ours_one_store|v8> <count>');
  process.exit(64);
}
if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc');
  process.exit(64);
}

async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await tick();
  }
}

const bytes = smallModuleBytes();
let make;
if (side === 'v8') {
  const mod = new WebAssembly.Module(bytes);
  make = () => {
    const inst = new WebAssembly.Instance(mod, {});
    if (inst.exports.add(1, 2) !== 3) throw new Error('add');
    return inst;
  };
} else {
  const { Engine, Module, Store } = await import('@cybernetic/wasm');
  const engine = Engine.shared();
  const mod = Module.compile(engine, bytes);
  const shared = side === 'ours_one_store' ? new Store(engine) : null;
  make = () => {
    const inst = (shared ?? new Store(engine)).instantiate(mod);
    if (inst.func('add').call(1, 2) !== 3) throw new Error('add');
    return inst;
  };
}

make(); // one-time costs: first instance, first call
// The JIT's own one-time work (optimizing the code that makes instances,
// whose compiler memory stays resident) came to ~4.5 MB and landed inside
// the measured window or not depending on code layout: a first batch of
// `count` instances, kept alive so that nothing of theirs is freed and
// reused by the measured ones, runs it before the "before" reading.
const warm = [];
for (let i = 0; i < count; i++) warm.push(make());
await settle();
const before = process.memoryUsage();
// Allocators grow RSS in steps (mimalloc's segments, V8's heap pages) as
// big as 1,000 small instances: the growth over twice `count` instances,
// halved, is the cost of `count` with the steps averaged out.
const live = [];
for (let i = 0; i < 2 * count; i++) live.push(make());
await settle();
const after = process.memoryUsage();
if (live.length !== 2 * count || warm.length !== count) throw new Error('lost instances');
console.log(JSON.stringify({
  side,
  count,
  rss_before: before.rss,
  rss_after: after.rss,
  rss_growth: (after.rss - before.rss) / 2,
  heap_growth: (after.heapUsed - before.heapUsed) / 2,
  external_growth: (after.external - before.external) / 2,
}));

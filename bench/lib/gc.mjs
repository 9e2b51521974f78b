// A callable full GC without requiring `node --expose-gc` on the command line.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn = globalThis.gc;
if (typeof gcFn !== 'function') {
  setFlagsFromString('--expose-gc');
  gcFn = runInNewContext('gc');
}

/** Full garbage collection (twice, so finalizers queued by the first run too). */
export function fullGc() {
  gcFn();
  gcFn();
}

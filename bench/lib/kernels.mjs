// Paths and manifest for the compute kernels (bench/kernels).
//
// kernels.json is the source of truth: [{ "name", "n", "checksum" }], where
// run(n) must return `checksum` both as wasm (any engine) and natively.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNELS_DIR = join(BENCH_DIR, 'kernels');
export const MANIFEST_PATH = join(KERNELS_DIR, 'kernels.json');
export const WASM_DIR = join(KERNELS_DIR, 'wasm');
export const NATIVE_DIR = join(BENCH_DIR, 'tmp', 'native');

/** @typedef {{ name: string, n: number, checksum: number }} KernelEntry */

/** @returns {KernelEntry[]} */
export function loadManifest() {
  const list = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
  if (!Array.isArray(list)) throw new Error(`${MANIFEST_PATH}: expected an array`);
  for (const k of list) {
    if (typeof k.name !== 'string' || !/^[a-z0-9_]+$/.test(k.name)) {
      throw new Error(`${MANIFEST_PATH}: bad kernel name ${JSON.stringify(k.name)}`);
    }
    if (!Number.isInteger(k.n) || k.n < 0 || k.n > 0xffffffff) {
      throw new Error(`${MANIFEST_PATH}: ${k.name}: n must be a u32`);
    }
    if (k.checksum !== null && (!Number.isInteger(k.checksum) || k.checksum < 0 || k.checksum > 0xffffffff)) {
      throw new Error(`${MANIFEST_PATH}: ${k.name}: checksum must be a u32`);
    }
  }
  return list;
}

/** @returns {KernelEntry} */
export function getKernel(name) {
  const k = loadManifest().find((e) => e.name === name);
  if (!k) throw new Error(`unknown kernel ${JSON.stringify(name)} (see ${MANIFEST_PATH})`);
  return k;
}

export const sourcePath = (name) => join(KERNELS_DIR, `${name}.c`);
export const wasmPath = (name) => join(WASM_DIR, `${name}.wasm`);
export const nativePath = (name) => join(NATIVE_DIR, name);

/** The committed .wasm bytes for a kernel (the same bytes every engine runs). */
export function wasmBytes(name) {
  return readFileSync(wasmPath(name));
}

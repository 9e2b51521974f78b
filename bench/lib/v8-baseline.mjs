// Baseline: run a kernel's .wasm with Node's built-in WebAssembly (V8).
//
//   import { loadV8Kernel } from './v8-baseline.mjs';
//   const k = loadV8Kernel('sha256');   // or loadV8Kernel(bytes)
//   const checksum = k.run(512);        // u32, same as kernels.json
//
// The module has no imports and exports `run(n: i32) -> i32` and `memory`.

import { wasmBytes } from './kernels.mjs';

/**
 * Compile and instantiate a kernel synchronously (modules are a few KiB).
 * @param {string | Uint8Array | ArrayBuffer} nameOrBytes kernel name (reads
 *   bench/kernels/wasm/<name>.wasm) or the module bytes
 * @returns {{ name: string, bytes: Uint8Array, module: WebAssembly.Module,
 *   instance: WebAssembly.Instance, memory: WebAssembly.Memory, run: (n: number) => number }}
 */
export function loadV8Kernel(nameOrBytes) {
  const name = typeof nameOrBytes === 'string' ? nameOrBytes : '<bytes>';
  const bytes = typeof nameOrBytes === 'string' ? wasmBytes(nameOrBytes) : new Uint8Array(nameOrBytes);
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length) {
    throw new Error(`${name}: kernel must not have imports, found ${imports.map((i) => `${i.module}.${i.name}`).join(', ')}`);
  }
  const instance = new WebAssembly.Instance(module, {});
  const { run: raw, memory } = instance.exports;
  if (typeof raw !== 'function') throw new Error(`${name}: missing export "run"`);
  if (!(memory instanceof WebAssembly.Memory)) throw new Error(`${name}: missing export "memory"`);
  // i32 results come back signed; report the u32 the C code returned.
  const run = (n) => raw(n >>> 0) >>> 0;
  return { name, bytes, module, instance, memory, run };
}

/** Async variant (WebAssembly.compile/instantiate), same result shape. */
export async function loadV8KernelAsync(nameOrBytes) {
  const name = typeof nameOrBytes === 'string' ? nameOrBytes : '<bytes>';
  const bytes = typeof nameOrBytes === 'string' ? wasmBytes(nameOrBytes) : new Uint8Array(nameOrBytes);
  const module = await WebAssembly.compile(bytes);
  if (WebAssembly.Module.imports(module).length) throw new Error(`${name}: kernel must not have imports`);
  const instance = await WebAssembly.instantiate(module, {});
  const { run: raw, memory } = instance.exports;
  if (typeof raw !== 'function') throw new Error(`${name}: missing export "run"`);
  if (!(memory instanceof WebAssembly.Memory)) throw new Error(`${name}: missing export "memory"`);
  const run = (n) => raw(n >>> 0) >>> 0;
  return { name, bytes, module, instance, memory, run };
}

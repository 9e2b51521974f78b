// Test modules for the non-compute benchmarks, built at run time (nothing
// here is committed as a binary).
//
//   smallModuleBytes()        a tiny module: 1-page memory, a global, a data
//                             segment and `add(i32, i32) -> i32`
//   bigModuleBytes(minBytes)  a generated module of at least `minBytes`
//                             (thousands of distinct functions)
//   withNonce(bytes, i)       the same module plus a custom section holding
//                             `i`: different bytes, identical code

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The addon's WAT → wasm converter (the same one the runtime uses). */
export function watToWasm(text) {
  const { watToWasm: convert } = require('@cybernetic/wasm-native');
  return new Uint8Array(convert(Buffer.from(text, 'utf8')));
}

export const SMALL_WAT = `(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "bump") (result i32)
    global.get $calls
    i32.const 1
    i32.add
    global.set $calls
    global.get $calls)
  (data (i32.const 16) "cybernetic-wasm bench"))`;

export function smallModuleBytes() {
  return watToWasm(SMALL_WAT);
}

/**
 * WAT text with `nfuncs` functions `(param i32 i32) (result i32)`, each a
 * loop of pseudo-random arithmetic, loads, stores and calls to earlier
 * functions. Deterministic (fixed seed) so every run compiles the same bytes.
 */
export function bigModuleWat(nfuncs) {
  let seed = 0x2545f491;
  const rnd = (k) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  const out = ['(module', '  (memory (export "memory") 1)', '  (global $g (mut i32) (i32.const 1))'];
  for (let f = 0; f < nfuncs; f++) {
    const body = ['local.get 0', 'local.set 2', 'block $done', 'loop $l'];
    for (let j = 0; j < 24; j++) {
      switch (rnd(6)) {
        case 0:
          body.push('local.get 2', `i32.const ${rnd(100000)}`, 'i32.add', 'local.set 2');
          break;
        case 1:
          body.push('local.get 2', `i32.const ${rnd(31) + 1}`, 'i32.rotl', 'local.get 1', 'i32.xor', 'local.set 2');
          break;
        case 2:
          body.push(`i32.const ${rnd(16000) * 4}`, 'i32.load', 'local.get 2', 'i32.add', 'local.set 2');
          break;
        case 3:
          body.push(`i32.const ${rnd(16000) * 4}`, 'local.get 2', 'i32.store', 'global.get $g', 'local.get 2', 'i32.mul', 'global.set $g');
          break;
        case 4:
          if (f > 0) {
            body.push('local.get 2', 'local.get 1', `call $f${rnd(f)}`, 'local.set 2');
            break;
          }
        // fall through
        default:
          body.push('local.get 2', 'local.get 1', 'i32.const 7', 'i32.and', 'i32.shr_u', 'local.set 2');
      }
    }
    body.push('local.get 1', 'i32.const 1', 'i32.sub', 'local.tee 1', 'i32.const 0', 'i32.le_s', 'br_if $done', 'br $l', 'end', 'end', 'local.get 2');
    out.push(`  (func $f${f} (export "f${f}") (param i32 i32) (result i32) (local i32)\n    ${body.join('\n    ')})`);
  }
  out.push(')');
  return out.join('\n');
}

/** A generated module of at least `minBytes` bytes. */
export function bigModuleBytes(minBytes = 1 << 20) {
  // ~300 bytes per function; grow until the binary is big enough.
  let nfuncs = Math.ceil(minBytes / 280);
  for (;;) {
    const bytes = watToWasm(bigModuleWat(nfuncs));
    if (bytes.length >= minBytes) return { bytes, functions: nfuncs };
    nfuncs = Math.ceil(nfuncs * 1.15);
  }
}

function leb128(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/**
 * `bytes` with a custom section "bench-nonce" appended that holds `nonce`.
 * Custom sections don't change what the module does, but they change its
 * bytes, so caches keyed by content (V8's, ours) see a new module.
 */
export function withNonce(bytes, nonce) {
  const name = Buffer.from('bench-nonce', 'utf8');
  const payload = Buffer.from(String(nonce), 'utf8');
  const body = [...leb128(name.length), ...name, ...payload];
  const section = Uint8Array.from([0, ...leb128(body.length), ...body]);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes, 0);
  out.set(section, bytes.length);
  return out;
}

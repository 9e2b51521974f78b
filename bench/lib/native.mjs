// Baseline: the same C kernel compiled natively (gcc -O2 -march=native), timed
// inside its own process by bench/kernels/native_main.c.
//
//   import { runNative } from './native.mjs';
//   const r = await runNative('sha256', 512, { reps: 10, warmup: 1 });
//   r.times_ms  // per-call times measured with clock_gettime(CLOCK_MONOTONIC)
//   r.checksum  // u32 returned by run(n)
//
// Executables live in bench/tmp/native/<name>; build them with
// `node bench/build-kernels.mjs`.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { nativePath } from './kernels.mjs';

const execFileP = promisify(execFile);

/** @typedef {{ name: string, n: number, reps: number, warmup: number,
 *   times_ns: number[], times_ms: number[], checksum: number }} NativeResult */

export function nativeExists(name) {
  return existsSync(nativePath(name));
}

function argsFor(name, n, opts) {
  const reps = opts.reps ?? 1;
  const warmup = opts.warmup ?? 0;
  if (!Number.isInteger(reps) || reps < 0 || !Number.isInteger(warmup) || warmup < 0) {
    throw new Error(`native ${name}: reps and warmup must be non-negative integers`);
  }
  return [String(n >>> 0), String(reps), String(warmup)];
}

/** @returns {NativeResult} */
export function parseNativeOutput(name, stdout) {
  let r;
  try {
    r = JSON.parse(String(stdout).trim());
  } catch (e) {
    throw new Error(`native ${name}: could not parse output ${JSON.stringify(String(stdout).slice(0, 200))}: ${e.message}`);
  }
  if (r.name !== name || !Array.isArray(r.times_ns) || !Number.isInteger(r.checksum)) {
    throw new Error(`native ${name}: unexpected output ${JSON.stringify(r).slice(0, 200)}`);
  }
  r.times_ms = r.times_ns.map((ns) => ns / 1e6);
  return r;
}

function missing(name) {
  return new Error(`native ${name}: ${nativePath(name)} not found; run \`node bench/build-kernels.mjs\``);
}

/**
 * Run the native executable once: `warmup` untimed calls, then `reps` timed calls.
 * @returns {Promise<NativeResult>}
 */
export async function runNative(name, n, opts = {}) {
  if (!nativeExists(name)) throw missing(name);
  const { stdout } = await execFileP(nativePath(name), argsFor(name, n, opts), {
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 16 << 20,
  });
  return parseNativeOutput(name, stdout);
}

/** Synchronous variant of runNative. @returns {NativeResult} */
export function runNativeSync(name, n, opts = {}) {
  if (!nativeExists(name)) throw missing(name);
  const stdout = execFileSync(nativePath(name), argsFor(name, n, opts), {
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 16 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return parseNativeOutput(name, stdout);
}

/**
 * A self-timed contender for stats.interleave(): each turn spawns the native
 * process for `count` timed calls (after `warmup` untimed ones inside the same
 * process) and reports the in-process times in ms.
 */
export function nativeContender(name, n, { warmup = 1, label = 'native', expectChecksum } = {}) {
  return {
    name: label,
    async sample(count) {
      const r = await runNative(name, n, { reps: count, warmup });
      if (expectChecksum !== undefined && r.checksum !== expectChecksum) {
        throw new Error(`native ${name}: checksum ${r.checksum} != expected ${expectChecksum}`);
      }
      return r.times_ms;
    },
  };
}

#!/usr/bin/env node
// Build the compute-benchmark kernels (bench/kernels/<name>.c) two ways:
//
//   wasm:   bench/kernels/wasm/<name>.wasm   clang --target=wasm32 -O2 -msimd128, freestanding
//           (committed; rebuilt only when the source or flags change, tracked in
//           bench/kernels/wasm/build-stamp.json, or with --force)
//   native: bench/tmp/native/<name>          gcc -O2 -march=native + kernels/native_main.c
//           (not committed; rebuilt when source, flags, compiler or CPU change)
//
// usage: node bench/build-kernels.mjs [options] [kernel ...]
//   --force             rebuild everything selected, even if up to date
//   --wasm-only         only the .wasm files
//   --native-only       only the native executables
//   --update-checksums  afterwards run each kernel once in V8 and natively at the
//                       manifest's n, require equal results, write them to kernels.json
//   --no-install        never try `apt-get install` for missing compilers
//   --verbose           print every compiler command
//
// Missing clang/wasm-ld (or gcc) are installed with `apt-get install -y clang lld`
// (or `gcc libc6-dev`) when running as root on a Debian-like system; otherwise
// the script says what to install and exits 1. Also importable: buildKernels(opts).

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KERNELS_DIR,
  MANIFEST_PATH,
  NATIVE_DIR,
  WASM_DIR,
  loadManifest,
  nativePath,
  sourcePath,
  wasmPath,
} from './lib/kernels.mjs';
import { aptInstall, toolWorks } from '../scripts/lib/apt.mjs';

const CC_WASM = process.env.BENCH_CC_WASM || 'clang';
const CC_NATIVE = process.env.BENCH_CC_NATIVE || 'gcc';

// Memory is exported as "memory" by wasm-ld by default (lld 14 has no
// --export-memory flag; newer ones export it by default too). -fno-builtin keeps
// clang from turning loops into memset/memcpy calls, which would be imports.
export const WASM_FLAGS = [
  '--target=wasm32',
  '-O2',
  '-msimd128',
  '-ffreestanding',
  '-fno-builtin',
  '-nostdlib',
  '-Wall',
  '-Wextra',
  '-Wl,--no-entry',
  '-Wl,--export=run',
  '-Wl,-z,stack-size=65536',
];

// -ffp-contract=off: GCC fuses a*b+c into FMA by default when the CPU has it,
// which changes float results; wasm has no fused multiply-add, and the kernels'
// checksums must be bit-identical across both builds.
export const NATIVE_FLAGS = ['-O2', '-march=native', '-ffp-contract=off', '-Wall', '-Wextra'];

const STAMP_PATH = join(WASM_DIR, 'build-stamp.json');
const NATIVE_MAIN = join(KERNELS_DIR, 'native_main.c');

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : JSON.stringify(p)).update('\0');
  return h.digest('hex');
};

function makeLogger({ verbose = false, quiet = false } = {}) {
  const print = (msg) => console.log(`[build-kernels] ${msg}`);
  return {
    info: print, // always shown: builds, installs, checksum changes
    note: (msg) => quiet || print(msg), // "up to date", timing
    verbose: (msg) => verbose && print(msg),
  };
}

function ensureWasmToolchain(opts) {
  const haveClang = toolWorks(CC_WASM);
  const haveLd = toolWorks('wasm-ld');
  if (haveClang && haveLd) return;
  const missing = [!haveClang && CC_WASM, !haveLd && 'wasm-ld'].filter(Boolean).join(' and ');
  aptInstall(['clang', 'lld'], `${missing} not found (needed to build the .wasm kernels)`, opts);
  if (!toolWorks(CC_WASM) || !toolWorks('wasm-ld')) throw new Error(`${missing} still not usable after installing`);
}

function ensureNativeToolchain(opts) {
  if (toolWorks(CC_NATIVE)) return;
  aptInstall(['gcc', 'libc6-dev'], `${CC_NATIVE} not found (needed to build the native kernels)`, opts);
  if (!toolWorks(CC_NATIVE)) throw new Error(`${CC_NATIVE} still not usable after installing`);
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout || '').split('\n')[0].trim();
}

function exec(cmd, args, log) {
  log.verbose(`$ ${[cmd, ...args].map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (stderr.trim()) process.stderr.write(stderr);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} exited with ${code} (${args.slice(-3).join(' ')})`));
    });
  });
}

async function pool(items, limit, worker) {
  const queue = [...items];
  const errors = [];
  const runners = Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, async () => {
    while (queue.length) {
      const item = queue.shift();
      try {
        await worker(item);
      } catch (e) {
        errors.push(e);
      }
    }
  });
  await Promise.all(runners);
  if (errors.length) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
}

/** Exactly: no imports; exports `memory` (memory) and `run` (function). */
export function validateWasm(name, bytes) {
  const mod = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length) {
    throw new Error(`${name}.wasm has imports (${imports.map((i) => `${i.module}.${i.name}`).join(', ')}); kernels must be freestanding`);
  }
  const exports = WebAssembly.Module.exports(mod)
    .map((e) => `${e.name}:${e.kind}`)
    .sort()
    .join(',');
  if (exports !== 'memory:memory,run:function') {
    throw new Error(`${name}.wasm exports ${exports}; expected exactly memory:memory,run:function`);
  }
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP_PATH, 'utf8'));
  } catch {
    return { kernels: {} };
  }
}

function writeManifest(list) {
  const lines = list.map((k) => `  { "name": ${JSON.stringify(k.name)}, "n": ${k.n}, "checksum": ${k.checksum} }`);
  writeFileSync(MANIFEST_PATH, `[\n${lines.join(',\n')}\n]\n`);
}

/**
 * @param {{ kernels?: string[], force?: boolean, wasm?: boolean, native?: boolean,
 *   updateChecksums?: boolean, noInstall?: boolean, verbose?: boolean, quiet?: boolean }} [opts]
 *   quiet hides only the "up to date" / timing lines; builds and installs are always reported
 * @returns {Promise<{ wasmBuilt: string[], nativeBuilt: string[] }>}
 */
export async function buildKernels(opts = {}) {
  const log = makeLogger({ verbose: !!opts.verbose, quiet: !!opts.quiet });
  const doWasm = opts.wasm ?? true;
  const doNative = opts.native ?? true;
  const manifest = loadManifest();
  const known = new Set(manifest.map((k) => k.name));
  const names = opts.kernels?.length ? opts.kernels : manifest.map((k) => k.name);
  for (const n of names) if (!known.has(n)) throw new Error(`unknown kernel ${n} (not in ${MANIFEST_PATH})`);
  for (const f of readdirSync(KERNELS_DIR)) {
    const m = /^(.*)\.c$/.exec(f);
    if (m && m[1] !== 'native_main' && !known.has(m[1])) log.info(`warning: kernels/${f} is not listed in kernels.json, skipped`);
  }
  const jobs = os.availableParallelism?.() ?? os.cpus().length;
  const t0 = Date.now();

  // --- wasm: only when stale (the .wasm files are committed artifacts).
  const wasmBuilt = [];
  if (doWasm) {
    const stamp = readStamp();
    stamp.kernels ??= {};
    const stale = names.filter((name) => {
      const want = sha256(readFileSync(sourcePath(name), 'utf8'), WASM_FLAGS);
      return opts.force || !existsSync(wasmPath(name)) || stamp.kernels[name] !== want;
    });
    if (stale.length) {
      ensureWasmToolchain({ noInstall: opts.noInstall, log });
      log.info(`wasm: building ${stale.join(', ')} with ${firstLine(CC_WASM, ['--version'])}`);
      mkdirSync(WASM_DIR, { recursive: true });
      await pool(stale, jobs, async (name) => {
        await exec(CC_WASM, [...WASM_FLAGS, '-o', wasmPath(name), sourcePath(name)], log);
        chmodSync(wasmPath(name), 0o644); // wasm-ld marks its output executable
        validateWasm(name, readFileSync(wasmPath(name)));
        stamp.kernels[name] = sha256(readFileSync(sourcePath(name), 'utf8'), WASM_FLAGS);
        wasmBuilt.push(name);
      }).finally(() => {
        const out = {
          note: 'sha256 of each kernel source + WASM_FLAGS; build-kernels.mjs rebuilds a .wasm only when this changes',
          flags: WASM_FLAGS,
          kernels: Object.fromEntries(Object.entries(stamp.kernels).sort(([a], [b]) => a.localeCompare(b))),
        };
        writeFileSync(STAMP_PATH, `${JSON.stringify(out, null, 2)}\n`);
      });
    } else {
      for (const name of names) validateWasm(name, readFileSync(wasmPath(name)));
      log.note(`wasm: ${names.length} kernel(s) up to date`);
    }
  }

  // --- native: cheap, rebuilt when anything that affects the binary changes.
  const nativeBuilt = [];
  if (doNative) {
    ensureNativeToolchain({ noInstall: opts.noInstall, log });
    mkdirSync(NATIVE_DIR, { recursive: true });
    const ccId = firstLine(CC_NATIVE, ['--version']);
    const cpu = os.cpus()[0]?.model ?? '';
    const mainSrc = readFileSync(NATIVE_MAIN, 'utf8');
    const stampOf = (name) => sha256(readFileSync(sourcePath(name), 'utf8'), mainSrc, NATIVE_FLAGS, ccId, cpu);
    const stale = names.filter((name) => {
      if (opts.force || !existsSync(nativePath(name))) return true;
      try {
        return readFileSync(`${nativePath(name)}.stamp`, 'utf8').trim() !== stampOf(name);
      } catch {
        return true;
      }
    });
    if (stale.length) {
      log.info(`native: building ${stale.join(', ')} with ${ccId}`);
      await pool(stale, jobs, async (name) => {
        const args = [...NATIVE_FLAGS, `-DKERNEL_NAME="${name}"`, '-o', nativePath(name), sourcePath(name), NATIVE_MAIN, '-lm'];
        await exec(CC_NATIVE, args, log);
        writeFileSync(`${nativePath(name)}.stamp`, `${stampOf(name)}\n`);
        nativeBuilt.push(name);
      });
    } else {
      log.note(`native: ${names.length} kernel(s) up to date`);
    }
  }

  if (opts.updateChecksums) {
    const { loadV8Kernel } = await import('./lib/v8-baseline.mjs');
    const { runNativeSync } = await import('./lib/native.mjs');
    const list = loadManifest();
    let bad = 0;
    for (const k of list) {
      if (!names.includes(k.name)) continue;
      const v8 = loadV8Kernel(k.name).run(k.n);
      const nat = runNativeSync(k.name, k.n, { reps: 1, warmup: 0 }).checksum;
      if (v8 !== nat) {
        log.info(`checksum MISMATCH ${k.name}: wasm/V8 ${v8} vs native ${nat}; kernels.json not updated`);
        bad++;
      } else if (k.checksum !== v8) {
        log.info(`checksum ${k.name}: ${k.checksum} -> ${v8}`);
        k.checksum = v8;
      }
    }
    if (bad) throw new Error(`${bad} kernel(s) give different results as wasm and natively`);
    writeManifest(list);
    log.info(`wrote ${MANIFEST_PATH}`);
  }

  log.note(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { wasmBuilt, nativeBuilt };
}

function parseArgs(argv) {
  const opts = { kernels: [] };
  for (const a of argv) {
    if (a === '--force') opts.force = true;
    else if (a === '--wasm-only') opts.native = false;
    else if (a === '--native-only') opts.wasm = false;
    else if (a === '--update-checksums') opts.updateChecksums = true;
    else if (a === '--no-install') opts.noInstall = true;
    else if (a === '--verbose' || a === '-v') opts.verbose = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.kernels.push(a);
  }
  if (opts.wasm === false && opts.native === false) throw new Error('--wasm-only and --native-only together build nothing');
  return opts;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
      console.log(src.split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
    } else {
      await buildKernels(opts);
    }
  } catch (e) {
    console.error(`[build-kernels] error: ${e.message}`);
    process.exit(1);
  }
}

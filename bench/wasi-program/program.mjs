// The large third-party WASI preview-1 command this directory benchmarks, and
// the one invocation of it that the harness runs. Shared by fetch.mjs,
// node-wasi.mjs and time-node-wasi.mjs, and meant for a later `cwasm run`
// driver too, so both runtimes get the same module, arguments and preopens.
//
// The program: Yosys (the open synthesis suite), as built for WebAssembly by
// the YoWASP project and published on npm as @yowasp/yosys (ISC licence,
// the same as Yosys). Its `gen/yosys.core.wasm` is the plain preview-1
// command (`_start`, imports only from `wasi_snapshot_preview1`); the other
// gen/*.wasm files are the component adapter jco adds for the package's own
// JS runner and are not used here. Nothing of the package is committed: it
// is fetched into the cache at run time (fetch.mjs).

import { homedir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PKG = '@yowasp/yosys';
export const VERSION = '0.55.944';
/** The preview-1 command inside the package. */
export const WASM_IN_PACKAGE = 'gen/yosys.core.wasm';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = join(HERE, 'fixtures');

/** `$XDG_CACHE_HOME/cybernetic-wasm` or `~/.cache/cybernetic-wasm` (as the runtime's own cache). */
export function cacheRoot() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cybernetic-wasm');
}

/** Where fetch.mjs unpacks the package: `<cache>/npm/@yowasp/yosys@0.55.944/`. */
export function packageDir() {
  return join(cacheRoot(), 'npm', `${PKG}@${VERSION}`);
}

/** Paths inside the unpacked package (valid after fetch.mjs has run). */
export function programPaths() {
  const root = packageDir();
  return {
    root,
    /** npm's tarball layout puts everything under package/. */
    pkg: join(root, 'package'),
    wasm: join(root, 'package', WASM_IN_PACKAGE),
    /** The Yosys share/ tree (techmap.v, cell libraries …), written out by fetch.mjs. */
    share: join(root, 'share'),
  };
}

/**
 * The run: read our counter, synthesise it to generic gates, print cell
 * statistics, write the netlist as Verilog and JSON.
 *
 * Guest paths (what the program sees):
 *   /share  read-only   Yosys looks for its data files at /share/ (hard-wired
 *                       in this build); `synth` needs /share/techmap.v etc.
 *   /in     read-only   our fixture (counter.v, counter.ys)
 *   /out    read-write  the netlists it writes
 *   /tmp    read-write  only for counter-abc: ABC (inside `synth`) makes a
 *                       scratch directory /tmp/yosys-abc-XXXXXX and removes it
 * The counter run reads /in/counter.ys, /in/counter.v and /share/techmap.v
 * (nothing else: strace of node:wasi) and writes two files in /out.
 * `-Q` drops the banner, `-T` the closing time/memory line, so stdout is
 * the same from run to run.
 *
 * Scripts (fixtures/*.ys):
 *   counter      `synth -noabc`: the checked run. Every pass of the generic
 *                flow except ABC; output identical under node:wasi and the
 *                package's own JS runner.
 *   short        read the counter and print its statistics, no synthesis: a
 *                short run of a large program (where start-up dominates)
 *   counter-abc  plain `synth`, i.e. with ABC, which Yosys runs in-process
 *                after moving stdout/stderr with fd_renumber onto fds that
 *                it has just vacated. Preview-1 runtimes that require the
 *                target fd to be open (node:wasi/uvwasi and wasmtime-wasi
 *                both do) lose everything Yosys prints after ABC, and
 *                node:wasi (lowest free fd first) also writes the log into
 *                the netlist files opened afterwards. Kept as a probe of
 *                fd_renumber semantics, not as the benchmark.
 *
 * @param {{ outDir: string, tmpDir: string, script?: 'counter' | 'counter-abc' }} dirs
 *   host directories for /out and /tmp (created by the caller)
 */
export const SCRIPTS = ['counter', 'counter-abc', 'short'];

export function invocation({ outDir, tmpDir, script = 'counter' }) {
  if (!SCRIPTS.includes(script)) throw new Error(`unknown script ${script}; one of ${SCRIPTS.join(', ')}`);
  const { wasm, share } = programPaths();
  return {
    wasm,
    argv0: 'yosys',
    args: ['-Q', '-T', '-s', `/in/${script}.ys`],
    env: {},
    preopens: [
      { guest: '/share', host: share, write: false },
      { guest: '/in', host: FIXTURES, write: false },
      { guest: '/out', host: outDir, write: true },
      ...(script === 'counter-abc' ? [{ guest: '/tmp', host: tmpDir, write: true }] : []),
    ],
  };
}

/**
 * The same invocation as `cwasm run` arguments (the CLI of issue 9:
 * `--ro-dir HOST::GUEST`, `--dir HOST::GUEST`, then MODULE and the guest's
 * own arguments). `module` may be the .wasm or a .cwasm compiled from it.
 */
export function cwasmRunArgs(inv, module = inv.wasm) {
  const dirs = inv.preopens.flatMap((p) => [p.write ? '--dir' : '--ro-dir', `${p.host}::${p.guest}`]);
  return ['run', ...dirs, module, ...inv.args];
}

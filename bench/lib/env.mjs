// The machine and software a benchmark run happened on.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

function cpuinfo() {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
    const mhz = /^cpu MHz\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
    const flags = /^flags\s*:\s*(.+)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
    return { model, mhz, simd: ['sse4_2', 'avx', 'avx2', 'avx512f'].filter((f) => flags.includes(f)).join(' ') };
  } catch {
    return {};
  }
}

const firstLine = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
};

export function environment(repoRoot) {
  const cpu = cpuinfo();
  let wasmtime = null;
  try {
    wasmtime = require('@cybernetic/wasm-native').wasmtimeVersion();
  } catch {}
  const commit = firstLine('git', ['rev-parse', '--short', 'HEAD'], repoRoot);
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', cwd: repoRoot }).stdout?.trim();
  return {
    date: new Date().toISOString(),
    cpu_model: cpu.model ?? os.cpus()[0]?.model ?? 'unknown',
    cpu_mhz: cpu.mhz ?? null,
    cpu_simd_flags: cpu.simd ?? null,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memory_gib: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    wasmtime,
    gcc: firstLine('gcc', ['--version']),
    git: commit ? `${commit}${dirty ? ' (uncommitted changes)' : ''}` : null,
    loadavg_start: loadavg(),
  };
}

/** 1/5/15-minute load averages: other work on the machine skews timings. */
export function loadavg() {
  return os.loadavg().map((x) => Number(x.toFixed(2)));
}

/**
 * Machine-wide and own CPU time in clock ticks (USER_HZ), from /proc: `busy`
 * is all non-idle time of all cores, `own` this process (worker threads
 * included) plus its waited-for children. Two snapshots give how much CPU
 * *other* processes used in between (see otherCpu).
 */
export function cpuSnapshot() {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + (cpu[4] ?? 0);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    // /proc/self/stat: fields after the ")" of the command name; utime is field 14.
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = f[11] + f[12] + f[13] + f[14]; // utime stime cutime cstime
    return { busy: total - idle, total, own, at: Date.now() };
  } catch {
    return null;
  }
}

/** Average number of cores other processes kept busy between two snapshots. */
export function otherCpu(a, b) {
  if (!a || !b || b.total <= a.total) return null;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const ticksPerCore = (b.total - a.total) / cores;
  const others = b.busy - a.busy - (b.own - a.own);
  return Math.max(0, others / ticksPerCore);
}

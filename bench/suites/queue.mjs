// queue.*: @cybernetic/wasm-queue on this machine: one producer (this
// process), `cwasm worker` processes (child processes) and a private
// redis-server on a free loopback port (test/queue/redis.mjs), all started
// here and stopped in `finally`.
//
//  - queue.throughput.2w_vs_1w: a batch of JOBS sha256 jobs (a few ms each)
//    through one qe.map with every job queued at once, drained by 2 worker
//    processes (concurrency 1 each) against 1 worker process; jobs/s in
//    extra fields;
//  - queue.job_overhead.vs_local: tiny jobs (`add(i, 1)`) one at a time
//    (each awaited before the next is sent: a full round trip) through the
//    queue with the 1-worker queue against rt.executor.run on this process,
//    per job;
//  - queue.job_overhead.ms: the same rounds, the queue's per-job time minus
//    the local one (what the queue adds to each call, in ms);
//  - queue.small_batch.vs_local: SMALL tiny jobs through one qe.map
//    (pipelined, the 1-worker queue) against rt.executor.map, per job.
//
// Workers run with their default engine (fuel metered); the local runtime
// here is made with the same engine option, so the two sides run the same
// machine code. Every result is checked.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '@cybernetic/wasm';
import { createQueueExecutor } from '@cybernetic/wasm-queue';
import { startRedis } from '../../test/queue/redis.mjs';
import { wasmBytes } from '../lib/kernels.mjs';
import { smallModuleBytes } from '../lib/modules.mjs';
import { fromSamples } from '../lib/record.mjs';
import { interleave, median, nowMs } from '../lib/stats.mjs';

export const title = 'Queue (scale-out on BullMQ and Redis)';

const CLI = new URL('../../packages/cli/bin/cwasm.js', import.meta.url).pathname;
const KERNEL = 'sha256';
const KERNEL_N = 24; // ~4 ms per call on the fuel-metered engine of a worker
const SEQ = 100; // tiny jobs per turn, one at a time
const SMALL = 1000; // tiny jobs per turn, pipelined

/** Starts `cwasm worker --json` and resolves once it printed its ready line. */
function startWorkerProcess({ name, redis, queue, cacheDir }) {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', redis, '--queue', queue, '--concurrency', '1', '--name', name, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CWASM_CACHE_DIR: cacheDir },
  });
  const w = { name, child, exited: new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal))) };
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => (err += b));
  return {
    w,
    ready: new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s: ${err}`)), 30_000);
      child.stdout.on('data', (b) => {
        out += b;
        if (out.split('\n').some((l) => l.includes('"event":"ready"'))) {
          clearTimeout(timer);
          resolve(w);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it was ready: ${err}`));
      });
    }),
  };
}

/** SIGTERM (graceful: no job is running by now), SIGKILL after 5 s. */
async function stopWorker(w) {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const t = setTimeout(() => w.child.kill('SIGKILL'), 5000);
  await w.exited;
  clearTimeout(t);
}

async function drain(it) {
  const out = [];
  for await (const r of it) {
    if (!r.ok) throw r.error;
    out.push(r.value);
  }
  return out;
}

export async function run(ctx) {
  const workers = [];
  const closers = [];
  let redis = null;
  const cacheDir = mkdtempSync(join(tmpdir(), 'cwasm-bench-queue-'));
  // Should this process end without reaching `finally` (an uncaught error elsewhere), no worker outlives it.
  const killAll = () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    redis = await startRedis();
    const starts = [
      startWorkerProcess({ name: 'bench-1w-a', redis: redis.url, queue: 'bench-1w', cacheDir }),
      startWorkerProcess({ name: 'bench-2w-a', redis: redis.url, queue: 'bench-2w', cacheDir }),
      startWorkerProcess({ name: 'bench-2w-b', redis: redis.url, queue: 'bench-2w', cacheDir }),
    ];
    workers.push(...starts.map((s) => s.w));
    const started = await Promise.allSettled(starts.map((s) => s.ready));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    ctx.log(`redis-server on port ${redis.port}; 3 worker processes (queue bench-1w: 1, bench-2w: 2; concurrency 1 each)`);

    const rt = await createRuntime({ engine: { fuel: true } });
    closers.push(() => rt.close());
    const q1 = createQueueExecutor({ connection: redis.url, queue: 'bench-1w' });
    const q2 = createQueueExecutor({ connection: redis.url, queue: 'bench-2w' });
    closers.push(() => q1.close({ force: true }), () => q2.close({ force: true }));
    await Promise.all([q1.ready(), q2.ready()]);

    // The queue takes bytes (sent to Redis once, by sha256); the local executor a compiled module.
    const kernelBytes = wasmBytes(KERNEL);
    const smallBytes = smallModuleBytes();
    const kernel = rt.compile(kernelBytes);
    const small = rt.compile(smallBytes);

    // Throughput: JOBS kernel calls, all queued at once.
    const JOBS = ctx.quick ? 200 : 400;
    const expected = (await rt.executor.run(kernel, 'run', [KERNEL_N])) >>> 0;
    // One call's time on the local executor (same engine), for scale: the work in each job.
    const kt0 = nowMs();
    for (let i = 0; i < 20; i++) await rt.executor.run(kernel, 'run', [KERNEL_N]);
    const kernelMs = (nowMs() - kt0) / 20;
    const jobInputs = Array.from({ length: JOBS }, () => [KERNEL_N]);
    const kernelCheck = (who) => (values) => {
      if (values.length !== JOBS) throw new Error(`${who}: ${values.length} results for ${JOBS} jobs`);
      for (const v of values) if (v >>> 0 !== expected) throw new Error(`${who}: ${KERNEL}(${KERNEL_N}) returned ${v >>> 0}, expected ${expected}`);
    };
    // The producer's own CPU time per batch (user + system, this process), to tell what the workers can have of 2 cores.
    const producerCpu = { w1: [], w2: [] };
    const batch = (qe, side) => async () => {
      const c0 = process.cpuUsage();
      const values = await drain(qe.map(kernelBytes, 'run', jobInputs, { concurrency: JOBS }));
      const c = process.cpuUsage(c0);
      producerCpu[side].push((c.user + c.system) / 1000);
      return values;
    };
    const heavy = [
      { name: 'w2', fn: batch(q2, 'w2'), check: kernelCheck('2 workers') },
      { name: 'w1', fn: batch(q1, 'w1'), check: kernelCheck('1 worker') },
    ];
    // Warm-up (untimed): both workers of bench-2w compile the module and fill their caches.
    for (const c of heavy) c.check(await c.fn());
    const reps = ctx.reps(7);
    ctx.log(`throughput: ${JOBS} jobs of ${KERNEL}(${KERNEL_N}) per batch, ${reps} reps per side`);
    const t = await interleave(heavy, { reps, warmup: 1 });

    // Per-job overhead: SEQ tiny calls one at a time, queue (1 worker) vs local executor.
    const seqCheck = (values) => values.forEach((v, i) => {
      if (v !== i + 1) throw new Error(`add(${i}, 1) returned ${v}`);
    });
    const seq = (runner, mod) => async () => {
      const out = [];
      for (let i = 0; i < SEQ; i++) out.push(await runner.run(mod, 'add', [i, 1]));
      return out;
    };
    const one = [
      { name: 'queue_seq', fn: seq(q1, smallBytes), check: seqCheck },
      { name: 'local_seq', fn: seq(rt.executor, small), check: seqCheck },
    ];
    for (const c of one) c.check(await c.fn());
    const repsSeq = ctx.reps(11);
    ctx.log(`per-job overhead: ${SEQ} add calls one at a time per turn, ${repsSeq} reps per side`);
    const ts = await interleave(one, { reps: repsSeq, warmup: 1 });

    // Pipelined tiny jobs: SMALL calls through one map.
    const smallInputs = Array.from({ length: SMALL }, (_, i) => [i, 1]);
    const pipe = [
      { name: 'queue_map', fn: () => drain(q1.map(smallBytes, 'add', smallInputs, { ordered: true, concurrency: SMALL })), check: seqCheck },
      { name: 'local_map', fn: () => drain(rt.executor.map(small, 'add', smallInputs, { ordered: true, concurrency: 64 })), check: seqCheck },
    ];
    for (const c of pipe) c.check(await c.fn());
    const repsPipe = ctx.reps(7);
    ctx.log(`small batch: ${SMALL} add calls through one map per turn, ${repsPipe} reps per side`);
    const tp = await interleave(pipe, { reps: repsPipe, warmup: 1 });

    const perJob = (xs, n) => xs.map((x) => x / n);
    const jobsPerS = (xs) => Number((JOBS / (median(xs) / 1000)).toFixed(1));
    const qSeq = perJob(ts.queue_seq, SEQ);
    const lSeq = perJob(ts.local_seq, SEQ);
    const records = [
      fromSamples('queue.throughput.2w_vs_1w', t.w2, t.w1, {
        baseline_name: '1 `cwasm worker` process (concurrency 1)',
        unit: 'ms/batch',
        extra: {
          jobs: JOBS,
          kernel: `${KERNEL}(${KERNEL_N})`,
          kernel_local_ms: Number(kernelMs.toFixed(3)),
          ours_jobs_per_s: jobsPerS(t.w2),
          baseline_jobs_per_s: jobsPerS(t.w1),
          ours_producer_cpu_ms: Number(median(producerCpu.w2.slice(-reps)).toFixed(1)),
          baseline_producer_cpu_ms: Number(median(producerCpu.w1.slice(-reps)).toFixed(1)),
        },
      }),
      fromSamples('queue.job_overhead.vs_local', qSeq, lSeq, {
        baseline_name: 'rt.executor.run on this process (same engine)',
        unit: 'ms/job',
        extra: { jobs_per_turn: SEQ },
      }),
      fromSamples('queue.job_overhead.ms', qSeq.map((q, i) => q - lSeq[i]), lSeq, {
        baseline_name: 'rt.executor.run per job (ours = queue minus local, per round)',
        unit: 'ms/job',
        extra: { jobs_per_turn: SEQ },
      }),
      fromSamples('queue.small_batch.vs_local', perJob(tp.queue_map, SMALL), perJob(tp.local_map, SMALL), {
        baseline_name: 'rt.executor.map on this process (concurrency 64)',
        unit: 'ms/job',
        extra: { jobs_per_turn: SMALL },
      }),
    ];
    for (const r of records) ctx.emit(r);
    ctx.log(
      `throughput: ${jobsPerS(t.w2)} jobs/s with 2 workers, ${jobsPerS(t.w1)} jobs/s with 1 (one call ${kernelMs.toFixed(2)} ms locally; producer CPU ${median(producerCpu.w2).toFixed(0)} / ${median(producerCpu.w1).toFixed(0)} ms per batch)`,
    );

    const ms = (s, d = 1) => `${median(s).toFixed(d)} ms`;
    const details = [
      `One producer (the bench process, \`createQueueExecutor\`), \`cwasm worker --concurrency 1\` processes and a private \`redis-server\` on a loopback port, all on this machine (${ctx.quick ? 'quick mode' : 'normal run'}): queue \`bench-1w\` has 1 worker, \`bench-2w\` has 2; the idle queue's workers wait in a blocking Redis call meanwhile. Workers use their default engine (fuel metered); the local baseline runtime uses the same engine option. Every result is checked. On a 2-core machine the producer and Redis share the cores with the workers, so 2 workers cannot reach half the time of 1.`,
      `- \`queue.throughput.2w_vs_1w\`: ${JOBS} jobs of \`${KERNEL}.run(${KERNEL_N})\` (${kernelMs.toFixed(1)} ms per call on the local executor) in one \`qe.map\` with every job queued at once, until the last result is back: 2 workers against 1. ${jobsPerS(t.w2)} vs ${jobsPerS(t.w1)} jobs/s; the producer itself used ${median(producerCpu.w2).toFixed(0)} / ${median(producerCpu.w1).toFixed(0)} ms of CPU per batch.`,
      `- \`queue.job_overhead.vs_local\`, \`queue.job_overhead.ms\`: ${SEQ} calls of \`add(i, 1)\` one at a time (each awaited before the next is sent), through the 1-worker queue against \`rt.executor.run\` here; per job, and the difference per round.`,
      `- \`queue.small_batch.vs_local\`: ${SMALL} calls of \`add(i, 1)\` in one \`qe.map\` (all queued at once, 1 worker) against \`rt.executor.map\` (concurrency 64); per job.`,
      '',
      '| contender | median per turn |',
      '|---|---:|',
      `| ${JOBS} jobs, 2 workers | ${ms(t.w2, 0)} |`,
      `| ${JOBS} jobs, 1 worker | ${ms(t.w1, 0)} |`,
      `| ${SEQ} tiny jobs one at a time, queue | ${ms(ts.queue_seq)} |`,
      `| ${SEQ} tiny jobs one at a time, local executor | ${ms(ts.local_seq)} |`,
      `| ${SMALL} tiny jobs in one map, queue | ${ms(tp.queue_map)} |`,
      `| ${SMALL} tiny jobs in one map, local executor | ${ms(tp.local_map)} |`,
    ];
    return { records, details, notes: {} };
  } finally {
    for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => {});
    await Promise.all(workers.map(stopWorker));
    process.removeListener('exit', killAll);
    await redis?.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

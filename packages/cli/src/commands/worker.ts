import { readPolicy, type SandboxPolicy } from '@cybernetic/wasm'
import { defineCommand, parseCount, parseDuration, stringFlag, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'

const DEF: CommandDef = {
  name: 'worker',
  usage: ['--redis URL --queue NAME [--concurrency N] [--policy FILE] [--verbose] …'],
  summary: 'take wasm jobs off a BullMQ queue in Redis and run them (scale-out)',
  description: `Starts a worker of @cybernetic/wasm-queue: it takes the jobs producers add
with createQueueExecutor({ connection, queue }) and runs them here, N at a
time, each module fetched by its sha256 (bytes that do not match it are
refused), compiled once and kept in the module cache. Jobs run within
--policy: a job whose manifest or limits ask for more fails with
error[capability_denied]. Start one per machine (or several) against the
same Redis and queue.

It prints one summary line per --report interval while jobs run: jobs
done, failed and running, and per-job wall time and fuel (p50, p95 of the
last 1024 jobs, max or total); with --verbose, a line per job as well, and on SIGTERM or SIGINT stops taking
jobs, lets the running ones finish, prints the totals and exits 0; a
second signal cancels the running jobs.`,
  options: {
    redis: { value: 'URL', help: 'the Redis server: redis://[:password@]host:port[/db] (rediss:// for TLS)' },
    queue: { value: 'NAME', help: 'the queue to take jobs from' },
    concurrency: { value: 'N', alias: 'c', help: 'jobs run at once (default: the number of cores)' },
    policy: { value: 'FILE', help: 'the host policy (TOML or JSON) jobs run within (default: stdio, args\nand a memory; nothing else)' },
    'manifest-dir': { value: 'DIR', help: "the directory relative paths in a job's manifest start from (default: .)" },
    prefix: { value: 'PREFIX', help: "BullMQ's key prefix (default: bull)" },
    'lock-duration': { value: 'TIME', help: "how long a job's lock lasts unrenewed, e.g. 30s: a killed worker's\njob goes back to the queue then (default: 30s)" },
    'stalled-interval': { value: 'TIME', help: 'how often to look for jobs whose lock ran out (default: 30s)' },
    'max-stalled-count': { value: 'N', help: 'how often a job may lose its worker before it fails (default: 1)' },
    name: { value: 'NAME', help: "this worker's name in reports (default: host:pid)" },
    report: { value: 'TIME', help: 'how often to print the summary line while jobs run (default: 10s)' },
    verbose: { alias: 'v', help: "a line per job: its id when it starts, its outcome, wall time and fuel\nwhen it ends" },
    json: { help: 'print every line as a JSON object (one per line)' },
  },
  exits: commonExits('the worker could not start (Redis unreachable, bad policy)'),
}

function duration(flags: Record<string, string | true>, name: string): number | undefined {
  const v = flags[name]
  return typeof v === 'string' ? parseDuration(v, name) : undefined
}

/** `cwasm worker`. */
export const workerCommand = defineCommand(DEF, async ({ flags, positionals }) => {
  if (positionals.length) throw new UsageError(`cwasm worker takes no arguments, got '${positionals.join(' ')}'`)
  const redis = stringFlag({ flags, repeated: {}, positionals }, 'redis')
  const queue = stringFlag({ flags, repeated: {}, positionals }, 'queue')
  if (!redis) throw new UsageError('cwasm worker needs --redis URL')
  if (!queue) throw new UsageError('cwasm worker needs --queue NAME')
  const count = (name: string) => (typeof flags[name] === 'string' ? parseCount(flags[name] as string, name) : undefined)
  const concurrency = count('concurrency')
  if (concurrency === 0) throw new UsageError('--concurrency must be at least 1')
  const maxStalledCount = count('max-stalled-count')
  const lockDuration = duration(flags, 'lock-duration')
  const stalledInterval = duration(flags, 'stalled-interval')
  const every = duration(flags, 'report') ?? 10_000
  const policyFile = stringFlag({ flags, repeated: {}, positionals }, 'policy')
  const policy: SandboxPolicy = policyFile ? await readPolicy(policyFile) : {}
  const json = flags['json'] === true
  const verbose = flags['verbose'] === true
  const { startWorker } = await import('@cybernetic/wasm-queue')
  const str = (name: string) => stringFlag({ flags, repeated: {}, positionals }, name)
  const worker = await startWorker({
    connection: redis,
    queue,
    policy,
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(str('manifest-dir') ? { manifestDir: str('manifest-dir')! } : {}),
    ...(str('prefix') ? { prefix: str('prefix')! } : {}),
    ...(str('name') ? { name: str('name')! } : {}),
    ...(lockDuration !== undefined ? { lockDuration } : {}),
    ...(stalledInterval !== undefined ? { stalledInterval } : {}),
    ...(maxStalledCount !== undefined ? { maxStalledCount } : {}),
  })
  const line = (obj: Record<string, unknown>, text: string) => process.stdout.write(json ? `${JSON.stringify(obj)}\n` : `${text}\n`)
  const summary = (event: string) => {
    const m = worker.metrics
    const ms = (v: number) => `${v.toFixed(1)} ms`
    line(
      { event, worker: worker.name, ...m },
      `worker ${worker.name}: ${m.done} done, ${m.failed} failed, ${m.running} running` +
        `${m.duplicates ? `, ${m.duplicates} duplicate(s) dropped` : ''}` +
        (m.wallMs.count ? `; wall p50 ${ms(m.wallMs.p50)}, p95 ${ms(m.wallMs.p95)}, max ${ms(m.wallMs.max)}` : '') +
        (m.fuel.count ? `; fuel p50 ${m.fuel.p50}, p95 ${m.fuel.p95}, total ${m.fuel.sum}` : ''),
    )
  }
  worker.on('error', (e: Error) => process.stderr.write(`worker ${worker.name}: ${e.message}\n`))
  if (verbose) {
    worker.on('start', (s: { id: string }) => line({ event: 'start', id: s.id }, `job ${s.id} started`))
    worker.on('job', (r: { id: string; ok: boolean; code: string | null; message: string | null; wallMs: number; fuelConsumed: number | null }) =>
      line(
        { event: 'job', ...r },
        `job ${r.id} ${r.ok ? 'ok' : `failed error[${r.code}]: ${r.message?.split('\n')[0]}`} ${r.wallMs.toFixed(1)} ms${r.fuelConsumed != null ? ` fuel ${r.fuelConsumed}` : ''}`,
      ),
    )
  }
  line({ event: 'ready', worker: worker.name, queue, concurrency: worker.concurrency }, `worker ${worker.name}: taking jobs from ${queue}, ${worker.concurrency} at a time`)
  let last = -1
  const timer = setInterval(() => {
    const m = worker.metrics
    const n = m.done + m.failed
    if (n !== last) summary('progress')
    last = n
  }, every)
  await new Promise<void>((resolve) => {
    let signals = 0
    const stop = (sig: string) => {
      signals++
      if (signals === 1) {
        line({ event: 'stopping', signal: sig, running: worker.metrics.running }, `worker ${worker.name}: ${sig}, finishing ${worker.metrics.running} running job(s)`)
        void worker.close().then(resolve)
      } else {
        line({ event: 'stopping', signal: sig, force: true }, `worker ${worker.name}: ${sig} again, cancelling the running jobs`)
        void worker.close({ force: true })
      }
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))
  })
  clearInterval(timer)
  summary('stopped')
  return EXIT.ok
})

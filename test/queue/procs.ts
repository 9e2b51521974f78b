// `cwasm worker` processes for the queue tests: started with --verbose --json,
// their stdout read as one JSON event per line.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const CLI = new URL('../../packages/cli/bin/cwasm.js', import.meta.url).pathname

export interface WorkerProc {
  name: string
  child: ChildProcess
  /** Every line the worker printed, parsed. */
  events: Record<string, unknown>[]
  /** What it wrote on stderr. */
  stderr: () => string
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>
}

export interface JobEvent {
  id: string
  ok: boolean
  code: string | null
  wallMs: number
  fuelConsumed: number | null
}

/** Resolves with the first truthy value of `probe`, polled every 20 ms. */
export function waitFor<T>(what: string, probe: () => T | undefined | null | false, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const tick = () => {
      const v = probe()
      if (v) return resolve(v)
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(tick, 20)
    }
    tick()
  })
}

/** Starts `cwasm worker` and resolves once it printed its ready line. */
export async function startWorkerProcess(o: { name: string; redis: string; queue: string; dir: string; args?: string[] }): Promise<WorkerProc> {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--redis', o.redis, '--queue', o.queue, '--name', o.name, '--verbose', '--json', ...(o.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CWASM_CACHE_DIR: join(o.dir, 'cache') } },
  )
  let err = ''
  const w: WorkerProc = { name: o.name, child, events: [], stderr: () => err, exited: new Promise((r) => child.once('exit', (code) => r(code))) }
  let buf = ''
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      w.events.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>)
      buf = buf.slice(nl + 1)
    }
  })
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()))
  await waitFor(`${o.name} to start`, () => w.events.some((e) => e.event === 'ready') || child.exitCode !== null)
  if (child.exitCode !== null) throw new Error(`${o.name} exited with ${child.exitCode}: ${err}`)
  return w
}

/** The jobs a worker reported finished. */
export const finished = (w: WorkerProc) => w.events.filter((e) => e.event === 'job') as unknown as JobEvent[]
/** The jobs a worker reported started. */
export const started = (w: WorkerProc) => w.events.filter((e) => e.event === 'start') as { id: string }[]

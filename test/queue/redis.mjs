// A real Redis for the queue tests and the queue benchmark: Debian's
// redis-server (installed with apt-get when missing, see scripts/lib/apt.mjs),
// started on a free loopback port with no persistence, stopped by stop().
//
//   const redis = await startRedis()   // { url, port, stop() }
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { aptInstall, toolWorks } from '../../scripts/lib/apt.mjs'

/** Installs redis-server when it is missing (once, before test files run in parallel). */
export function ensureRedisServer() {
  if (toolWorks('redis-server', ['--version'])) return
  aptInstall(['redis-server'], 'redis-server not found (the queue tests and the queue benchmark run against a real Redis)')
  // Debian's package may start a system server on 6379; ours run on their own ports, so it is left alone.
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Starts a private redis-server; resolves once it answers. */
export async function startRedis() {
  ensureRedisServer()
  const dir = mkdtempSync(join(tmpdir(), 'cwasm-redis-'))
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (b) => (out += b))
    child.stderr.on('data', (b) => (out += b))
    const ready = await new Promise((resolve) => {
      const t = setInterval(() => {
        if (/Ready to accept connections/.test(out)) done(true)
      }, 20)
      const done = (ok) => {
        clearInterval(t)
        clearTimeout(limit)
        resolve(ok)
      }
      const limit = setTimeout(() => done(false), 10_000)
      child.once('exit', () => done(false))
    })
    if (ready) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        /** Runs redis-cli against this server; stdin is passed to `-x` commands. */
        cli(args, input) {
          const r = spawnSync('redis-cli', ['-p', String(port), ...args], { input, encoding: 'utf8' })
          if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr}`)
          return r.stdout.trim()
        },
        stop() {
          return new Promise((resolve) => {
            if (child.exitCode !== null) return resolve()
            child.once('exit', () => {
              rmSync(dir, { recursive: true, force: true })
              resolve()
            })
            child.kill('SIGTERM')
          })
        },
      }
    }
    child.kill('SIGKILL')
    // The port was taken between the probe and the start: try another.
    if (attempt >= 3) throw new Error(`redis-server did not start:\n${out}`)
  }
}

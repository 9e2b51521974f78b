import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Runs a fixture in a fresh Node process; kills it if it has not exited by itself in `limitMs`. */
function runChild(fixture: string, limitMs = 30_000): Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, limitMs)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, killed, stdout, stderr })
    })
  })
}

describe('shutdown', () => {
  it('lets the process exit by itself with an idle runtime and executor, worker threads included', async () => {
    const r = await runChild('idle-exit.mjs')
    expect(r.stderr).toBe('')
    expect(r.killed).toBe(false)
    expect(r.code).toBe(0)
    // The worker was alive and idle (idleTimeout 60 s) when the process exited.
    expect(JSON.parse(r.stdout)).toEqual({ pool: 2, worker: 3, workers: 1 })
  })

  it('keeps the process alive while a call runs, until it settles', async () => {
    const r = await runChild('busy-alive.mjs')
    expect(r.killed).toBe(false)
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.code).toBe('timeout')
    expect(out.ms).toBeGreaterThanOrEqual(300)
  })
})

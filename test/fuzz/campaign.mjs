// A fuzz campaign: seeds in batches, each batch in a child process
// (test/fuzz/worker.mjs), so memory stays bounded, a hang is cut off and a
// crash is caught and named. Used by scripts/fuzz.mjs and the bounded batch
// of npm test.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { generate, writeRepro } from './differential.mjs'

const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url))

/**
 * Runs `cases` seeds from `seed` in `jobs` processes at once; calls `onResult(r, counts)` per seed. A seed whose
 * comparison prints nothing for `timeoutMs` is killed and counted `timeout`
 * (both engines run it to its end: wasm-smith's termination fuel bounds loop
 * iterations, not the bulk operations inside one); a child that dies is a
 * `crash` of the seed it was on. Resolves to the counts by verdict.
 */
export async function campaign({ seed = 0, cases = 1000, batch = 250, jobs = 2, timeoutMs = 20_000, reproDir = null, compiler = null, onResult = () => {} } = {}) {
  const counts = { same: 0, divergence: 0, crash: 0, unknown: 0, timeout: 0, skipped: 0 }
  const findings = []
  const end = seed + cases
  let next = seed
  const record = (r) => {
    counts[r.verdict] = (counts[r.verdict] ?? 0) + 1
    if (r.verdict === 'divergence' || r.verdict === 'crash') {
      const bytes = generate(r.seed, 1)[0]?.bytes
      const file = reproDir && bytes ? writeRepro(reproDir, r.seed, bytes, r) : null
      findings.push({ ...r, file })
    }
    onResult(r, counts)
  }
  // `jobs` lanes, each taking the next batch of seeds; a batch cut short
  // by a hang or crash goes on after the seed that stopped it.
  const lane = async () => {
    while (next < end) {
      let from = next
      const to = Math.min(from + batch, end)
      next = to
      while (from < to) {
        const { last, results } = await runBatch(from, to - from, timeoutMs, compiler)
        for (const r of results) record(r)
        from = last + 1
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, lane))
  return { counts, findings }
}

function runBatch(seed, count, timeoutMs, compiler) {
  return new Promise((resolve) => {
    const env = compiler ? { ...process.env, CWASM_FUZZ_COMPILER: compiler } : process.env
    const child = spawn(process.execPath, [WORKER, String(seed), String(count)], { stdio: ['ignore', 'pipe', 'pipe'], env })
    const results = []
    let current = null
    let last = seed - 1
    let buf = ''
    let done = false
    let timer
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        child.kill('SIGKILL')
      }, timeoutMs)
    }
    arm()
    child.stdout.on('data', (chunk) => {
      buf += chunk
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl))
        buf = buf.slice(nl + 1)
        if (line.done) {
          done = true
          continue
        }
        arm()
        if (line.verdict === 'started') {
          current = line.seed
          continue
        }
        results.push(line)
        last = line.seed
        current = null
      }
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (!done) {
        const s = current ?? last + 1
        if (s < seed + count) {
          const killed = signal === 'SIGKILL'
          results.push({
            seed: s,
            verdict: killed ? 'timeout' : 'crash',
            step: 'process',
            reason: killed ? `no answer for ${timeoutMs} ms` : `the process ended (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          })
          last = s
        }
      }
      resolve({ last: done ? seed + count - 1 : last, results })
    })
  })
}

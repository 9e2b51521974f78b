#!/usr/bin/env node
// Regenerate test/wasi/expected/<id>.txt: every case in cases.mjs whose
// reference is wasmtime, run with `wasmtime run` on a fresh fixture.
//
// usage: node test/wasi/record-expected.mjs --wasmtime PATH [options] [ID ...]
//   --wasmtime PATH  the reference CLI (we used wasmtime-cli 48.0.8:
//                    cargo install wasmtime-cli@48.0.8 --locked)
//   --check          compare with the recorded files instead of writing them; exit 1 on a difference
//   --repeat N       run each case N times and fail if the outputs differ (default 1)
//   --node           also run every case under node:wasi (run-node-wasi.mjs), write
//                    expected/node-wasi/<id>.txt (notes only) and print how it differs
//   --ro-host PATH   test/wasi/ro-host built (cargo build --release --manifest-path
//                    test/wasi/ro-host/Cargo.toml): records the cases whose reference is
//                    'wasmtime-wasi' (read-only preopens, which wasmtime run lacks)
//   --keep           keep the fixture directories (printed)
//
// Without --ro-host the 'wasmtime-wasi' cases (esc_readonly) are left as recorded. Expected files are `exit=N`, stdout, then
// `--- stderr` / `--- host` sections as formatResult() in cases.mjs writes them.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { constants as osConstants } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildGuests } from './build-guests.mjs'
import { CASES, EXPECTED_DIR, readExpected, runCase } from './cases.mjs'

const NODE_DIR = join(EXPECTED_DIR, 'node-wasi')
const NODE_RUNNER = fileURLToPath(new URL('./run-node-wasi.mjs', import.meta.url))

function spawnRun(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
    const out = []
    const err = []
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => err.push(d))
    child.on('error', reject)
    // A guest that blocks (e.g. reading a pipe) must not hang the recording.
    const timer = setTimeout(() => {
      err.push(Buffer.from('[record-expected] killed after 60 s\n'))
      child.kill('SIGKILL')
    }, 60_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ exitCode: code ?? 128 + (osConstants.signals[signal] ?? 0), signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) })
    })
  })
}

/** `wasmtime run` (or with `ro`, the ro-host, which takes the same flags plus --ro-dir) as a runner for runCase. */
export function wasmtimeRunner(bin, { ro = false } = {}) {
  return (req) => {
    if (!ro && req.preopens.some((p) => p.readOnly)) throw new Error('wasmtime run has no read-only preopens')
    const args = ro ? [] : ['run']
    for (const p of req.preopens) args.push(p.readOnly ? '--ro-dir' : '--dir', `${p.host}::${p.guest}`)
    for (const [k, v] of Object.entries(req.env ?? {})) args.push('--env', `${k}=${v}`)
    args.push('--argv0', req.argv0, req.wasm, ...req.args)
    return spawnRun(bin, args).then(splitTrap(/^Error: failed to run main module/m, (report) => {
      // The root cause is the last numbered line of "Caused by:", before the backtrace.
      const causes = report.split('Stack backtrace:')[0].match(/^ *\d+: .*$/gm) ?? []
      return (causes.at(-1) ?? report.split('\n')[0]).replace(/^ *\d+: /, '')
    }))
  }
}

/** Mark a run as a trap when its stderr has the runtime's error report, and cut that report off. */
function splitTrap(marker, message) {
  return (r) => {
    const s = r.stderr.toString('utf8')
    const m = marker.exec(s)
    if (!m) return r
    return { ...r, trap: true, trapMessage: message(s.slice(m.index)), stderr: Buffer.from(s.slice(0, m.index)) }
  }
}

/** node:wasi as a runner for runCase (read-only preopens are given read-write: it has no such thing). */
export const nodeWasiRunner = (req) =>
  spawnRun(process.execPath, ['--no-warnings', NODE_RUNNER, JSON.stringify(req)]).then((r) =>
    r.signal ? { ...r, trap: true, trapMessage: `node crashed with ${r.signal}` } : splitTrap(/^node:wasi trap: /m, (s) => s.split('\n')[0])(r),
  )

/** The lines that differ, by longest common subsequence: `- ` only in a, `+ ` only in b. */
function lineDiff(a, b, [nameA, nameB] = ['wasmtime', 'node:wasi']) {
  const x = a.split('\n')
  const y = b.split('\n')
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1))
  for (let i = x.length - 1; i >= 0; i--)
    for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  const out = []
  let i = 0
  let j = 0
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) (i++, j++)
    else if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`  + ${nameB}: ${y[j++]}`)
    else out.push(`  - ${nameA}: ${x[i++]}`)
  }
  return out.join('\n')
}

async function main(argv) {
  const opts = { ids: [], repeat: 1 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--wasmtime') opts.wasmtime = argv[++i]
    else if (a === '--check') opts.check = true
    else if (a === '--node') opts.node = true
    else if (a === '--keep') opts.keep = true
    else if (a === '--ro-host') opts.roHost = argv[++i]
    else if (a === '--repeat') opts.repeat = Number(argv[++i])
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`)
    else opts.ids.push(a)
  }
  if (!opts.wasmtime && !opts.roHost && !opts.node) throw new Error('--wasmtime PATH is required (the reference CLI)')
  const cases = opts.ids.length ? CASES.filter((c) => opts.ids.includes(c.id)) : CASES
  if (opts.ids.length && cases.length !== opts.ids.length) throw new Error(`unknown case id among ${opts.ids.join(' ')}`)
  const guests = await buildGuests({ names: [...new Set(cases.map((c) => c.guest))] })
  const runners = {
    wasmtime: opts.wasmtime && wasmtimeRunner(opts.wasmtime),
    'wasmtime-wasi': opts.roHost && wasmtimeRunner(opts.roHost, { ro: true }),
  }
  mkdirSync(EXPECTED_DIR, { recursive: true })
  if (opts.node) mkdirSync(NODE_DIR, { recursive: true })
  let bad = 0
  for (const c of cases) {
    let text = null
    const reference = c.reference && runners[c.reference]
    if (reference) {
      for (let r = 0; r < opts.repeat; r++) {
        const run = await runCase(c, guests[c.guest], reference, { keep: opts.keep })
        if (opts.keep) console.log(`${c.id}: fixture kept in ${run.fixture.root}`)
        if (run.result.trap && r === 0) console.log(`${c.id}: wasmtime trapped: ${run.result.trapMessage}`)
        if (text !== null && run.text !== text) {
          console.log(`${c.id}: NOT DETERMINISTIC (run ${r + 1} differs)\n${lineDiff(text, run.text, ['run 1', `run ${r + 1}`])}`)
          bad++
        }
        text ??= run.text
      }
      if (opts.check) {
        const want = readExpected(c.id)
        if (want !== text) {
          console.log(`${c.id}: differs from expected/${c.id}.txt\n${lineDiff(want ?? '', text, ['expected', 'now'])}`)
          bad++
        } else console.log(`${c.id}: same`)
      } else {
        writeFileSync(join(EXPECTED_DIR, `${c.id}.txt`), text)
        console.log(`${c.id}: ${text.split('\n')[0]} (wrote expected/${c.id}.txt)`)
      }
    }
    if (opts.node) {
      const run = await runCase(c, guests[c.guest], nodeWasiRunner)
      if (run.result.trap) console.log(`  node:wasi ${c.id}: trapped: ${run.result.trapMessage}`)
      writeFileSync(join(NODE_DIR, `${c.id}.txt`), run.text)
      const ref = text ?? readExpected(c.id)
      if (ref === null) console.log(`  node:wasi ${c.id}: ${run.text.split('\n')[0]} (no wasmtime reference)`)
      else if (ref === run.text) console.log(`  node:wasi ${c.id}: same as wasmtime`)
      else console.log(`  node:wasi ${c.id}: DIFFERS\n${lineDiff(ref, run.text)}`)
    }
  }
  if (bad) throw new Error(`${bad} problem(s)`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`[record-expected] error: ${e.message}`)
    process.exit(1)
  })
}

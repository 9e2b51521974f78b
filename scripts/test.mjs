#!/usr/bin/env node
// `npm test`: the Rust core's tests, the vitest suites, and the WebAssembly
// spec suite, each reported, then one summary line `N passed, M failed`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { hostTarget } from './lib/targets.mjs'

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '')
const env = { ...process.env, CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'cybernetic-wasm', 'target') }
const results = []
// The same --target as the addon's build (scripts/bootstrap.mjs), so cargo reuses its dependencies.
const triple = hostTarget().triple

function step(name, cmd, args, parse) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`)
  const t0 = Date.now()
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20 })
  process.stdout.write(r.stdout ?? '')
  process.stderr.write(r.stderr ?? '')
  const counts = parse(`${r.stdout ?? ''}\n${r.stderr ?? ''}`)
  const ok = r.status === 0
  // A suite that exits non-zero counts as at least one failure, whatever it printed.
  if (!ok && counts.failed === 0) counts.failed = 1
  results.push({ name, ...counts, seconds: (Date.now() - t0) / 1000, ok })
}

// 0. The committed generated files match what the build generates (the
// bootstrap rebuilt them if the Rust sources changed).
step(
  'generated',
  'git',
  [
    'diff',
    '--exit-code',
    '--stat',
    '--',
    'packages/native/index.js',
    'packages/native/index.d.ts',
    'packages/wasm/src/options/options.generated.ts',
    'crates/cwasm_binding/src/binding_options.rs',
    'crates/cwasm_core/src/config_options.rs',
  ],
  () => ({ passed: 1, failed: 0, skipped: 0 }),
)

// 0b. Every public name of @cybernetic/wasm is documented (scripts/doc-lint.mjs).
step('docs', process.execPath, [join(root, 'scripts', 'doc-lint.mjs')], (out) => {
  const m = /doc-lint: (\d+) public names checked, (\d+) gap/.exec(out)
  // One check; each undocumented name counts as a failure.
  return m ? { passed: Number(m[2]) === 0 ? 1 : 0, failed: Number(m[2]), skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }
})

// 0c. The API docs build with typedoc without a warning: every link resolves,
// every type the API names is exported (scripts/api-docs.mjs; written to a
// temporary directory here, `npm run docs:api` writes docs/api/).
const apiDocs = mkdtempSync(join(tmpdir(), 'cwasm-api-docs-'))
step('api-docs', process.execPath, [join(root, 'scripts', 'api-docs.mjs'), '--out', apiDocs], (out) => {
  const m = /api-docs: (\d+) pages, (\d+) warning\(s\), (\d+) error/.exec(out)
  // One check; each warning or error counts as a failure.
  const bad = m ? Number(m[2]) + Number(m[3]) : 1
  return m ? { passed: bad === 0 ? 1 : 0, failed: bad, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }
})
rmSync(apiDocs, { recursive: true, force: true })

// 1. Rust core: unit, integration and doc tests, without Node.
step('rust', 'cargo', ['test', '--release', '--target', triple, '-p', 'cwasm_core', '--color', 'never'], (out) => {
  let passed = 0
  let failed = 0
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1])
    failed += Number(m[2])
  }
  return { passed, failed, skipped: 0 }
})

// 1b. clippy over both crates, warnings as errors (the binding denies
// unwrap/expect/panic: no panic may cross into Node).
if (spawnSync('cargo', ['clippy', '--version'], { encoding: 'utf8' }).status !== 0) {
  process.stdout.write('\n=== clippy: not installed (rustup component add clippy); skipped\n')
  results.push({ name: 'clippy', passed: 0, failed: 0, skipped: 1, seconds: 0, ok: true })
} else step('clippy', 'cargo', ['clippy', '--release', '--target', triple, '-p', 'cwasm_core', '-p', 'cwasm_binding', '-p', 'cwasm_fuzz', '--color', 'never', '--', '-D', 'warnings'], () => ({ passed: 1, failed: 0, skipped: 0 }))

// 2. vitest (JS API, addon in workers, CLI, type tests).
const report = join(mkdtempSync(join(tmpdir(), 'cwasm-test-')), 'vitest.json')
step('vitest', join(root, 'node_modules', '.bin', 'vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], () => {
  if (!existsSync(report)) return { passed: 0, failed: 1, skipped: 0 }
  const j = JSON.parse(readFileSync(report, 'utf8'))
  return { passed: j.numPassedTests, failed: j.numFailedTests, skipped: j.numPendingTests + j.numTodoTests }
})

// 2b. What `npm install` gives a user: the tarballs `npm run pack` writes,
// installed with plain npm into a fresh directory without a Rust toolchain,
// then used from there (scripts/install-test.mjs; one count per check).
step('install', process.execPath, [join(root, 'scripts', 'install-test.mjs')], (out) => {
  const m = /^install: (\d+) passed, (\d+) failed$/m.exec(out)
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }
})

// 3. The spec suites through `cwasm spec`, each a stage: its summary line is its count.
const cli = join(root, 'packages', 'cli', 'bin', 'cwasm.js')
const corpora = join(root, '..', 'shared', 'corpus')
function specStage(name, folder, flags) {
  const dir = join(corpora, folder)
  if (!existsSync(dir)) {
    process.stdout.write(`\n=== ${name}: the corpus is missing at ${dir}; counted as a failure\n`)
    results.push({ name, passed: 0, failed: 1, skipped: 0, seconds: 0, ok: false })
    return
  }
  step(name, process.execPath, [cli, 'spec', ...flags, dir], (out) => {
    const m = [...out.matchAll(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm)].pop()
    return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) } : { passed: 0, failed: 1, skipped: 0 }
  })
}
const skipFile = (name) => join(root, 'packages', 'cli', name)
// The official WebAssembly 3.0 core suite, from ../shared/corpus/spec-3.0.
specStage('spec', 'spec-3.0', [])
// The 2.0-era suite (../shared/corpus/spec) on Winch code, tiered
// compilation's first tier, less what Winch does not implement, each listed
// with its reason. Not the 3.0 suite: Winch (Wasmtime 48) compiles none of
// GC, exception handling or typed function references, so ~1,800 of its
// assertions would be skips; a module Winch refuses starts on Cranelift code.
specStage('winch', 'spec', ['-C', 'compiler=winch', '--skips', skipFile('spec-skips-winch.json')])
// The proposals beyond 3.0 that Wasmtime 48 implements, with their options on.
specStage('proposal', 'spec-proposals', ['-W', 'threads', '-W', 'wide-arithmetic', '-W', 'custom-page-sizes', '--skips', skipFile('spec-skips-proposals.json')])

process.stdout.write('\n=== summary\n')
for (const r of results) {
  process.stdout.write(`${r.name.padEnd(8)} ${String(r.passed).padStart(6)} passed ${String(r.failed).padStart(4)} failed ${String(r.skipped).padStart(4)} skipped  ${r.seconds.toFixed(1)} s\n`)
}
const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), { passed: 0, failed: 0, skipped: 0 })
// Skips on a line of their own: CI reads the last line, which stays the plain `N passed, M failed`.
if (total.skipped) process.stdout.write(`${total.skipped} skipped (each listed with its reason in its stage's skip file)\n`)
process.stdout.write(`${total.passed} passed, ${total.failed} failed\n`)
process.exitCode = results.every((r) => r.ok) && total.failed === 0 ? 0 : 1

#!/usr/bin/env node
// Run a WASI command under Node's own node:wasi, for comparison only (Node says
// plainly it is not a sandbox). Used by record-expected.mjs --node, one child
// process per run so that stdout/stderr are real pipes and exit codes real.
//
// usage: node test/wasi/run-node-wasi.mjs JSON
//   JSON: { "wasm": path, "argv0": str, "args": [..], "env": {..} | null,
//           "preopens": [{ "guest": ".", "host": dir }] }
// Exits with the guest's exit code; a trap prints `node:wasi trap: ...` to stderr and exits 134.
import { readFileSync } from 'node:fs'
import { WASI } from 'node:wasi'

const req = JSON.parse(process.argv[2])
const wasi = new WASI({
  version: 'preview1',
  args: [req.argv0, ...req.args],
  env: req.env ?? {},
  preopens: Object.fromEntries(req.preopens.map((p) => [p.guest, p.host])),
  returnOnExit: true,
})
const module = await WebAssembly.compile(readFileSync(req.wasm))
let code
try {
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject())
  code = wasi.start(instance)
} catch (e) {
  process.stderr.write(`node:wasi trap: ${e?.constructor?.name}: ${e?.message}\n`)
  code = 134
}
process.exitCode = code

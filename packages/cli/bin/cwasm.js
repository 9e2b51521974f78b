#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ to dist/.
import('../dist/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code
  },
  (e) => {
    process.stderr.write(`error[internal]: ${e && e.stack ? e.stack : e}\n`)
    process.exitCode = 70
  },
)

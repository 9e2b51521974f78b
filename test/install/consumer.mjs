// Run by scripts/install-test.mjs from a fresh directory where the tarballs
// in dist-packs/ were installed with npm: uses @cybernetic/wasm the way a user
// does, through its public API, and prints what it saw as one JSON line for
// the install test to judge.
import { createRequire } from 'node:module'
import { CapabilityError, createRuntime } from '@cybernetic/wasm'

const require = createRequire(import.meta.url)
const seen = {}
const rt = await createRuntime({ maxExecutionTime: 5_000 })
try {
  // The seed's module: process(i32) -> input * 2.
  const mod = await rt.loadModule('compute.wasm')
  seen.process21 = await rt.call(mod, 'process', [21])

  // A WASI command with a manifest: args and stdout granted, nothing else.
  const echo = await rt.loadPlugin('echo-plugin', { policy: {} })
  const run = await rt.run(echo, { args: ['hello-from-the-tarballs'] })
  seen.echo = { exitCode: run.exitCode, stdout: run.stdout.toString('utf8') }

  // A manifest asking for more than the policy allows is refused at load.
  try {
    await rt.loadPlugin('clock-plugin', { policy: {} })
    seen.clocks = 'loaded'
  } catch (e) {
    seen.clocks = e instanceof CapabilityError ? { code: e.code, manifestKey: e.manifestKey } : { other: String(e) }
  }
} finally {
  await rt.close()
}

// Which addon file this process loaded: it must be the platform package's.
seen.addons = Object.keys(require.cache).filter((f) => f.endsWith('.node'))
process.stdout.write(`${JSON.stringify(seen)}\n`)

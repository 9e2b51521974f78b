// Run by scripts/install-test.mjs with the platform package moved out of
// node_modules: what `npm install` gives on a platform without a prebuilt
// binary (the optional dependency skipped). The same public API must run on
// the host's own WebAssembly, say so in rt.capabilities, and refuse the
// limits it cannot give. Prints what it saw as one JSON line.
import { createRuntime, UnsupportedError } from '@cybernetic/wasm'

const seen = {}
const rt = await createRuntime()
try {
  seen.backend = rt.capabilities.backend
  seen.fuel = rt.capabilities.fuel
  seen.reasonNamesPackage = typeof rt.capabilities.reason === 'string' && rt.capabilities.reason.includes(process.argv[2] ?? '?')
  const mod = await rt.loadModule('compute.wasm')
  seen.process21 = await rt.call(mod, 'process', [21])
  try {
    await rt.call(mod, 'process', [21], { fuel: 1000 })
    seen.fuelRefusal = 'accepted'
  } catch (e) {
    seen.fuelRefusal = e instanceof UnsupportedError ? { code: e.code, feature: e.feature } : { other: String(e) }
  }
} finally {
  await rt.close()
}
process.stdout.write(`${JSON.stringify(seen)}\n`)

// Differential fuzzing against V8, in one process: modules made by
// wasm-smith from seeds (crates/cwasm_fuzz) run in Cybernetic WASM and in
// Node's own WebAssembly; results, trap kinds, final memories and globals
// must agree. Used by scripts/fuzz.mjs (campaigns) and by the bounded batch
// in test/fuzz-differential.test.ts.
//
// What is compared, per module: whether it compiles and instantiates; then
// every exported function is called once, in export order, with fixed
// arguments (state carries over, as in one program), and each result or
// trap kind must match; at the end every exported memory (bytes) and
// global (value). Functions with v128 in their signature cannot be called
// from JS in V8 and are skipped (their code still runs when others call
// them). A stack overflow on either side ends the comparison of that module
// without a verdict: the engines' stack limits differ by design.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { hostTarget } from '../../scripts/lib/targets.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache', 'cybernetic-wasm', 'target')
// The addon's --target (scripts/bootstrap.mjs), so the generator reuses its dependencies.
const TRIPLE = hostTarget().triple
export const GENERATOR = join(TARGET, TRIPLE, 'release', 'cwasm-fuzz-gen')

/** Builds the generator (incremental: a no-op when it is up to date). */
export function buildGenerator() {
  const r = spawnSync('cargo', ['build', '--release', '--target', TRIPLE, '-p', 'cwasm_fuzz', '--color', 'never'], {
    cwd: ROOT,
    env: { ...process.env, CARGO_TARGET_DIR: TARGET },
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`cannot build the module generator:\n${r.stderr}`)
  return GENERATOR
}

/** Modules for seeds seed..seed+count: [{ seed, bytes }] (bytes null when wasm-smith gave up). */
export function generate(seed, count) {
  const dir = join(tmpdir(), `cwasm-fuzz-${process.pid}-${seed}`)
  mkdirSync(dir, { recursive: true })
  try {
    const r = spawnSync(GENERATOR, ['--seed', String(seed), '--count', String(count), '--out', dir], { encoding: 'utf8', maxBuffer: 64 << 20 })
    if (r.status !== 0) throw new Error(`the generator failed: ${r.stderr}`)
    return r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [s, n] = line.split(' ').map(Number)
        return { seed: s, bytes: n > 0 ? readFileSync(join(dir, `${s}.wasm`)) : null }
      })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A trap's kind, the same words for both engines. */
const OURS = {
  memory_out_of_bounds: 'memory',
  heap_misaligned: 'memory',
  table_out_of_bounds: 'table',
  indirect_call_to_null: 'indirect',
  indirect_call_type_mismatch: 'indirect',
  integer_divide_by_zero: 'div0',
  integer_overflow: 'overflow',
  bad_conversion_to_integer: 'conversion',
  unreachable: 'unreachable',
  stack_overflow: 'stack',
  null_reference: 'null',
}
const V8 = [
  [/unreachable/, 'unreachable'],
  [/memory access out of bounds|data segment|out of bounds memory/, 'memory'],
  [/divide by zero|remainder by zero/, 'div0'],
  [/divide result unrepresentable/, 'overflow'],
  [/float unrepresentable in integer range/, 'conversion'],
  [/null function or function signature mismatch|function signature mismatch/, 'indirect'],
  [/table index is out of bounds|table access|element segment|out of bounds table/, 'table'],
  [/call stack size exceeded/, 'stack'],
  [/null/, 'null'],
]

function oursKind(e) {
  if (e && typeof e.code === 'string') return OURS[e.code] ?? `ours:${e.code}`
  return `ours:${e?.name ?? typeof e}`
}

function v8Kind(e) {
  const msg = String(e?.message ?? e)
  for (const [re, kind] of V8) if (re.test(msg)) return kind
  return `v8:${e?.name}:${msg.slice(0, 60)}`
}

/** Arguments for a signature: fixed values, so a seed always makes the same calls. */
function argsFor(params, k) {
  const ints = [0, 1, -1, 7, 0x7fffffff, -0x80000000]
  const floats = [0, 1.5, -0, -2.25, 1e10]
  return params.map((t, i) => {
    const j = (k + i) % 6
    switch (t) {
      case 'i32':
        return ints[j]
      case 'i64':
        return BigInt(ints[j])
      case 'f32':
      case 'f64':
        return floats[j % floats.length]
      default:
        return null
    }
  })
}

/**
 * Whether two trap kinds are the same trap. V8 words both float-to-integer
 * traps alike ("float unrepresentable in integer range"), where the spec
 * and Wasmtime tell an out-of-range value ("integer overflow") from a NaN
 * ("invalid conversion to integer"): a V8 `conversion` matches either.
 */
export function sameTrap(v8, ours) {
  return v8 === ours || (v8 === 'conversion' && ours === 'overflow')
}

function same(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))
  if (typeof a === 'bigint' || typeof b === 'bigint') return a === b
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (a === undefined || b === undefined) return a === b
  // References: only whether they are null can be compared across engines.
  return (a === null) === (b === null)
}

function show(v) {
  if (typeof v === 'bigint') return `${v}n`
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`
  if (typeof v === 'number' && Object.is(v, -0)) return '-0'
  if (typeof v === 'object' && v !== null) return '<ref>'
  return String(v)
}

function attempt(f) {
  try {
    return { ok: true, value: f() }
  } catch (e) {
    return { ok: false, error: e }
  }
}

/**
 * Runs one module in both engines; resolves to { verdict: 'same' | 'divergence' | 'unknown', reason, step }.
 * `wasm` is the @cybernetic/wasm namespace, `engine` the engine to compile for.
 */
export function compareModule(wasm, engine, bytes) {
  const { Module, Store } = wasm
  const v8c = attempt(() => new WebAssembly.Module(bytes))
  const ourc = attempt(() => Module.compile(engine, bytes))
  // On a Winch engine, what Winch does not compile (tail calls, typed function references) is not a finding.
  if (v8c.ok && !ourc.ok && engine.options.compiler === 'winch' && /support is not enabled|types are disallowed|proposal not enabled/.test(ourc.error.message)) {
    return { verdict: 'skipped', step: 'compile', reason: `Winch does not compile it (${ourc.error.message})` }
  }
  if (v8c.ok !== ourc.ok) {
    return { verdict: 'divergence', step: 'compile', reason: `V8 ${v8c.ok ? 'compiles it' : `refuses it (${v8c.error.message})`}; ours ${ourc.ok ? 'compiles it' : `refuses it (${ourc.error.message})`}` }
  }
  if (!v8c.ok) return { verdict: 'same', step: 'compile', reason: 'both refuse it' }
  const store = new Store(engine)
  const v8i = attempt(() => new WebAssembly.Instance(v8c.value, {}))
  const ouri = attempt(() => store.instantiate(ourc.value))
  if (v8i.ok !== ouri.ok) {
    return { verdict: 'divergence', step: 'instantiate', reason: `V8 ${v8i.ok ? 'instantiates' : `traps: ${v8Kind(v8i.error)}`}; ours ${ouri.ok ? 'instantiates' : `traps: ${oursKind(ouri.error)}`}` }
  }
  if (!v8i.ok) {
    const [a, b] = [v8Kind(v8i.error), oursKind(ouri.error)]
    return sameTrap(a, b) ? { verdict: 'same', step: 'instantiate', reason: `both trap: ${a}` } : { verdict: 'divergence', step: 'instantiate', reason: `V8 traps with ${a}, ours with ${b}` }
  }
  const v8x = v8i.value.exports
  const ours = ouri.value
  let k = 0
  for (const e of ourc.value.exports) {
    if (e.type.kind !== 'func') continue
    const { params = [], results = [] } = e.type
    if ([...params, ...results].some((t) => t === 'v128')) continue
    const args = argsFor(params, k++)
    const a = attempt(() => v8x[e.name](...args))
    const b = attempt(() => ours.func(e.name).call(...args))
    const step = `call ${e.name}(${args.map(show).join(', ')})`
    const kinds = [a.ok ? null : v8Kind(a.error), b.ok ? null : oursKind(b.error)]
    if (kinds.includes('stack')) return { verdict: 'unknown', step, reason: 'a stack overflow (the engines’ stack limits differ)' }
    if (a.ok !== b.ok) return { verdict: 'divergence', step, reason: `V8 ${a.ok ? `returns ${show(a.value)}` : `traps: ${kinds[0]}`}; ours ${b.ok ? `returns ${show(b.value)}` : `traps: ${kinds[1]}`}` }
    if (!a.ok && !sameTrap(kinds[0], kinds[1])) return { verdict: 'divergence', step, reason: `V8 traps with ${kinds[0]}, ours with ${kinds[1]}` }
    if (a.ok && !same(a.value, b.value)) return { verdict: 'divergence', step, reason: `V8 returns ${show(a.value)}, ours ${show(b.value)}` }
  }
  for (const e of ourc.value.exports) {
    if (e.type.kind === 'memory') {
      const v8bytes = new Uint8Array(v8x[e.name].buffer)
      const mem = ours.memory(e.name)
      const ourBytes = mem.read(0, mem.byteLength)
      if (v8bytes.length !== ourBytes.length) return { verdict: 'divergence', step: `memory ${e.name}`, reason: `V8's is ${v8bytes.length} bytes, ours ${ourBytes.length}` }
      if (Buffer.compare(Buffer.from(v8bytes), Buffer.from(ourBytes)) !== 0) {
        const at = v8bytes.findIndex((x, i) => x !== ourBytes[i])
        return { verdict: 'divergence', step: `memory ${e.name}`, reason: `the bytes differ first at ${at}: V8 ${v8bytes[at]}, ours ${ourBytes[at]}` }
      }
    } else if (e.type.kind === 'global' && e.type.valueType !== 'v128') {
      const a = attempt(() => v8x[e.name].value)
      const b = attempt(() => ours.global(e.name).value)
      if (a.ok && b.ok && !same(a.value, b.value)) return { verdict: 'divergence', step: `global ${e.name}`, reason: `V8 ${show(a.value)}, ours ${show(b.value)}` }
    }
  }
  return { verdict: 'same', step: 'end', reason: '' }
}

/** Writes a divergence or crash out: the module and what differed. */
export function writeRepro(dir, seed, bytes, finding) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${seed}.wasm`), bytes)
  writeFileSync(join(dir, `${seed}.json`), `${JSON.stringify({ seed, ...finding }, null, 2)}\n`)
  return join(dir, `${seed}.wasm`)
}

export { existsSync }

// `cwasm spec`: finds wast2json scripts, runs every command of each, prints
// the failures and counts passes, failures and skips.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Engine, InvalidArgumentError, type EngineOptions } from '@cybernetic/wasm'
import { loadScript } from './script.js'
import { Interpreter, describeError } from './interpreter.js'
import { DEFAULT_SKIPS_FILE, loadSkips } from './skips.js'

/** Failures printed without --verbose; the rest are only counted. */
const FAILURES_SHOWN = 50

/** Options of {@link runSpec}. */
export interface SpecOptions {
  /** Print every failure and skip, and one line per script. */
  verbose?: boolean
  /** The skip list to use instead of the one shipped with the CLI. */
  skipsFile?: string
  /** Engine options to run the scripts with (`cwasm spec -C compiler=winch`). */
  engine?: EngineOptions
}

/** Counts of one run: each command of a script is one test. */
export interface SpecSummary {
  passed: number
  failed: number
  skipped: number
}

/** The .json scripts under each path (a file or a folder searched recursively), sorted. */
async function findScripts(paths: string[]): Promise<string[]> {
  const out: string[] = []
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p)
    if (!s.isDirectory()) {
      out.push(p)
      return
    }
    const entries = await readdir(p, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(p, e.name))
      else if (e.name.endsWith('.json')) out.push(join(p, e.name))
    }
  }
  for (const p of paths) {
    try {
      await walk(p)
    } catch (e) {
      throw new InvalidArgumentError(`cannot read ${p}: ${(e as Error).message}`)
    }
  }
  return out
}

/**
 * Runs the spec scripts at `paths`: every command is one test, except those
 * the skip list names. Failures are printed as they happen (the first
 * {@link FAILURES_SHOWN} unless `verbose`); the caller prints the summary.
 */
export async function runSpec(paths: string[], opts: SpecOptions = {}): Promise<SpecSummary> {
  const verbose = opts.verbose === true
  const skips = await loadSkips(opts.skipsFile ?? DEFAULT_SKIPS_FILE)
  const files = await findScripts(paths)
  if (files.length === 0) throw new InvalidArgumentError(`no .json spec scripts found in ${paths.join(', ')}`)
  const engine = Engine.shared(opts.engine ?? {})
  const total: SpecSummary = { passed: 0, failed: 0, skipped: 0 }
  const names: string[] = []
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  const fail = (where: string, message: string): void => {
    total.failed++
    if (verbose || total.failed <= FAILURES_SHOWN) out(`FAIL ${where}: ${message}`)
  }

  for (const file of files) {
    let script
    try {
      script = await loadScript(file)
    } catch (e) {
      fail(file, describeError(e))
      continue
    }
    names.push(script.name)
    const before = { ...total }
    const started = performance.now()
    const interpreter = new Interpreter(engine, script)
    for (const cmd of script.commands) {
      const where = `${script.name}:${cmd.line}`
      const skip = skips.find(script.name, cmd.line)
      if (skip) {
        total.skipped++
        if (verbose) out(`SKIP ${where} ${cmd.type}: ${skip.reason}`)
        continue
      }
      const failure = interpreter.run(cmd)
      if (failure === null) total.passed++
      else fail(where, `${cmd.type}: ${failure}`)
    }
    if (verbose) {
      const ms = Math.round(performance.now() - started)
      out(
        `${script.name}: ${total.passed - before.passed} passed, ${total.failed - before.failed} failed, ${total.skipped - before.skipped} skipped (${ms} ms)`,
      )
    }
    // Let output drain and finalizers run between scripts.
    await new Promise((r) => setImmediate(r))
  }

  if (!verbose && total.failed > FAILURES_SHOWN) {
    out(`… ${total.failed - FAILURES_SHOWN} more failure(s) not shown; --verbose shows all`)
  }
  for (const s of skips.unused(names)) {
    process.stderr.write(`warning: the skip for ${s.file}:${s.line} matches no command; remove it from the skip list\n`)
  }
  return total
}

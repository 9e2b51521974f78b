// `cwasm spec`: finds wast2json scripts, runs every command of each, prints
// the failures and counts passes, failures and skips.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Engine, InvalidArgumentError, type EngineOptions } from '@cybernetic/wasm'
import { Progress } from '../progress.js'
import { styleFor } from '../term.js'
import { loadScript } from './script.js'
import { Interpreter, describeError } from './interpreter.js'
import { DEFAULT_SKIPS_FILE, loadSkips } from './skips.js'

/** Where a quiet run's bar goes: nowhere (not a terminal, so nothing is drawn). */
const quietStream = { isTTY: false } as NodeJS.WriteStream

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
  /** Print nothing: the caller prints the summary's failures (`cwasm spec --json`). Default: false. */
  quiet?: boolean
}

/** Counts of one run: each command of a script is one test. */
export interface SpecSummary {
  passed: number
  failed: number
  skipped: number
  /** Every failure, in the order it happened (also those not printed). */
  failures: { where: string; message: string }[]
  /** How many scripts ran. */
  scripts: number
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
  const total: SpecSummary = { passed: 0, failed: 0, skipped: 0, failures: [], scripts: files.length }
  const names: string[] = []
  // On a terminal a bar over the scripts; the lines below stay plain text everywhere else.
  const bar = new Progress({ total: files.length, label: 'spec', ...(opts.quiet ? { stream: quietStream } : {}) })
  const red = styleFor(process.stdout).red
  const out = (line: string): void => {
    if (opts.quiet) return
    if (bar.active) bar.log(line)
    else process.stdout.write(`${line}\n`)
  }
  const fail = (where: string, message: string): void => {
    total.failed++
    total.failures.push({ where, message })
    if (verbose || total.failed <= FAILURES_SHOWN) out(`${red('FAIL')} ${where}: ${message}`)
  }

  for (const [i, file] of files.entries()) {
    bar.update(i, file)
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
  bar.update(files.length, '')
  bar.done()

  if (!verbose && total.failed > FAILURES_SHOWN) {
    out(`… ${total.failed - FAILURES_SHOWN} more failure(s) not shown; --verbose shows all`)
  }
  for (const s of skips.unused(names)) {
    process.stderr.write(`warning: the skip for ${s.file}:${s.line} matches no command; remove it from the skip list\n`)
  }
  return total
}

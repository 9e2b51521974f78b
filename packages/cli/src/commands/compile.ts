import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { createRuntime, InvalidArgumentError, WasmError, type Runtime } from '@cybernetic/wasm'
import { CODEGEN_OPTION, defineCommand, parseCodegen, UsageError, type CommandDef } from '../args.js'
import { commonExits, EXIT } from '../exit.js'
import { Progress } from '../progress.js'
import { styleFor } from '../term.js'
import { report } from '../report.js'

const DEF: CommandDef = {
  name: 'compile',
  usage: ['MODULE [-o OUT.cwasm] [--sign-key KEY] [--json] [-C compiler=NAME]', 'DIR --out-dir OUT_DIR [--sign-key KEY] [--json] [-C compiler=NAME]'],
  summary: 'precompile a module, or every module below a directory, to signed .cwasm artifacts',
  description: `Precompiles modules (.wasm or .wat) into artifacts for this machine's engine.
An artifact is signed with the local key (CWASM_ARTIFACT_KEY if set, else a
per-user key), or with --sign-key, an Ed25519 private key from \`cwasm keygen\`:
then runtimes that trust its public key (trustedKeys, \`cwasm run
--trusted-key\`) load it, and nobody without the private key can forge one.
Loading verifies the signature before anything is deserialized.

With a directory, every .wasm and .wat below it is compiled into OUT_DIR
(same relative paths, .cwasm), with a progress bar on a terminal (stderr), a
line per module otherwise, or a JSON array with --json.
An artifact always holds the engine's optimized code (Cranelift, unless
-C compiler=winch): precompile a module whose calls run long, so that its
first run does not start on Winch code.`,
  options: {
    output: { value: 'OUT.cwasm', alias: 'o', help: 'where the artifact of one MODULE goes (default: MODULE with .cwasm)' },
    'out-dir': { value: 'OUT_DIR', help: 'where the artifacts of a DIR go (required with a DIR)' },
    'sign-key': { value: 'KEY', help: 'sign with this Ed25519 private key (PKCS#8 PEM, from `cwasm keygen`)' },
    json: { help: 'print the outcome as JSON: an object for one MODULE, an array for a DIR' },
    codegen: CODEGEN_OPTION,
  },
  exits: commonExits('a module could not be read or compiled (with a DIR: any of them)'),
}

interface Outcome {
  source: string
  output: string | null
  bytes: number | null
  ms: number
  error: { code: string; message: string } | null
}

/** `cwasm compile`. */
export const compileCommand = defineCommand(DEF, async ({ flags, repeated, positionals }) => {
  const [source] = positionals
  if (!source || positionals.length > 1) throw new UsageError('cwasm compile takes one MODULE or DIR; see cwasm compile --help')
  const signKey = typeof flags['sign-key'] === 'string' ? await readText(flags['sign-key'], 'the signing key') : undefined
  const rt = await createRuntime({ engine: parseCodegen(repeated['codegen']) })
  const isDir = (await stat(source).catch(() => null))?.isDirectory() ?? false
  if (!isDir) {
    if (flags['out-dir']) throw new UsageError('--out-dir takes a directory of modules; for one module use -o')
    const out = typeof flags['output'] === 'string' ? flags['output'] : source.replace(/\.(wasm|wat)$/i, '') + '.cwasm'
    const bytes = await readFile(source).catch((e: Error) => {
      throw new InvalidArgumentError(`cannot read ${source}: ${e.message}`)
    })
    const artifact = rt.precompile(bytes, signKey !== undefined ? { signKey } : {})
    await writeFile(out, artifact)
    if (flags['json']) {
      process.stdout.write(`${JSON.stringify({ source, output: out, bytes: artifact.length, signature: signKey ? 'ed25519' : 'local' }, null, 2)}\n`)
    } else {
      process.stdout.write(`wrote ${out} (${artifact.length} bytes${signKey ? ', signed with the Ed25519 key' : ''})\n`)
    }
    return EXIT.ok
  }
  if (typeof flags['out-dir'] !== 'string') throw new UsageError('compiling a directory needs --out-dir OUT_DIR')
  if (flags['output']) throw new UsageError('-o names one output; for a directory use --out-dir')
  return compileDir(rt, source, flags['out-dir'], signKey, flags['json'] === true)
})

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    throw new InvalidArgumentError(`cannot read ${what} ${file}: ${(e as Error).message}`)
  }
}

async function modulesIn(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await modulesIn(p)))
    else if (/\.(wasm|wat)$/i.test(entry.name)) out.push(p)
  }
  return out.sort()
}

async function compileDir(rt: Runtime, dir: string, outDir: string, signKey: string | undefined, json: boolean): Promise<number> {
  const files = await modulesIn(dir)
  const bar = new Progress({ total: files.length, label: 'compile' })
  const style = styleFor(process.stdout)
  const outcomes: Outcome[] = []
  for (const [i, file] of files.entries()) {
    const rel = relative(dir, file)
    bar.update(i, rel)
    const out = join(outDir, rel.replace(/\.(wasm|wat)$/i, '.cwasm'))
    const t0 = performance.now()
    try {
      const artifact = rt.precompile(await readFile(file), signKey !== undefined ? { signKey } : {})
      await mkdir(dirname(out), { recursive: true })
      await writeFile(out, artifact)
      outcomes.push({ source: file, output: out, bytes: artifact.length, ms: performance.now() - t0, error: null })
      // On a terminal the bar says it; a log gets a line per module.
      if (!bar.active && !json) process.stdout.write(`compiled ${file} -> ${out} (${artifact.length} bytes, ${((performance.now() - t0) / 1000).toFixed(2)} s)\n`)
    } catch (e) {
      const error = e instanceof WasmError ? { code: e.code, message: e.message } : { code: 'internal', message: String(e) }
      outcomes.push({ source: file, output: null, bytes: null, ms: performance.now() - t0, error })
      bar.done()
      if (!json) report(e instanceof Error ? Object.assign(e, { message: `${file}: ${e.message}` }) : e)
    }
  }
  bar.update(files.length, '')
  bar.done()
  const failed = outcomes.filter((o) => o.error).length
  if (json) process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`)
  else {
    const line = `${files.length - failed} of ${files.length} module(s) compiled into ${outDir}${failed ? `, ${failed} failed` : ''}`
    process.stdout.write(`${failed ? style.red(line) : style.green(line)}\n`)
  }
  return failed === 0 ? EXIT.ok : EXIT.failed
}

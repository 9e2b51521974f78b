// Builds examples/gc-kotlin/shapes.wasm from shapes.kt with the Kotlin/Wasm
// compiler (WASI target), on demand only: the built module is committed, so
// running the example or `npm test` needs neither Java nor Maven.
//
//   node examples/gc-kotlin/build.mjs           rebuild shapes.wasm in place
//   node examples/gc-kotlin/build.mjs --check   exit 1 if the committed one differs
//
// The toolchain is two Maven Central artifacts at one version: the compiler
// (org.jetbrains.kotlin:kotlin-compiler-embeddable and its dependencies) and
// the WASI standard library (org.jetbrains.kotlin:kotlin-stdlib-wasm-wasi, a
// .klib). `mvn dependency:copy-dependencies` fetches them once into
// ~/.cache/cybernetic-wasm/kotlin-VERSION/ (CWASM_KOTLIN_HOME); the compiler
// runs on the `java` found on PATH. Compiling is two steps, as kotlinc-wasm does
// it: the source to a klib, then that klib (with the stdlib) to a .wasm, with
// dead-code elimination and the try_table form of exception handling (the
// one WebAssembly 3.0 and Wasmtime 48 have). The result is cached in
// ~/.cache/cybernetic-wasm/examples/ (CWASM_EXAMPLES_CACHE) under the SHA-256 of
// the source, the flags and the version; the compiler's output is byte-for-byte
// the same from run to run, which is what makes `--check` meaningful.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const KOTLIN_VERSION = '2.4.21'
const HERE = dirname(fileURLToPath(import.meta.url))
/** The Kotlin source and the committed module built from it. */
export const SOURCE = join(HERE, 'shapes.kt')
export const COMMITTED = join(HERE, 'shapes.wasm')

const KOTLIN_HOME = process.env.CWASM_KOTLIN_HOME || join(homedir(), '.cache', 'cybernetic-wasm', `kotlin-${KOTLIN_VERSION}`)
const CACHE = process.env.CWASM_EXAMPLES_CACHE || join(homedir(), '.cache', 'cybernetic-wasm', 'examples')
const MAIN_CLASS = 'org.jetbrains.kotlin.cli.js.KotlinWasmCompiler'
const KLIB_FLAGS = ['-Xwasm-target=wasm-wasi']
const WASM_FLAGS = ['-Xwasm-target=wasm-wasi', '-Xir-produce-js', '-Xir-dce', '-Xwasm-use-new-exception-proposal']

function runs(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return r.status === 0
}

/** Whether `java` and `mvn` are on PATH (what building needs; Maven Central must also be reachable the first time). */
export function toolchainPresent() {
  return runs('java', ['-version']) && runs('mvn', ['-v'])
}

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cybernetic-wasm.examples</groupId>
  <artifactId>kotlin-wasm-toolchain</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.jetbrains.kotlin</groupId>
      <artifactId>kotlin-compiler-embeddable</artifactId>
      <version>${KOTLIN_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.jetbrains.kotlin</groupId>
      <artifactId>kotlin-stdlib-wasm-wasi</artifactId>
      <version>${KOTLIN_VERSION}</version>
      <type>klib</type>
    </dependency>
  </dependencies>
</project>
`

/** Fetches the compiler and the WASI stdlib once; returns the classpath and the stdlib's path. */
function toolchain() {
  const lib = join(KOTLIN_HOME, 'lib')
  const stdlib = join(lib, `kotlin-stdlib-wasm-wasi-${KOTLIN_VERSION}.klib`)
  const compiler = join(lib, `kotlin-compiler-embeddable-${KOTLIN_VERSION}.jar`)
  if (!existsSync(stdlib) || !existsSync(compiler)) {
    if (!toolchainPresent()) throw new Error('building shapes.wasm needs `java` (17 or newer) and `mvn` on PATH')
    mkdirSync(KOTLIN_HOME, { recursive: true })
    const pom = join(KOTLIN_HOME, 'pom.xml')
    writeFileSync(pom, POM)
    const tmp = `${lib}.${process.pid}.tmp`
    const r = spawnSync('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`mvn could not fetch Kotlin ${KOTLIN_VERSION}:\n${r.stdout}${r.stderr}`)
    rmSync(lib, { recursive: true, force: true })
    renameSync(tmp, lib)
  }
  const classpath = readdirSync(lib).filter((f) => f.endsWith('.jar')).sort().map((f) => join(lib, f)).join(delimiter)
  return { classpath, stdlib }
}

function kotlinc(classpath, args) {
  const r = spawnSync('java', ['-cp', classpath, MAIN_CLASS, ...args], { encoding: 'utf8' })
  // The compiler prints warnings on stderr and exits non-zero on an error.
  if (r.status !== 0) throw new Error(`kotlinc-wasm ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`)
}

/** Builds shapes.kt (cached); returns the path of the built .wasm. */
export function buildShapes() {
  const key = createHash('sha256')
    .update(readFileSync(SOURCE))
    .update(`\0${JSON.stringify([KLIB_FLAGS, WASM_FLAGS])}\0${KOTLIN_VERSION}`)
    .digest('hex')
    .slice(0, 32)
  const out = join(CACHE, `kotlin-${key}.wasm`)
  if (existsSync(out)) return out
  const { classpath, stdlib } = toolchain()
  const work = mkdtempSync(join(tmpdir(), 'cwasm-kotlin-'))
  try {
    kotlinc(classpath, [...KLIB_FLAGS, '-libraries', stdlib, '-ir-output-dir', join(work, 'klib'), '-ir-output-name', 'shapes', SOURCE])
    kotlinc(classpath, [...WASM_FLAGS, '-libraries', stdlib, `-Xinclude=${join(work, 'klib', 'shapes.klib')}`, '-ir-output-dir', join(work, 'wasm'), '-ir-output-name', 'shapes'])
    mkdirSync(CACHE, { recursive: true })
    const tmp = `${out}.${process.pid}.tmp`
    copyFileSync(join(work, 'wasm', 'shapes.wasm'), tmp)
    renameSync(tmp, out)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = buildShapes()
  const bytes = readFileSync(built)
  if (process.argv.includes('--check')) {
    const same = existsSync(COMMITTED) && readFileSync(COMMITTED).equals(bytes)
    console.log(same ? `shapes.wasm is the build of shapes.kt (Kotlin ${KOTLIN_VERSION}, ${bytes.length} bytes)` : `shapes.wasm differs from the build of shapes.kt (${built})`)
    process.exitCode = same ? 0 : 1
  } else {
    copyFileSync(built, COMMITTED)
    console.log(`wrote ${COMMITTED} (${bytes.length} bytes, Kotlin ${KOTLIN_VERSION})`)
  }
}

// The skip list: assertions that are not run, each named by its .wast file
// and line and carrying the reason it is skipped.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { InvalidArgumentError } from '@cybernetic/wasm'

/** One skipped assertion. */
export interface Skip {
  /** The .wast file, by base name (e.g. `binary.wast`). */
  file: string
  /** The line of the command in that file. */
  line: number
  /** Why it is skipped. */
  reason: string
}

/** The skip file shipped with the CLI (packages/cli/spec-skips.json). */
export const DEFAULT_SKIPS_FILE = fileURLToPath(new URL('../../spec-skips.json', import.meta.url))

/** Skips by file and line, remembering which ones were used. */
export class SkipList {
  readonly #byKey = new Map<string, Skip>()
  readonly #used = new Set<string>()

  constructor(skips: Skip[]) {
    for (const s of skips) {
      const key = `${s.file}:${s.line}`
      if (this.#byKey.has(key)) throw new InvalidArgumentError(`the skip list names ${key} twice`)
      this.#byKey.set(key, s)
    }
  }

  /** The skip for a command, if it is skipped; marks it used. */
  find(file: string, line: number): Skip | undefined {
    const key = `${file}:${line}`
    const s = this.#byKey.get(key)
    if (s) this.#used.add(key)
    return s
  }

  /** Skips of the given files that matched no command (stale entries). */
  unused(files: Iterable<string>): Skip[] {
    const run = new Set(files)
    return [...this.#byKey.entries()].filter(([k, s]) => run.has(s.file) && !this.#used.has(k)).map(([, s]) => s)
  }
}

/** Reads and checks a skip file: `{ "skips": [{ "file", "line", "reason" }] }`. */
export async function loadSkips(path: string): Promise<SkipList> {
  let data: unknown
  try {
    data = JSON.parse(await readFile(path, 'utf8'))
  } catch (e) {
    throw new InvalidArgumentError(`cannot read the skip file ${path}: ${(e as Error).message}`)
  }
  const skips = (data as { skips?: unknown })?.skips
  if (!Array.isArray(skips)) throw new InvalidArgumentError(`the skip file ${path} has no "skips" array`)
  skips.forEach((s: Partial<Skip>, i) => {
    if (
      typeof s?.file !== 'string' ||
      !Number.isInteger(s.line) ||
      typeof s.reason !== 'string' ||
      s.reason.trim() === ''
    ) {
      throw new InvalidArgumentError(`skip ${i} in ${path} needs a "file", an integer "line" and a non-empty "reason"`)
    }
  })
  return new SkipList(skips as Skip[])
}

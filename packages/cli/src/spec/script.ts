// The shape of a spec-test script as wabt's `wast2json` writes it (wabt
// 1.0.32), with what `wasm-tools json-from-wast` adds for WebAssembly 3.0
// (`either` results, null references of any type, module definitions and
// instances): one JSON file per .wast, with module files written beside it.
// Only this file knows the JSON layout; everything else uses these types.
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** A constant as written in the JSON: its type and its bit pattern in decimal. */
export interface ScalarConst {
  type: 'i32' | 'i64' | 'f32' | 'f64' | 'funcref' | 'externref' | string
  /** Unsigned decimal bit pattern, `nan:canonical` / `nan:arithmetic`, or `null` for references. */
  value?: string
}

/** A v128 constant: lanes of `lane_type`, each a decimal bit pattern or a NaN pattern. */
export interface VectorConst {
  type: 'v128'
  lane_type: 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64'
  value: string[]
}

/** An expected result that may be any one of `values` (relaxed SIMD). */
export interface EitherConst {
  type: 'either'
  values: Const[]
}

/** Any constant of a script. */
export type Const = ScalarConst | VectorConst | EitherConst

/** `invoke` or `get`, optionally on a named module. */
export interface Action {
  type: 'invoke' | 'get'
  module?: string
  field: string
  args?: Const[]
}

interface Base {
  line: number
}

/** Every command `wast2json` emits. */
export type Command =
  | (Base & { type: 'module'; filename: string; name?: string })
  // Compiled, not instantiated; `module_instance` instantiates it by `name`.
  | (Base & { type: 'module_definition'; filename: string; name?: string })
  | (Base & { type: 'module_instance'; instance?: string; module?: string })
  | (Base & { type: 'register'; as: string; name?: string })
  | (Base & { type: 'action'; action: Action; expected?: Const[] })
  | (Base & { type: 'assert_return'; action: Action; expected?: Const[]; either?: Const[] })
  | (Base & { type: 'assert_trap' | 'assert_exhaustion'; action: Action; text: string; expected?: Const[] })
  | (Base & { type: 'assert_exception'; action: Action })
  | (Base & {
      // The _custom forms (annotation proposal): a custom section or annotation that must be refused.
      type: 'assert_invalid' | 'assert_malformed' | 'assert_unlinkable' | 'assert_uninstantiable' | 'assert_malformed_custom' | 'assert_invalid_custom'
      filename: string
      text: string
      module_type: 'binary' | 'text'
    })

/** A loaded script. */
export interface Script {
  /** Path of the JSON file. */
  path: string
  /** Folder the module files are read from. */
  dir: string
  /** The .wast it came from (its base name, e.g. `i32.wast`): how failures and skips name it. */
  name: string
  commands: Command[]
}

/** Reads and checks the outline of one wast2json file. */
export async function loadScript(path: string): Promise<Script> {
  const text = await readFile(path, 'utf8')
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new Error(`${path} is not JSON: ${(e as Error).message}`)
  }
  const obj = data as { source_filename?: unknown; commands?: unknown }
  if (typeof obj !== 'object' || obj === null || !Array.isArray(obj.commands)) {
    throw new Error(`${path} is not a wast2json script (it has no "commands" array)`)
  }
  const name =
    typeof obj.source_filename === 'string' ? basename(obj.source_filename) : basename(path).replace(/\.json$/, '.wast')
  return { path, dir: dirname(path), name, commands: obj.commands as Command[] }
}

/** The path of a module file named by a command. */
export function modulePath(script: Script, filename: string): string {
  return join(script.dir, filename)
}

// Types for cases.mjs.
import type { Fixture } from './fixtures.mjs'

export interface Case {
  id: string
  guest: string
  kind: 'conformance' | 'escape'
  dir: 'rw' | 'ro' | null
  args: string[] | ((fx: Fixture) => string[])
  env: Record<string, string> | null
  hostEnv: Record<string, string>
  stderr: 'compare' | 'ignore'
  stdout: 'text' | 'count'
  setup?: 'links' | 'swapper'
  /** 'wasmtime': recorded with `wasmtime run`; 'wasmtime-wasi': with ro-host (read-only preopens) */
  reference: 'wasmtime' | 'wasmtime-wasi' | null
}
export interface RunRequest {
  wasm: string
  argv0: string
  args: string[]
  /** null: env not granted; otherwise exactly these variables */
  env: Record<string, string> | null
  preopens: { guest: string; host: string; readOnly: boolean }[]
  /** set in the host's environment only (runCase also sets them in process.env during the run) */
  hostEnv: Record<string, string>
}
export interface RunResult {
  exitCode: number
  stdout: string | Uint8Array
  stderr: string | Uint8Array
  /** the run ended in a trap or runtime error, not a guest exit (the runtime's own report removed from stderr) */
  trap?: boolean
}
export type Runner = (req: RunRequest) => RunResult | Promise<RunResult>
export declare const EXPECTED_DIR: string
export declare const CASES: Case[]
export declare function readExpected(id: string): string | null
export declare function formatResult(c: Case, result: RunResult, hostChanges?: string[]): string
export declare function runCase(
  c: Case,
  wasm: string,
  runner: Runner,
  opts?: { keep?: boolean },
): Promise<{ text: string; result: RunResult; hostChanges: string[]; fixture: Fixture; swaps?: number }>

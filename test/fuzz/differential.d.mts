// Types for differential.mjs.
export declare const GENERATOR: string
export declare function buildGenerator(): string
export declare function generate(seed: number, count: number): { seed: number; bytes: Uint8Array | null }[]
export interface Comparison {
  verdict: 'same' | 'divergence' | 'unknown'
  step: string
  reason: string
}
export declare function sameTrap(v8: string, ours: string): boolean
export declare function compareModule(wasm: unknown, engine: unknown, bytes: Uint8Array): Comparison
export declare function writeRepro(dir: string, seed: number, bytes: Uint8Array, finding: object): string

// Types for campaign.mjs.
export interface CaseResult {
  seed: number
  verdict: 'same' | 'divergence' | 'unknown' | 'crash' | 'timeout' | 'skipped'
  step: string
  reason: string
}
export interface Counts {
  same: number
  divergence: number
  crash: number
  unknown: number
  timeout: number
  skipped: number
}
export declare function campaign(options?: {
  seed?: number
  cases?: number
  batch?: number
  jobs?: number
  /** Run the modules on this compiler's code (`compiler: 'winch'` tests the first tier). */
  compiler?: 'auto' | 'cranelift' | 'winch' | null
  timeoutMs?: number
  reproDir?: string | null
  onResult?: (r: CaseResult, counts: Counts) => void
}): Promise<{ counts: Counts; findings: (CaseResult & { file: string | null })[] }>

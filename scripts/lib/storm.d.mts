import type { PoolStats, Runtime } from '@cybernetic/wasm'
export const STORM_WAT: string
export const MODES: string[]
export function threadCount(): number | null
export function health(): { pool: PoolStats; liveTokens: number; threads: number | null; handles: number; rssMiB: number }
export function settlePool(): Promise<void>
export function storm(
  rt: Runtime,
  options?: { calls?: number; lanes?: number; seed?: number },
): Promise<{ counts: Record<'before' | 'queued' | 'running' | 'random' | 'after' | 'never', { value: number; cancelled: number }>; nextChecks: number; executorCalls: number; failures: string[] }>
export function followUp(rt: Runtime, n?: number): Promise<string[]>

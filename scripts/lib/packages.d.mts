import type { NativeTarget } from './targets.mjs'
export interface SizeBudget {
  packed: number
  unpacked: number
}
export const packsDir: string
export const SIZE_BUDGETS: Record<string, SizeBudget>
export function budgetFor(name: string): SizeBudget | undefined
export function workspacePackages(): { dir: string; manifest: Record<string, any> }[]
export function nativePublishManifest(manifest?: Record<string, any>): Record<string, any>
export function platformManifest(target: NativeTarget, manifest?: Record<string, any>): Record<string, any>
export function tarEntries(tgzPath: string): { path: string; size: number }[]
export function tarFile(tgzPath: string, wanted: string): string | undefined

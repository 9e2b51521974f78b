/** One declared native target (see scripts/lib/targets.mjs). */
export interface NativeTarget {
  triple: string
  platformArchABI: string
  platform: string
  arch: string
  abi: string | null
  packageName: string
  nodeFile: string
  npmDir: string
}
export const root: string
export const nativeDir: string
export function nativeManifest(): Record<string, any>
export function nativeTargets(manifest?: Record<string, any>): NativeTarget[]
export function hostTarget(manifest?: Record<string, any>): NativeTarget

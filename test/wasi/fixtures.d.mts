// Types for fixtures.mjs.
export interface Fixture {
  root: string
  sandbox: string
  outsideFile: string
  outsideDir: string
}
export declare const GUEST_DIR: string
export declare const OUTSIDE: string
export declare function makeFixture(dir: string): Fixture
export declare function makeEscapeLinks(fx: Fixture): Record<string, string>
export declare function startSwapper(fx: Fixture): Promise<{ stop(): Promise<number> }>
export declare function snapshot(dir: string, opts?: { skip?: string[] }): Map<string, string>
export declare function diffSnapshots(before: Map<string, string>, after: Map<string, string>): string[]
export declare function removeFixture(fx: Fixture): void

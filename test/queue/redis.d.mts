export interface TestRedis {
  port: number
  url: string
  cli(args: string[], input?: string | Buffer): string
  stop(): Promise<void>
}
export function ensureRedisServer(): void
export function startRedis(): Promise<TestRedis>

// Installs Debian's redis-server when it is missing, once, before any test
// file runs: the queue tests start their own servers from it (test/queue/redis.mjs),
// and several files installing at once would fight over apt's lock.
import { ensureRedisServer } from '../queue/redis.mjs'

export default function setup(): void {
  ensureRedisServer()
}

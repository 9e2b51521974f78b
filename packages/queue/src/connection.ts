/**
 * Redis connections and the names of the keys this package adds beside
 * BullMQ's own.
 *
 * @module
 */
import { Redis, type RedisOptions } from 'ioredis'
import { InvalidArgumentError } from '@cybernetic/wasm'

/**
 * Where Redis is: a URL (`redis://host:6379/0`, `rediss://…` for TLS) or
 * ioredis options (`{ host, port, password, db, tls }`).
 */
export type Connection = string | RedisOptions

/** Opens a connection. BullMQ's blocking reads need `maxRetriesPerRequest: null`. @internal */
export function connect(connection: Connection, path: string): Redis {
  if (typeof connection === 'string') {
    if (!/^rediss?:\/\//.test(connection)) throw new InvalidArgumentError(`${path} must be a redis:// or rediss:// URL, or ioredis options`, path)
    return new Redis(connection, { maxRetriesPerRequest: null, lazyConnect: false })
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new InvalidArgumentError(`${path} is required: a redis:// URL or ioredis options`, path)
  }
  return new Redis({ ...connection, maxRetriesPerRequest: null })
}

/** Checks a queue name: BullMQ puts it in key names, so no `:`. @internal */
export function checkQueueName(name: unknown, path: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,200}$/.test(name)) {
    throw new InvalidArgumentError(`${path} must be 1 to 200 letters, digits, '_', '.' or '-' (BullMQ puts it in Redis key names)`, path)
  }
  return name
}

/** The keys of one queue that are ours, not BullMQ's. @internal */
export class Keys {
  readonly base: string
  constructor(prefix: string, queue: string) {
    this.base = `${prefix}:${queue}:cwasm`
  }
  /** A module's bytes, by hex sha256. */
  module(hash: string): string {
    return `${this.base}:module:${hash}`
  }
  /** The one outcome of a job. */
  result(jobId: string): string {
    return `${this.base}:result:${jobId}`
  }
  /** Set when the caller cancelled a job, so a worker that picks it up later sees it. */
  cancel(jobId: string): string {
    return `${this.base}:cancel:${jobId}`
  }
  /** The pub/sub channel that tells running workers of a cancellation. */
  get cancelChannel(): string {
    return `${this.base}:cancel`
  }
}

// Builds the C guests of the WASI suites once, before any test file runs:
// installing the Debian toolchain (when missing) from several test processes
// at once would fight over apt's lock. The files then find them in the cache.
import { buildGuests } from '../wasi/build-guests.mjs'

export default async function setup(): Promise<void> {
  await buildGuests()
}

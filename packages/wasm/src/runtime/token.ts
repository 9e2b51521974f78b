// The one way a native call is tied to an AbortSignal.
import { binding } from './binding.js'
import { CancelledError } from '../errors.js'

/**
 * Runs one native call under a call token tied to `signal`: an abort before
 * the call starts takes it off the pool's queue, one while it runs stops it at
 * its next check, one after it ended does nothing (cwasm_core's cancel.rs).
 * What the call throws goes through `toError`; a cancellation the signal
 * caused carries the signal's reason as its `cause`. Without a signal there
 * is no token.
 * @internal
 */
export async function underToken<T>(signal: AbortSignal | undefined, run: (token: number | undefined) => Promise<T>, toError: (e: unknown) => unknown): Promise<T> {
  const token = signal ? binding.newCallToken() : undefined
  const onAbort = () => {
    binding.cancelCall(token!)
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  // An abort that came while the call was being prepared (its listener
  // not yet added) must still stop it: cancelled before it starts.
  if (signal?.aborted) onAbort()
  try {
    return await run(token)
  } catch (e) {
    const err = toError(e)
    if (err instanceof CancelledError && signal?.aborted) throw new CancelledError(err.message, { cause: signal.reason })
    throw err
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

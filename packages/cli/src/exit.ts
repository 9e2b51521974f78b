// The exit statuses every cwasm command shares, written once: the help of
// each command and the README list these.

/** Exit statuses of cwasm. A guest's own exit code (0-125) passes through `cwasm run`. */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** It ran and something failed: an invalid module, a failed spec test, a refused artifact. */
  failed: 1,
  /** Bad usage: an unknown option or command, a missing or malformed argument. */
  usage: 2,
  /** A bug in cwasm itself (EX_SOFTWARE); the stack is printed. */
  internal: 70,
  /** `cwasm run`: the module could not be started (bad flags, compile, link, manifest or sandbox refusal). */
  notStarted: 126,
  /** `cwasm run`: the guest was stopped (trap, timeout, fuel, memory limit), as wasmtime's 128 + SIGABRT. */
  stopped: 134,
} as const

/** The help lines for the statuses most commands share; `what` says what counts as a failure. */
export function commonExits(what: string): [string, string][] {
  return [
    [String(EXIT.ok), 'success'],
    [String(EXIT.failed), what],
    [String(EXIT.usage), 'bad usage (unknown option, missing argument)'],
    [String(EXIT.internal), 'internal error in cwasm (a bug: please report it)'],
  ]
}

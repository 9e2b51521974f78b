/**
 * Every error this library throws, in one place.
 *
 * The native addon reports failures as data (a JSON object with a `kind`);
 * {@link fromNative} is the only code that turns that data into one of the
 * classes below. Each class has a stable {@link ErrorCode} in `code`, and
 * traps carry a {@link TrapCode} that mirrors Wasmtime's `Trap` enum.
 *
 * @module
 */
import { codeFrame, locationAt } from './text/location.js'
import type { Tag } from './runtime/externs.js'
import type { GcRef } from './runtime/gcref.js'

/**
 * One code per Wasmtime trap variant (wasmtime 48). A test compares this list
 * with the addon's, so a Wasmtime upgrade that adds a variant fails loudly.
 */
export const TRAP_CODES = [
  'stack_overflow',
  'memory_out_of_bounds',
  'heap_misaligned',
  'table_out_of_bounds',
  'indirect_call_to_null',
  'indirect_call_type_mismatch',
  'integer_overflow',
  'integer_divide_by_zero',
  'bad_conversion_to_integer',
  'unreachable',
  'interrupt',
  'out_of_fuel',
  'atomic_wait_non_shared_memory',
  'null_reference',
  'array_out_of_bounds',
  'allocation_too_large',
  'cast_failure',
  'cannot_enter_component',
  'no_async_result',
  'unhandled_tag',
  'continuation_already_consumed',
  'disabled_opcode',
  'async_deadlock',
  'cannot_leave_component',
  'cannot_block_sync_task',
  'invalid_char',
  'debug_assert_string_encoding_finished',
  'debug_assert_equal_code_units',
  'debug_assert_pointer_aligned',
  'debug_assert_upper_bits_unset',
  'string_out_of_bounds',
  'list_out_of_bounds',
  'invalid_discriminant',
  'unaligned_pointer',
  'task_cancel_not_cancelled',
  'task_cancel_or_return_twice',
  'subtask_cancel_after_terminal',
  'task_return_invalid',
  'waitable_set_drop_has_waiters',
  'subtask_drop_not_resolved',
  'thread_new_indirect_invalid_type',
  'thread_new_indirect_uninitialized',
  'backpressure_overflow',
  'unsupported_callback_code',
  'cannot_resume_thread',
  'concurrent_future_stream_op',
  'reference_count_overflow',
  'stream_op_too_big',
  'waitable_sync_and_async',
  'uncaught_exception',
] as const

/** A trap code: why the guest stopped. */
export type TrapCode = (typeof TRAP_CODES)[number]

/** Codes of errors that are not traps. */
export const OTHER_CODES = [
  'compile_error',
  'link_error',
  'host_error',
  'fuel_exhausted',
  'timeout',
  'cancelled',
  'memory_limit',
  'artifact_rejected',
  'invalid_argument',
  'store_busy',
  'internal',
  'manifest_error',
  'capability_denied',
  'exit',
  'queue_full',
  'abi_error',
  'closed',
  'queue_error',
  'wasm_exception',
  'unsupported',
] as const

/** Every `code` an error of this library can have. */
export type ErrorCode = TrapCode | (typeof OTHER_CODES)[number]

/** One frame of a wasm backtrace, innermost first. */
export interface WasmFrame {
  /** Index of the function in its module. */
  funcIndex: number
  /** The function's name from the name section, if any. */
  funcName: string | null
  /** The module's name from the name section, if any. */
  moduleName: string | null
  /** Byte offset of the instruction in the module, if known. */
  moduleOffset: number | null
}

/** One import that could not be satisfied. */
export interface LinkIssue {
  /** The import's module name. */
  module: string
  /** The import's field name. */
  name: string
  /** Nothing was provided (`missing`), or something of the wrong type (`incompatible`). */
  problem: 'missing' | 'incompatible'
  /** The type the module expects, e.g. `func (i32) -> (i32)`. */
  expected: string
  /** The type that was provided, if anything was. */
  actual: string | null
}

/** Why an AOT artifact was refused. */
export type ArtifactProblem = 'not_an_artifact' | 'wrong_version' | 'incompatible_engine' | 'bad_signature' | 'untrusted_key' | 'wrong_module'

/** Options every error constructor takes. */
export interface WasmErrorOptions {
  /** The error that caused this one. */
  cause?: unknown
}

/**
 * Base class of every error this library throws.
 *
 * @example
 * ```ts
 * try { await rt.call(mod, 'run', []) }
 * catch (e) { if (e instanceof WasmError) console.error(`error[${e.code}]: ${e.message}`) }
 * ```
 */
export class WasmError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode
  /**
   * When this error ended a command run ({@link Runtime.run}): what the guest
   * had written to its captured stdout and stderr by then. `null` otherwise.
   * @default null
   */
  output: GuestOutput | null = null
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(code: ErrorCode, message: string, options?: WasmErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WasmError'
    this.code = code
  }
}

/** What a guest wrote to its captured standard streams. */
export interface GuestOutput {
  /** Captured standard output (empty unless it was captured). */
  stdout: Buffer
  /** Captured standard error (empty unless it was captured). */
  stderr: Buffer
}

/** The module is not valid WebAssembly (or WAT). Code `compile_error`. */
export class CompileError extends WasmError {
  /** Byte offset of the problem in the binary, when known. */
  readonly offset: number | null
  /** 1-based line in WAT text, when the input was text. */
  readonly line: number | null
  /** 1-based column in WAT text, when the input was text. */
  readonly column: number | null
  /** The file the module came from, when known. */
  readonly file: string | null
  /**
   * A code frame around `line`/`column` (see {@linkcode codeFrame}), when the
   * input was WAT text and the text is known; `null` otherwise.
   */
  readonly frame: string | null
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(
    message: string,
    details: { offset?: number | null; line?: number | null; column?: number | null; file?: string | null; frame?: string | null } = {},
    options?: WasmErrorOptions,
  ) {
    super('compile_error', message, options)
    this.name = 'CompileError'
    this.offset = details.offset ?? null
    this.line = details.line ?? null
    this.column = details.column ?? null
    this.file = details.file ?? null
    this.frame = details.frame ?? null
  }
}

/**
 * The same error with a code frame of `source` at its line and column, the
 * frame also appended to the message. Returns `err` itself when it has no
 * line/column (a binary module) or already has a frame.
 * @internal
 */
export function withCodeFrame(err: CompileError, source: string | Uint8Array): CompileError {
  if (err.line == null || err.column == null || err.frame != null) return err
  const text = typeof source === 'string' ? source : new TextDecoder().decode(source)
  const frame = codeFrame(text, err.line, err.column)
  const { offset, line, column, file } = err
  return new CompileError(`${err.message}\n${frame}`, { offset, line, column, file, frame }, err.cause === undefined ? undefined : { cause: err.cause })
}

/** Imports could not be resolved; `imports` lists each problem. Code `link_error`. */
export class LinkError extends WasmError {
  /** Every missing or mismatched import. */
  readonly imports: LinkIssue[]
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, imports: LinkIssue[], options?: WasmErrorOptions) {
    super('link_error', message, options)
    this.name = 'LinkError'
    this.imports = imports
  }
}

/** The guest trapped. `code` is the {@link TrapCode}; `frames` the wasm backtrace. */
export class TrapError extends WasmError {
  /** Same as `code`: why the guest stopped. */
  readonly trapCode: TrapCode
  /** The wasm backtrace, innermost first, with names from the name section. */
  readonly frames: WasmFrame[]
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(trapCode: TrapCode, message: string, frames: WasmFrame[], options?: WasmErrorOptions) {
    super(trapCode, message, options)
    this.name = 'TrapError'
    this.trapCode = trapCode
    this.frames = frames
  }
}

/** A host function threw; `cause` is what it threw. Code `host_error`. */
export class HostFunctionError extends WasmError {
  /** The wasm backtrace at the host call. */
  readonly frames: WasmFrame[]
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, frames: WasmFrame[], options?: WasmErrorOptions) {
    super('host_error', message, options)
    this.name = 'HostFunctionError'
    this.frames = frames
  }
}

/** The call used up its fuel budget. Code `fuel_exhausted`. */
export class FuelExhaustedError extends WasmError {
  /** Where the fuel ran out. */
  readonly frames: WasmFrame[]
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, frames: WasmFrame[] = [], options?: WasmErrorOptions) {
    super('fuel_exhausted', message, options)
    this.name = 'FuelExhaustedError'
    this.frames = frames
  }
}

/** The call ran past its deadline. Code `timeout`. */
export class TimeoutError extends WasmError {
  /** The deadline that passed, in milliseconds. */
  readonly limitMs: number
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, limitMs: number, options?: WasmErrorOptions) {
    super('timeout', message, options)
    this.name = 'TimeoutError'
    this.limitMs = limitMs
  }
}

/** The call was cancelled by its `AbortSignal`; `cause` is the abort reason. Code `cancelled`. */
export class CancelledError extends WasmError {
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, options?: WasmErrorOptions) {
    super('cancelled', message, options)
    this.name = 'CancelledError'
  }
}

/**
 * The guest called WASI's `proc_exit` during a call that is not a command
 * run (for {@link Runtime.run} an exit is its result, not an error). Code `exit`.
 *
 * @example
 * ```ts
 * try { await rt.call(plugin, 'work', []) }
 * catch (e) { if (e instanceof ExitError) console.log('the guest exited with', e.exitCode) }
 * ```
 */
export class ExitError extends WasmError {
  /** The exit code the guest gave (0–125). */
  readonly exitCode: number
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, exitCode: number, options?: WasmErrorOptions) {
    super('exit', message, options)
    this.name = 'ExitError'
    this.exitCode = exitCode
  }
}

/** A memory, table or instance limit was hit. Code `memory_limit`. */
export class MemoryLimitError extends WasmError {
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, options?: WasmErrorOptions) {
    super('memory_limit', message, options)
    this.name = 'MemoryLimitError'
  }
}

/** An AOT artifact was refused before anything was loaded. Code `artifact_rejected`. */
export class ArtifactError extends WasmError {
  /** Why it was refused. */
  readonly problem: ArtifactProblem
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, problem: ArtifactProblem, options?: WasmErrorOptions) {
    super('artifact_rejected', message, options)
    this.name = 'ArtifactError'
    this.problem = problem
  }
}

/** An argument or option is wrong; `path` names it. Code `invalid_argument`. */
export class InvalidArgumentError extends WasmError {
  /** Dotted path of the offending option or argument, when there is one. */
  readonly path: string | null
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, path: string | null = null, options?: WasmErrorOptions) {
    super('invalid_argument', message, options)
    this.name = 'InvalidArgumentError'
    this.path = path
  }
}

/** Where a {@linkcode ManifestError} points: the source and a 0-based offset into it. */
export interface ManifestErrorDetails {
  /** The manifest's text; line, column and frame are computed from it. */
  source: string
  /** 0-based offset of the problem in `source`, in UTF-16 code units. */
  offset: number
  /**
   * The file the manifest was read from, if any.
   * @default null
   */
  file?: string | null
  /**
   * Dotted manifest key the problem is about, e.g. `limits.memory`.
   * @default null
   */
  key?: string | null
}

/**
 * A sandbox manifest (TOML or JSON) is malformed or asks for something it
 * cannot have. Code `manifest_error`. The message reads
 * `<file>:<line>:<column>: <what is wrong>` and then the code frame;
 * `<file>` is `<manifest>` when the text did not come from a file.
 *
 * @example
 * ```ts
 * try { parseManifest('[module]\nname = "m"\n[limits]\nmemory = -1\n', { dir: '.' }) }
 * catch (e) { if (e instanceof ManifestError) console.error(e.key, e.line, e.column) } // limits.memory 4 10
 * ```
 */
export class ManifestError extends WasmError {
  /** The file the manifest was read from, or `null` for text given directly. */
  readonly file: string | null
  /** 1-based line of the problem. */
  readonly line: number
  /** 1-based column of the problem, in UTF-16 code units (a tab counts as one). */
  readonly column: number
  /** 0-based offset of the problem in the source, in UTF-16 code units. */
  readonly offset: number
  /** Dotted manifest key, e.g. `limits.memory` or `capabilities.filesystem.read[1]`, when the problem is about one. */
  readonly key: string | null
  /** A code frame: up to two lines before, the line, and a caret under the column (see {@linkcode codeFrame}). */
  readonly frame: string
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, details: ManifestErrorDetails, options?: WasmErrorOptions) {
    const { line, column } = locationAt(details.source, details.offset)
    const frame = codeFrame(details.source, line, column)
    const file = details.file ?? null
    super('manifest_error', `${file ?? '<manifest>'}:${line}:${column}: ${message}\n${frame}`, options)
    this.name = 'ManifestError'
    this.file = file
    this.line = line
    this.column = column
    this.offset = Math.min(Math.max(0, details.offset), details.source.length)
    this.key = details.key ?? null
    this.frame = frame
  }
}

/** One import a strict sandbox refused, and the manifest key that would grant it. */
export interface RefusedImport {
  /** The import's module name, e.g. `wasi_snapshot_preview1`. */
  module: string
  /** The import's field name, e.g. `fd_write`. */
  name: string
  /** The capability the import belongs to, e.g. `clocks`. */
  capability: string
  /** The manifest key that would grant it, e.g. `capabilities.clocks`. */
  grantKey: string
}

/** What a {@linkcode CapabilityError} is about. */
export interface CapabilityErrorDetails {
  /**
   * The manifest key the plugin asked with, e.g. `capabilities.clocks`.
   * @default null
   */
  manifestKey?: string | null
  /**
   * The host policy key that would have to allow it, e.g. `policy.clocks`.
   * @default null
   */
  policyKey?: string | null
  /**
   * Every import refused, in strict mode.
   * @default []
   */
  imports?: RefusedImport[]
}

/**
 * A plugin asked for more than the host policy allows, or imports what its
 * sandbox does not grant. Code `capability_denied`. The message names both
 * sides, e.g. `the manifest asks for capabilities.clocks (manifest.toml:9:10)
 * but the host policy does not allow it (policy.clocks)`.
 */
export class CapabilityError extends WasmError {
  /** The manifest key that asked for the capability, when there is one. */
  readonly manifestKey: string | null
  /** The host policy key that would have to allow it, when there is one. */
  readonly policyKey: string | null
  /** Strict-mode refusals: every import refused and the manifest key that would grant it. */
  readonly imports: RefusedImport[]
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, details: CapabilityErrorDetails = {}, options?: WasmErrorOptions) {
    super('capability_denied', message, options)
    this.name = 'CapabilityError'
    this.manifestKey = details.manifestKey ?? null
    this.policyKey = details.policyKey ?? null
    this.imports = details.imports ?? []
  }
}

/** The store is in use by a call on another thread. Code `store_busy`. */
export class StoreBusyError extends WasmError {
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, options?: WasmErrorOptions) {
    super('store_busy', message, options)
    this.name = 'StoreBusyError'
  }
}

/**
 * An executor's queue is full: `maxQueue` calls already wait for a thread.
 * Code `queue_full`. Nothing was started; try again once calls finish.
 *
 * @example
 * ```ts
 * const ex = createExecutor({ runtime: rt, threads: 1, maxQueue: 0 })
 * void ex.run(mod, 'spin', [])
 * await ex.run(mod, 'spin', []).catch((e) => e instanceof QueueFullError) // true
 * ```
 */
export class QueueFullError extends WasmError {
  /** The `maxQueue` that was reached. */
  readonly maxQueue: number
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, maxQueue: number, options?: WasmErrorOptions) {
    super('queue_full', message, options)
    this.name = 'QueueFullError'
    this.maxQueue = maxQueue
  }
}

/**
 * A bytes call broke the `allocate` convention (see the README, "Bytes in
 * and out"): the guest exports no `memory` or `allocate`, an export has the
 * wrong type, or a pointer or length it returned falls outside its memory.
 * Code `abi_error`.
 *
 * @example
 * ```ts
 * await rt.callBytes(mod, 'upper', new Uint8Array([104, 105])).catch((e) => e instanceof AbiError)
 * ```
 */
export class AbiError extends WasmError {
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, options?: WasmErrorOptions) {
    super('abi_error', message, options)
    this.name = 'AbiError'
  }
}

/**
 * The executor (or runtime) was closed: it takes no new calls, and
 * `close({ force: true })` ends the calls still waiting with this error.
 * Code `closed`.
 *
 * @example
 * ```ts
 * await rt.close()
 * await rt.call(mod, 'f').catch((e) => e instanceof ClosedError) // true
 * ```
 */
export class ClosedError extends WasmError {
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, options?: WasmErrorOptions) {
    super('closed', message, options)
    this.name = 'ClosedError'
  }
}

/**
 * What this runtime's backend cannot give (see {@link RuntimeCapabilities}): `fuel`,
 * `timeout` (stopping a running call), `memoryLimit`, `wasi` (the sandbox), `aot` (artifacts
 * and the disk cache), `offThread` (calls off the main thread), `engine` (Wasmtime's engine and
 * stores), `value` (a value type the host's `WebAssembly` cannot pass), `async_host`
 * (a host function's Promise on the main thread), `native` (the addon itself did not load).
 */
export type UnsupportedFeature = 'fuel' | 'timeout' | 'memoryLimit' | 'wasi' | 'aot' | 'offThread' | 'engine' | 'value' | 'async_host' | 'native'

/**
 * The runtime's backend cannot do what was asked, so it refuses instead of
 * ignoring it: a fuel budget, a deadline or a memory cap on the host's own
 * `WebAssembly` (`backend: 'webassembly'`), or `backend: 'native'` where the
 * addon did not load. `feature` says what; {@link Runtime.capabilities}
 * lists what the backend can do. Code `unsupported`.
 *
 * @example
 * ```ts
 * await createRuntime({ backend: 'webassembly', fuel: 1000 }).catch((e) => e instanceof UnsupportedError) // true
 * ```
 */
export class UnsupportedError extends WasmError {
  /** What was asked for that the backend cannot give. */
  readonly feature: UnsupportedFeature
  /** The backend that refused it. */
  readonly backend: 'native' | 'webassembly'
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, feature: UnsupportedFeature, backend: 'native' | 'webassembly', options?: WasmErrorOptions) {
    super('unsupported', message, options)
    this.name = 'UnsupportedError'
    this.feature = feature
    this.backend = backend
  }
}

/** Why a {@linkcode QueueError} was raised. */
export type QueueProblem = 'module_too_large' | 'module_missing' | 'hash_mismatch' | 'bad_job' | 'job_lost'

/**
 * A job of `@cybernetic/wasm-queue` could not be run as sent: its module is
 * over the size bound (`module_too_large`), gone from Redis (`module_missing`),
 * or its bytes do not match the sha256 they are named by (`hash_mismatch`: the
 * worker refuses them before compiling anything); the job data is not one a
 * worker understands (`bad_job`); or BullMQ gave up on the job because the
 * workers running it died more often than `maxStalledCount` allows (`job_lost`).
 * Code `queue_error`.
 *
 * @example
 * ```ts
 * await qe.run(mod, 'f').catch((e) => e instanceof QueueError && e.problem === 'hash_mismatch')
 * ```
 */
export class QueueError extends WasmError {
  /** What went wrong. */
  readonly problem: QueueProblem
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, problem: QueueProblem, options?: WasmErrorOptions) {
    super('queue_error', message, options)
    this.name = 'QueueError'
    this.problem = problem
  }
}

/**
 * A WebAssembly exception (the exception-handling proposal, in 3.0) escaped
 * the call: the guest threw with `throw` and nothing caught it. Code
 * `wasm_exception`. `tag` says which exception it is, `payload` holds its
 * values (decoded as call results are).
 *
 * A JS host function may also throw one into the guest: `throw new
 * WasmException(tag, payload)` with a {@link Tag} of the guest's store, and
 * the guest's `try_table` catches it by that tag; rethrowing a caught
 * WasmException throws the same exception object again. Any other JS error
 * a host function throws is not a wasm exception: no `catch` clause of the
 * guest sees it (not even `catch_all`), and the call fails with
 * {@link HostFunctionError}.
 *
 * @example
 * ```ts
 * try { instance.func('parse').call(ptr) }
 * catch (e) {
 *   if (e instanceof WasmException && e.tag?.equals(instance.tag('parse_error'))) console.log(e.payload) // [17]
 * }
 * // From a host function: the guest catches it with (catch $oops ...).
 * const fail = store.func({ params: [], results: [] }, () => { throw new WasmException(oops, [42]) })
 * ```
 */
export class WasmException extends WasmError {
  /** The exception's tag; `null` when it crossed from a worker thread (tags belong to one store). */
  readonly tag: Tag | null
  /**
   * The payload values, one per tag parameter. From a call with no store of
   * its own to read it afterwards (`rt.call` on a module without imports), a
   * reference in the payload is `undefined`: only numbers and vectors outlive that call's store.
   */
  readonly payload: unknown[]
  /** The exception object as the guest holds it (rethrown as is from a host function); `null` for one made in JS that was not thrown yet, or one from a worker thread. */
  readonly exn: GcRef | null
  /** Where it was thrown, innermost first (empty for one made in JS). */
  readonly frames: WasmFrame[]
  /**
   * An exception of `tag` with `payload` (one value per parameter of the
   * tag), for a host function to throw into the guest. The payload is
   * checked against the tag's types when it is thrown.
   * @param tag A tag of the store whose guest will catch it.
   * @param payload Its values. @default []
   * @throws never (a mismatch between payload and tag is reported when thrown, as a {@link HostFunctionError} whose cause says why)
   */
  constructor(tag: Tag | null, payload: unknown[] = [], options?: WasmErrorOptions & { exn?: GcRef | null; frames?: WasmFrame[]; message?: string }) {
    super('wasm_exception', options?.message ?? `a wasm exception escaped: payload [${payload.map(showValue).join(', ')}]`, options)
    this.name = 'WasmException'
    this.tag = tag
    this.payload = payload
    this.exn = options?.exn ?? null
    this.frames = options?.frames ?? []
  }
}

function showValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`
  if (v instanceof Uint8Array) return `v128 ${Buffer.from(v).toString('hex')}`
  if (v !== null && typeof v === 'object') return String(v.constructor?.name ?? 'object')
  return String(v)
}

/** A bug in this library (a caught panic or broken invariant). Code `internal`. */
export class InternalError extends WasmError {
  /** The runtime makes these when an operation fails; make one yourself only to rethrow or in tests. */
  constructor(message: string, options?: WasmErrorOptions) {
    super('internal', message, options)
    this.name = 'InternalError'
  }
}

/** The shape of the data the addon reports (see crates/cwasm_binding/src/error.rs). */
interface NativeErrorData {
  cwasm: 1
  kind: string
  message: string
  offset?: number | null
  line?: number | null
  column?: number | null
  issues?: LinkIssue[]
  trapCode?: string
  frames?: WasmFrame[]
  payload?: number | null
  limitMs?: number
  problem?: ArtifactProblem
  exitCode?: number
  exn?: number
  values?: NativeExceptionValue[]
}

/** One payload value of an escaping exception as the addon reports it: its type, and its slot in hex (null for a reference). @internal */
export interface NativeExceptionValue {
  type: string
  slot: string | null
}

const NATIVE_PREFIX = '{"cwasm":1,'

/** Context that only the caller knows, used to complete a native error. */
export interface NativeErrorContext {
  /** Looks up what a host function threw, by the id it was stashed under. */
  hostError?: (id: number) => unknown
  /** The file being compiled, for compile errors. */
  file?: string | null
  /** The deadline in force, for timeouts. */
  limitMs?: number
  /** Reads an exception object that escaped, by the id the store roots it under. */
  exception?: (id: number) => { tag: Tag; payload: unknown[]; exn: GcRef }
  /** Decodes an exception's payload where no store can read it (a one-shot call's store ended with the call). */
  payload?: (values: NativeExceptionValue[]) => unknown[]
}

function isTrapCode(code: string): code is TrapCode {
  return (TRAP_CODES as readonly string[]).includes(code)
}

/** napi statuses that mean "this JS value cannot become the Rust type asked for". */
const NAPI_ARGUMENT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
])

/**
 * Converts anything the addon threw into one of this module's errors.
 * Errors that are not the addon's structured data are returned unchanged.
 * @internal
 */
export function fromNative(err: unknown, ctx: NativeErrorContext = {}): unknown {
  if (!(err instanceof Error) || err instanceof WasmError) return err
  if (!err.message.startsWith(NATIVE_PREFIX)) {
    // napi's own argument conversion failed: TS should have refused the
    // value first, but no plain napi Error may reach a caller.
    const status = (err as { code?: unknown }).code
    if (typeof status === 'string' && NAPI_ARGUMENT_STATUSES.has(status)) {
      return new InvalidArgumentError(`an argument has the wrong type for the addon: ${err.message}`, null, { cause: err })
    }
    return err
  }
  let data: NativeErrorData
  try {
    data = JSON.parse(err.message) as NativeErrorData
  } catch {
    return new InternalError(`the addon reported an unreadable error: ${err.message}`)
  }
  const frames = data.frames ?? []
  switch (data.kind) {
    case 'compile': {
      const where = ctx.file ? `${ctx.file}: ` : ''
      return new CompileError(`${where}${data.message}${describeLocation(data)}`, {
        offset: data.offset ?? null,
        line: data.line ?? null,
        column: data.column ?? null,
        file: ctx.file ?? null,
      })
    }
    case 'link':
      return new LinkError(data.message, data.issues ?? [])
    case 'trap': {
      const code = data.trapCode ?? 'unreachable'
      const trapCode: TrapCode = isTrapCode(code) ? code : 'unreachable'
      return new TrapError(trapCode, `${data.message}${describeFrames(frames)}`, frames)
    }
    case 'host': {
      const cause = data.payload != null && ctx.hostError ? ctx.hostError(data.payload) : undefined
      const reason = cause instanceof Error ? `: ${cause.message}` : cause !== undefined ? `: ${String(cause)}` : ''
      return new HostFunctionError(`a host function threw${reason}${describeFrames(frames)}`, frames, { cause })
    }
    case 'fuel_exhausted':
      return new FuelExhaustedError(data.message, frames)
    case 'timeout':
      return new TimeoutError(data.message, ctx.limitMs ?? data.limitMs ?? 0)
    case 'cancelled':
      return new CancelledError(data.message)
    case 'exit':
      return new ExitError(data.message, data.exitCode ?? 0)
    case 'memory_limit':
      return new MemoryLimitError(data.message)
    case 'artifact':
      return new ArtifactError(data.message, data.problem ?? 'not_an_artifact')
    case 'invalid_argument':
      return new InvalidArgumentError(data.message)
    case 'busy':
      return new StoreBusyError(data.message)
    case 'abi':
      return new AbiError(data.message)
    case 'exception': {
      const parts = data.exn != null && ctx.exception ? ctx.exception(data.exn) : null
      const tail = describeFrames(frames)
      if (!parts) {
        // No store holds the exception any more: the numbers of its payload came with the error.
        const payload = data.values && ctx.payload ? ctx.payload(data.values) : []
        const shown = payload.map((v) => (v === undefined ? '(a reference)' : showValue(v)))
        const message = payload.length > 0 ? `a wasm exception escaped: payload [${shown.join(', ')}]` : data.message
        return new WasmException(null, payload, { frames, message: `${message}${tail}` })
      }
      return new WasmException(parts.tag, parts.payload, {
        exn: parts.exn,
        frames,
        message: `a wasm exception escaped: payload [${parts.payload.map(showValue).join(', ')}]${tail}`,
      })
    }
    default:
      return new InternalError(data.message)
  }
}

function describeLocation(d: NativeErrorData): string {
  if (d.line != null && d.column != null) return ` (at line ${d.line}, column ${d.column}; both 1-based)`
  if (d.offset != null) return ` (at byte offset 0x${d.offset.toString(16)})`
  return ''
}

function describeFrames(frames: WasmFrame[]): string {
  if (frames.length === 0) return ''
  const lines = frames.map((f, i) => {
    const name = f.funcName ?? `<func ${f.funcIndex}>`
    const mod = f.moduleName ? `${f.moduleName}!` : ''
    const at = f.moduleOffset != null ? ` @ 0x${f.moduleOffset.toString(16)}` : ''
    return `  ${i}: ${mod}${name}${at}`
  })
  return `\nwasm backtrace:\n${lines.join('\n')}`
}

/** Runs `f`, converting any addon error it throws. @internal */
export function native<T>(f: () => T, ctx?: NativeErrorContext): T {
  try {
    return f()
  } catch (e) {
    throw fromNative(e, ctx)
  }
}

/** An error as plain data, to cross from a worker thread (see {@link reviveError}). @internal */
export interface ErrorData {
  name: string
  code: string | null
  message: string
  fields: Record<string, unknown>
  cause?: ErrorData | null
}

/** Turns an error thrown on a worker thread into data for {@link reviveError}. @internal */
export function errorData(e: unknown): ErrorData {
  if (e instanceof Error) {
    const fields: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(e)) if (k !== 'cause' && k !== 'code') fields[k] = v
    if (e instanceof WasmException) {
      // Tags and GC handles belong to the worker's store: only plain values cross.
      delete fields['tag']
      delete fields['exn']
      fields['payload'] = e.payload.map((v) => (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? String(v) : v))
    }
    const cause = (e as { cause?: unknown }).cause
    return {
      name: e.name,
      code: e instanceof WasmError ? e.code : null,
      message: e.message,
      fields,
      cause: cause === undefined ? null : errorData(cause),
    }
  }
  return { name: 'Error', code: null, message: String(e), fields: {}, cause: null }
}

const REVIVE: Record<string, (m: string, f: Record<string, unknown>) => WasmError> = {
  CompileError: (m, f) => new CompileError(m, { offset: (f.offset as number | null) ?? null, line: (f.line as number | null) ?? null, column: (f.column as number | null) ?? null, file: (f.file as string | null) ?? null }),
  LinkError: (m, f) => new LinkError(m, (f.issues as LinkIssue[]) ?? []),
  TrapError: (m, f) => new TrapError((f.trapCode as TrapCode) ?? 'unreachable', m, (f.frames as WasmFrame[]) ?? []),
  HostFunctionError: (m, f) => new HostFunctionError(m, (f.frames as WasmFrame[]) ?? []),
  FuelExhaustedError: (m, f) => new FuelExhaustedError(m, (f.frames as WasmFrame[]) ?? []),
  TimeoutError: (m, f) => new TimeoutError(m, (f.limitMs as number) ?? 0),
  CancelledError: (m) => new CancelledError(m),
  ExitError: (m, f) => new ExitError(m, (f.exitCode as number) ?? 0),
  MemoryLimitError: (m) => new MemoryLimitError(m),
  InvalidArgumentError: (m, f) => new InvalidArgumentError(m, (f.path as string | null) ?? null),
  StoreBusyError: (m) => new StoreBusyError(m),
  AbiError: (m) => new AbiError(m),
  ClosedError: (m) => new ClosedError(m),
  CapabilityError: (m, f) => new CapabilityError(m, { manifestKey: (f.manifestKey as string | null) ?? null, policyKey: (f.policyKey as string | null) ?? null, imports: (f.imports as RefusedImport[]) ?? [] }),
  InternalError: (m) => new InternalError(m),
  QueueError: (m, f) => new QueueError(m, (f.problem as QueueProblem) ?? 'bad_job'),
  ArtifactError: (m, f) => new ArtifactError(m, (f.problem as ArtifactProblem) ?? 'not_an_artifact'),
  QueueFullError: (m, f) => new QueueFullError(m, (f.maxQueue as number) ?? 0),
  UnsupportedError: (m, f) => new UnsupportedError(m, (f.feature as UnsupportedFeature) ?? 'native', (f.backend as 'native' | 'webassembly') ?? 'native'),
  // The tag and exception object stay behind on their thread; the payload's numbers cross.
  WasmException: (m, f) => new WasmException(null, (f.payload as unknown[]) ?? [], { frames: (f.frames as WasmFrame[]) ?? [], message: m }),
}

/**
 * Rebuilds an error from a worker thread as the same class (an error of
 * user code that is not one of ours becomes a plain `Error` with its name
 * and message). @internal
 */
export function reviveError(d: ErrorData): Error {
  const cause = d.cause ? reviveError(d.cause) : undefined
  const make = REVIVE[d.name]
  if (make) {
    const e = make(d.message, d.fields)
    if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, writable: true, configurable: true })
    return e
  }
  const e = new Error(d.message, cause !== undefined ? { cause } : undefined)
  e.name = d.name
  return e
}

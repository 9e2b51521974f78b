import { binding, type BindingEngine, type BindingEngineOptions } from './binding.js'
import { native } from '../errors.js'
import { validateEngineOptions } from '../options/validate.js'

/** Sizes for the pooling instance allocator (see {@link EngineOptions.pooling}). */
export interface PoolingOptions {
  /**
   * Live instances the pool can hold at once.
   * @default 512
   */
  totalInstances?: number
  /**
   * Live linear memories the pool can hold at once.
   * @default 512
   */
  totalMemories?: number
  /**
   * Live tables the pool can hold at once.
   * @default 512
   */
  totalTables?: number
  /**
   * The largest a pooled memory may grow, in bytes.
   * @default 268435456 (256 MiB)
   */
  maxMemorySize?: number
}

/**
 * How an {@link Engine} compiles and runs code. Engines with equal options are
 * one engine, shared by the whole process (worker threads included), and so
 * are the modules they compile.
 *
 * When to use which limit: **fuel** counts instructions (deterministic, the
 * same on every machine, costs speed on every loop); **epochs** check a clock
 * (cheap, not deterministic) and power deadlines and cancellation.
 */
export interface EngineOptions {
  /**
   * Cranelift optimisation level.
   * @default 'speed'
   */
  optLevel?: 'none' | 'speed' | 'speed_and_size'
  /**
   * Fixed-width SIMD (`v128`).
   * @default true
   */
  simd?: boolean
  /**
   * Relaxed SIMD; results may differ between CPUs.
   * @default true
   */
  relaxedSimd?: boolean
  /**
   * Fuel metering (instruction budgets per call).
   * @default false
   */
  fuel?: boolean
  /**
   * Interruption: deadlines and cancellation of running calls.
   * @default true
   */
  epochInterruption?: boolean
  /**
   * How calls are interrupted. `false` (the default): a check of an
   * interrupt flag is woven into each module (which gains a hidden one-page
   * memory) at loop headers, before indirect calls and bulk operations, and
   * at the entry of functions that loop, recurse or call enough code to run
   * long; short loops that count from a constant to a constant get none. Its slow path traps,
   * so loops keep their values in registers. `true`: Wasmtime's own epoch
   * checks, whose slow path is a call that makes Cranelift spill a loop's
   * floating-point and vector values (measured up to 1.8× slower kernels);
   * use it when a module must stay byte-identical. Flag checks need
   * `multiMemory`; without it epoch checks are used.
   * @default false
   */
  epochChecks?: boolean
  /**
   * Bytes of stack a guest may use before it traps with `stack_overflow`.
   * @default 524288 (512 KiB)
   */
  maxWasmStack?: number
  /**
   * Multiple memories per module.
   * @default true
   */
  multiMemory?: boolean
  /**
   * 64-bit memories and tables.
   * @default true
   */
  memory64?: boolean
  /**
   * Tail calls.
   * @default true
   */
  tailCall?: boolean
  /**
   * Threads and shared memories.
   * @default false
   */
  threads?: boolean
  /**
   * Extended constant expressions.
   * @default true
   */
  extendedConst?: boolean
  /**
   * Typed function references and GC types.
   * @default true
   */
  gc?: boolean
  /**
   * The pooling allocator: `true` for default sizes, an object to size it,
   * `false` to allocate each instance on demand. Pooling makes instantiation
   * several times faster but caps live instances.
   * @default false
   */
  pooling?: boolean | PoolingOptions
  /**
   * Compile the functions of one module on several threads.
   * @default true
   */
  parallelCompilation?: boolean
}

function toBinding(o: EngineOptions): BindingEngineOptions {
  const pooling =
    o.pooling === true
      ? {}
      : o.pooling
        ? {
            totalCoreInstances: o.pooling.totalInstances,
            totalMemories: o.pooling.totalMemories,
            totalTables: o.pooling.totalTables,
            maxMemorySize: o.pooling.maxMemorySize,
          }
        : undefined
  return {
    optLevel: o.optLevel,
    simd: o.simd,
    relaxedSimd: o.relaxedSimd,
    fuel: o.fuel,
    epochInterruption: o.epochInterruption,
    epochChecks: o.epochChecks,
    maxWasmStack: o.maxWasmStack,
    multiMemory: o.multiMemory,
    memory64: o.memory64,
    tailCall: o.tailCall,
    threads: o.threads,
    extendedConst: o.extendedConst,
    gc: o.gc,
    pooling,
    parallelCompilation: o.parallelCompilation,
  }
}

/**
 * A compiler and runtime configuration, shared process-wide.
 *
 * @example
 * ```ts
 * const engine = Engine.shared({ fuel: true })
 * const mod = engine.compile(wasmBytes)
 * ```
 */
export class Engine {
  /** @internal */
  readonly binding: BindingEngine
  /** The options this engine was created with, after validation. */
  readonly options: Readonly<EngineOptions>
  /** @internal Equal for engines with the same configuration (read once: a getter call into the addon costs more than a compare). */
  readonly configKey: string

  private constructor(b: BindingEngine, options: EngineOptions) {
    this.binding = b
    this.options = Object.freeze({ ...options })
    this.configKey = b.configKey
  }

  /**
   * The engine for `options`, shared by every caller in the process.
   * @throws {@linkcode InvalidArgumentError} when an option is invalid.
   */
  static shared(options: EngineOptions = {}): Engine {
    validateEngineOptions(options)
    const b = native(() => binding.BindingEngine.shared(toBinding(options)))
    return new Engine(b, options)
  }

  /** Hex hash that two engines share exactly when they can share AOT artifacts. */
  get compatibilityHash(): string {
    return this.binding.compatibilityHash
  }
}

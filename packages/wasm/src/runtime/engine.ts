import { binding, type BindingEngine } from './binding.js'
import { InvalidArgumentError, native } from '../errors.js'
import { validateEngineOptions } from '../options/validate.js'
import { engineOptionsToBinding, type EngineOptions } from '../options/options.generated.js'

// The engine options are defined once, in options/definitions.mjs; their
// types, schema and defaults are generated into options/options.generated.ts.
export type { EngineOptions, PoolingOptions } from '../options/options.generated.js'

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
    // TypeScript keeps this private; from plain JS `new Engine({ … })` must not reach the addon as a napi type error.
    if (!(b instanceof binding.BindingEngine)) {
      throw new InvalidArgumentError('new Engine(options) is not how engines are made: use Engine.shared(options), which gives the one engine of each configuration', 'Engine')
    }
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
    const b = native(() => binding.BindingEngine.shared(engineOptionsToBinding(options)))
    return new Engine(b, options)
  }

  /** Hex hash that two engines share exactly when they can share AOT artifacts. */
  get compatibilityHash(): string {
    return this.binding.compatibilityHash
  }
}

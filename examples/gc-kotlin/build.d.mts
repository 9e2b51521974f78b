// Types of build.mjs, for the tests that import it.

/** The Kotlin compiler and WASI stdlib version the module is built with. */
export const KOTLIN_VERSION: string
/** The path of shapes.kt. */
export const SOURCE: string
/** The path of the committed shapes.wasm. */
export const COMMITTED: string
/** Whether `java` and `mvn` are on PATH. */
export function toolchainPresent(): boolean
/** Builds shapes.kt (cached); returns the path of the built .wasm. Throws when the toolchain is missing or the compiler fails. */
export function buildShapes(): string

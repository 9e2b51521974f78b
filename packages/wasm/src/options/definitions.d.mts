// Types of definitions.mjs, for the tests that read it.

/** One option: its kind, default, range and doc, and where it lives in the core. */
export interface OptionDefinition {
  kind: 'boolean' | 'integer' | 'enum' | 'group' | 'string' | 'stringList' | 'object' | 'falseOrObject' | 'custom'
  core?: string
  default?: unknown
  defaultText?: string
  doc: string
  min?: number
  max?: number
  hint?: string
  values?: readonly string[]
  napi?: 'u32' | 'f64'
  coreType?: string
  group?: string
  optional?: boolean
  coreOnly?: boolean
  nullable?: boolean
  required?: boolean
  nonEmpty?: boolean
  file?: string
  tsType?: string
  rule?: string
}

/** A group of options: a TS interface, and unless `tsOnly` a napi struct and a core struct. */
export interface OptionGroup {
  ts: string
  binding?: string
  core?: string
  doc: string
  coreExample?: string
  schema: string
  defaults?: string
  tsOnly?: boolean
  tsImports?: string[]
  extends?: string[]
  fileKeys?: string
  settings?: 'list' | 'text'
  options: Record<string, OptionDefinition>
}

/** Every group, by name. */
export declare const GROUPS: Record<string, OptionGroup>

// The import and export types of a module binary, read from its type,
// import, function and export sections: the host's WebAssembly.Module lists
// only kinds, and calls need the signatures to convert values by this
// library's rules. The binary has been validated by WebAssembly.compile
// before this runs, so a malformed section cannot reach it.
import type { ExternType, FuncType } from '../runtime/externs.js'
import type { ValueType } from '../runtime/values.js'
import type { ExportType, ImportType } from '../loader/module.js'

const SIMPLE: Record<number, ValueType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
  0x6e: 'anyref',
  0x6d: 'eqref',
  0x6c: 'i31ref',
  0x6b: 'structref',
  0x6a: 'arrayref',
  0x71: 'nullref',
  0x72: 'nullexternref',
  0x73: 'nullfuncref',
  0x69: 'exnref',
  0x74: 'nullexnref',
}
const HEAP: Record<number, string> = {
  0x70: 'func',
  0x6f: 'extern',
  0x6e: 'any',
  0x6d: 'eq',
  0x6c: 'i31',
  0x6b: 'struct',
  0x6a: 'array',
  0x71: 'none',
  0x72: 'noextern',
  0x73: 'nofunc',
  0x69: 'exn',
  0x74: 'noexn',
}

class Reader {
  pos: number
  constructor(
    readonly bytes: Uint8Array,
    pos: number,
  ) {
    this.pos = pos
  }
  byte(): number {
    return this.bytes[this.pos++]!
  }
  u32(): number {
    let result = 0
    let shift = 0
    for (;;) {
      const b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      shift += 7
      if ((b & 0x80) === 0) return result
    }
  }
  s33(): number {
    let result = 0
    let shift = 0
    let b: number
    do {
      b = this.byte()
      result += (b & 0x7f) * 2 ** shift
      shift += 7
    } while (b & 0x80)
    return b & 0x40 ? result - 2 ** shift : result
  }
  name(): string {
    const n = this.u32()
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + n))
    this.pos += n
    return s
  }
  valType(): ValueType {
    const b = this.byte()
    const simple = SIMPLE[b]
    if (simple) return simple
    if (b === 0x63 || b === 0x64) {
      const ht = this.s33()
      const heap = ht >= 0 ? `$${ht}` : (HEAP[ht + 128] ?? `heap${ht}`)
      return `(ref ${b === 0x63 ? 'null ' : ''}${heap})`
    }
    return `(ref unknown${b})`
  }
  limits(): { minimum: number; maximum?: number; is64: boolean; shared: boolean } {
    const flags = this.byte()
    const minimum = this.u32()
    const out: { minimum: number; maximum?: number; is64: boolean; shared: boolean } = { minimum, is64: (flags & 4) !== 0, shared: (flags & 2) !== 0 }
    if (flags & 1) out.maximum = this.u32()
    if (flags & 8) this.u32() // custom page size (log2)
    return out
  }
}

function funcText(t: FuncType): string {
  return `func (${t.params.join(' ')}) -> (${t.results.join(' ')})`
}

function funcExtern(t: FuncType | undefined): ExternType {
  const type = t ?? { params: [], results: [] }
  return { kind: 'func', params: type.params, results: type.results, text: funcText(type) }
}

function compositeType(r: Reader, types: (FuncType | null)[]): void {
  let form = r.byte()
  if (form === 0x50 || form === 0x4f) {
    const supers = r.u32()
    for (let i = 0; i < supers; i++) r.u32()
    form = r.byte()
  }
  if (form === 0x60) {
    const params = Array.from({ length: r.u32() }, () => r.valType())
    const results = Array.from({ length: r.u32() }, () => r.valType())
    types.push({ params, results })
  } else if (form === 0x5f || form === 0x5e) {
    const fields = form === 0x5f ? r.u32() : 1
    for (let i = 0; i < fields; i++) {
      const b = r.bytes[r.pos]!
      if (b === 0x78 || b === 0x77) r.pos++
      else r.valType()
      r.byte() // mutability
    }
    types.push(null)
  } else {
    types.push(null) // a form this reader does not know: its functions list no types
  }
}

/** The imports and exports of a validated module binary, with function signatures. @internal */
export function readModuleTypes(bytes: Uint8Array): { imports: ImportType[]; exports: ExportType[] } {
  const types: (FuncType | null)[] = []
  const funcs: (FuncType | undefined)[] = []
  const imports: ImportType[] = []
  const exports: ExportType[] = []
  const r = new Reader(bytes, 8)
  while (r.pos < bytes.length) {
    const id = r.byte()
    const size = r.u32()
    const end = r.pos + size
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.bytes[r.pos] === 0x4e) {
          r.pos++
          for (let m = r.u32(); m > 0; m--) compositeType(r, types)
        } else compositeType(r, types)
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name()
        const name = r.name()
        const kind = r.byte()
        let type: ExternType
        if (kind === 0) {
          const t = types[r.u32()] ?? undefined
          funcs.push(t)
          type = funcExtern(t)
        } else if (kind === 1) {
          const valueType = r.valType()
          const l = r.limits()
          type = { kind: 'table', valueType, minimum: l.minimum, ...(l.maximum !== undefined ? { maximum: l.maximum } : {}), is64: l.is64, text: `table ${valueType}` }
        } else if (kind === 2) {
          const l = r.limits()
          type = { kind: 'memory', minimum: l.minimum, ...(l.maximum !== undefined ? { maximum: l.maximum } : {}), is64: l.is64, shared: l.shared, text: `memory ${l.minimum}${l.maximum !== undefined ? ` ${l.maximum}` : ''}` }
        } else if (kind === 3) {
          const valueType = r.valType()
          const mutable = r.byte() === 1
          type = { kind: 'global', valueType, mutable, text: `global ${mutable ? 'mut ' : ''}${valueType}` }
        } else {
          r.byte()
          const t = types[r.u32()] ?? { params: [], results: [] }
          type = { kind: 'tag', params: t.params, results: [], text: `tag (${t.params.join(' ')})` }
        }
        imports.push({ module, name, type })
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) funcs.push(types[r.u32()] ?? undefined)
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name()
        const kind = r.byte()
        const index = r.u32()
        const names = ['func', 'table', 'memory', 'global', 'tag'] as const
        const k = names[kind] ?? 'func'
        exports.push({ name, type: k === 'func' ? funcExtern(funcs[index]) : { kind: k, text: k } })
      }
      break
    }
    r.pos = end
  }
  return { imports, exports }
}

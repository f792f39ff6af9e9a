/**
 * Git's object framing: `"<type> <length>\0" + body`. Backends store framed objects, so the
 * bytes a backend holds are exactly the bytes whose SHA-1 is the id, and anyone can check them.
 */
import { CorruptObjectError, WrongObjectTypeError } from '../errors.js'
import { decodeUtf8 } from '../utf8.js'

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag'

const TYPE_BYTES: Record<ObjectType, number[]> = {
  blob: [0x62, 0x6c, 0x6f, 0x62],
  tree: [0x74, 0x72, 0x65, 0x65],
  commit: [0x63, 0x6f, 0x6d, 0x6d, 0x69, 0x74],
  tag: [0x74, 0x61, 0x67],
}

/** Bodies made by `bodyAfterHeader`, and the type whose header sits before each. */
const headed = new WeakMap<Uint8Array, ObjectType>()

/**
 * A zeroed body of `length` bytes with room for its header just before it, in one buffer:
 * framing it as `type` then takes no copy (a 100 MB file is copied once on its way to the
 * backend, not twice). Whoever fills it must not change it once it is framed.
 */
export function bodyAfterHeader(type: ObjectType, length: number): Uint8Array {
  const out = new Uint8Array(headerLength(type, length) + length)
  const body = out.subarray(writeHeader(type, length, out))
  headed.set(body, type)
  return body
}

/** Frames `body` as a git object of `type`, copying the body once (not at all: see `bodyAfterHeader`). */
export function frameObject(type: ObjectType, body: Uint8Array): Uint8Array {
  if (headed.get(body) === type) {
    const start = body.byteOffset - headerLength(type, body.length)
    return new Uint8Array(body.buffer, start, body.byteOffset + body.length - start)
  }
  const out = new Uint8Array(headerLength(type, body.length) + body.length)
  const start = writeHeader(type, body.length, out)
  out.set(body, start)
  return out
}

export function headerLength(type: ObjectType, bodyLength: number): number {
  return TYPE_BYTES[type].length + 1 + String(bodyLength).length + 1
}

/** Writes the header at the start of `out`; returns where the body begins. */
export function writeHeader(type: ObjectType, bodyLength: number, out: Uint8Array): number {
  const typeBytes = TYPE_BYTES[type]
  let p = 0
  for (const b of typeBytes) out[p++] = b
  out[p++] = 0x20
  const digits = String(bodyLength)
  for (let i = 0; i < digits.length; i++) out[p++] = digits.charCodeAt(i)
  out[p++] = 0
  return p
}

export interface ParsedFrame {
  type: ObjectType
  body: Uint8Array
}

/** Splits a framed object; throws `CorruptObjectError` when the header is malformed. */
export function unframeObject(id: string, framed: Uint8Array): ParsedFrame {
  const type = typeAt(framed)
  if (type === undefined) throw new CorruptObjectError(id, `unknown object type "${decodeUtf8(framed, 0, Math.min(framed.length, 8)).split(' ')[0]}"`)
  let p = TYPE_BYTES[type].length + 1
  if (framed[p] === 0x30 && framed[p + 1] !== 0) throw new CorruptObjectError(id, 'bad length: leading zero')
  let length = 0
  const start = p
  while (p < framed.length && framed[p] >= 0x30 && framed[p] <= 0x39 && p - start < 16) length = length * 10 + (framed[p++] - 0x30)
  if (p === start || framed[p] !== 0) throw new CorruptObjectError(id, 'unterminated or malformed object header')
  if (length !== framed.length - p - 1) throw new CorruptObjectError(id, `header says ${length} bytes, object has ${framed.length - p - 1}`)
  return { type, body: framed.subarray(p + 1) }
}

/** The object type the header starts with (followed by a space), if any. */
function typeAt(framed: Uint8Array): ObjectType | undefined {
  for (const type of TYPES) {
    const bytes = TYPE_BYTES[type]
    let matches = framed[bytes.length] === 0x20
    for (let i = 0; matches && i < bytes.length; i++) matches = framed[i] === bytes[i]
    if (matches) return type
  }
  return undefined
}

const TYPES: ObjectType[] = ['blob', 'tree', 'commit', 'tag']

/** Unframes and checks the type in one step. */
export function expectObject(id: string, framed: Uint8Array, type: ObjectType): Uint8Array {
  const parsed = unframeObject(id, framed)
  if (parsed.type !== type) throw new WrongObjectTypeError(id, type, parsed.type)
  return parsed.body
}

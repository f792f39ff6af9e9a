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

/** Frames `body` as a git object of `type`, copying the body once. */
export function frameObject(type: ObjectType, body: Uint8Array): Uint8Array {
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
  const space = framed.indexOf(0x20)
  if (space < 0 || space > 6) throw new CorruptObjectError(id, 'no object header')
  const type = decodeUtf8(framed, 0, space)
  if (!(type in TYPE_BYTES)) throw new CorruptObjectError(id, `unknown object type "${type}"`)
  const nul = framed.indexOf(0, space)
  if (nul < 0 || nul - space > 21) throw new CorruptObjectError(id, 'unterminated object header')
  const digits = decodeUtf8(framed, space + 1, nul)
  if (!/^(0|[1-9][0-9]*)$/.test(digits)) throw new CorruptObjectError(id, `bad length "${digits}"`)
  const length = Number(digits)
  if (length !== framed.length - nul - 1) {
    throw new CorruptObjectError(id, `header says ${length} bytes, object has ${framed.length - nul - 1}`)
  }
  return { type: type as ObjectType, body: framed.subarray(nul + 1) }
}

/** Unframes and checks the type in one step. */
export function expectObject(id: string, framed: Uint8Array, type: ObjectType): Uint8Array {
  const parsed = unframeObject(id, framed)
  if (parsed.type !== type) throw new WrongObjectTypeError(id, type, parsed.type)
  return parsed.body
}

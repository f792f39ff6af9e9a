/**
 * The small encodings of git's pack format (gitformat-pack(5)) shared by the reader and the
 * writer: object type codes, the entry header (a 3-bit type and a little-endian base-128 size),
 * the OBJ_OFS_DELTA base distance (big-endian base-128, plus one per continuation byte), and
 * the parse of a framed object (`"<type> <size>\0" + body`) as callers hand it in.
 */
import type { ObjectType } from '../../core/objects/frame.js'

export const OBJ_COMMIT = 1
export const OBJ_TREE = 2
export const OBJ_BLOB = 3
export const OBJ_TAG = 4
export const OBJ_OFS_DELTA = 6
export const OBJ_REF_DELTA = 7

const TYPE_NAMES: Array<ObjectType | undefined> = [undefined, 'commit', 'tree', 'blob', 'tag']

/** The object type of a non-delta type code, or undefined for deltas and invalid codes. */
export function typeName(code: number): ObjectType | undefined {
  return TYPE_NAMES[code]
}

export function isDelta(code: number): boolean {
  return code === OBJ_OFS_DELTA || code === OBJ_REF_DELTA
}

/** Bytes of the entry header for an object of `size` bytes. */
export function entryHeaderLength(size: number): number {
  let length = 1
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128)) length++
  return length
}

/** Writes an entry header at `at`; returns where the entry's data begins. */
export function writeEntryHeader(type: number, size: number, out: Uint8Array, at: number): number {
  let rest = Math.floor(size / 16)
  out[at++] = (rest > 0 ? 0x80 : 0) | (type << 4) | (size & 0x0f)
  while (rest > 0) {
    const low = rest % 128
    rest = Math.floor(rest / 128)
    out[at++] = (rest > 0 ? 0x80 : 0) | low
  }
  return at
}

export interface EntryHeader {
  type: number
  /** The inflated size: of the object, or of the delta for delta entries. */
  size: number
  /** Where the delta base reference (for deltas) or the zlib stream begins. */
  end: number
}

/** The entry header at `at`, or undefined when it runs past `limit` or cannot be a size. */
export function readEntryHeader(bytes: Uint8Array, at: number, limit = bytes.length): EntryHeader | undefined {
  if (at >= limit) return undefined
  let byte = bytes[at++]
  const type = (byte >> 4) & 7
  let size = byte & 0x0f
  let scale = 16
  while (byte & 0x80) {
    if (at >= limit || scale > 2 ** 49) return undefined
    byte = bytes[at++]
    size += (byte & 0x7f) * scale
    scale *= 128
  }
  return { type, size, end: at }
}

/** Bytes needed to encode an OBJ_OFS_DELTA base distance. */
export function ofsDistanceLength(distance: number): number {
  let length = 1
  for (let rest = Math.floor(distance / 128); rest > 0; rest = Math.floor((rest - 1) / 128)) length++
  return length
}

/** Writes an OBJ_OFS_DELTA base distance at `at`; returns the position after it. */
export function writeOfsDistance(distance: number, out: Uint8Array, at: number): number {
  const length = ofsDistanceLength(distance)
  let p = at + length - 1
  out[p] = distance % 128
  for (let rest = Math.floor(distance / 128); rest > 0; rest = Math.floor((rest - 1) / 128)) {
    out[--p] = 0x80 | (rest - 1) % 128
  }
  return at + length
}

/** The OBJ_OFS_DELTA base distance at `at`, or undefined when it runs past `limit`. */
export function readOfsDistance(bytes: Uint8Array, at: number, limit = bytes.length): { distance: number; end: number } | undefined {
  if (at >= limit) return undefined
  let byte = bytes[at++]
  let distance = byte & 0x7f
  while (byte & 0x80) {
    if (at >= limit || distance > 2 ** 45) return undefined
    byte = bytes[at++]
    distance = (distance + 1) * 128 + (byte & 0x7f)
  }
  return { distance, end: at }
}

export interface Frame {
  type: number
  /** Where the body begins (just after the NUL). */
  bodyStart: number
}

const FRAME_TYPES: Array<[number[], number]> = [
  [[0x62, 0x6c, 0x6f, 0x62, 0x20], OBJ_BLOB], // "blob "
  [[0x74, 0x72, 0x65, 0x65, 0x20], OBJ_TREE], // "tree "
  [[0x63, 0x6f, 0x6d, 0x6d, 0x69, 0x74, 0x20], OBJ_COMMIT], // "commit "
  [[0x74, 0x61, 0x67, 0x20], OBJ_TAG], // "tag "
]

/**
 * The type and body of a framed object, or undefined unless the header is git's exactly (a known
 * type, a canonical decimal size, a NUL) and the size matches the body.
 */
export function parseFrame(bytes: Uint8Array): Frame | undefined {
  for (const [prefix, type] of FRAME_TYPES) {
    if (bytes.length < prefix.length + 2 || !prefix.every((b, i) => bytes[i] === b)) continue
    let p = prefix.length
    let size = 0
    const digitsStart = p
    while (p < bytes.length && bytes[p] >= 0x30 && bytes[p] <= 0x39 && p - digitsStart < 16) size = size * 10 + bytes[p++] - 0x30
    const digits = p - digitsStart
    if (digits === 0 || (digits > 1 && bytes[digitsStart] === 0x30) || bytes[p] !== 0) return undefined
    return size === bytes.length - p - 1 ? { type, bodyStart: p + 1 } : undefined
  }
  return undefined
}

/**
 * The object-stream codec of sync/PROTOCOL.md, used by the server and the client (Node and the
 * browser alike: no Node modules). A frame is `kind: u8 | length: u32 BE | payload`. Encoding
 * returns bytes to write; decoding reads an async iterable of chunks (a Node request, a `fetch`
 * body reader) and yields frames, checking the length bound before reading a payload.
 */
import { fromHex, getDefaultHasher, type Hasher, toHex } from '../core/index.js'
import { HashMismatchError, MalformedStreamError, TooLargeError, TruncatedStreamError } from './errors.js'

export const FrameKind = {
  object: 0x01,
  shallow: 0x02,
  missing: 0x03,
  progress: 0x04,
  treeDelta: 0x05,
  push: 0x10,
  error: 0x7e,
  end: 0x7f,
} as const
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

export const OBJECT_STREAM_TYPE = 'application/x-irmin-objects'
/** The default bound for one frame's payload (PROTOCOL.md: 128 MiB). */
export const MAX_FRAME = 128 * 1024 * 1024
const HEADER = 5
const ID_BYTES = 20

export type Frame =
  | { kind: typeof FrameKind.object; id: string; bytes: Uint8Array }
  | { kind: typeof FrameKind.shallow | typeof FrameKind.missing; id: string }
  /** A tree as edits of `base`, a tree the receiver has (tree-delta.ts); hash-checked once applied. */
  | { kind: typeof FrameKind.treeDelta; id: string; base: string; delta: Uint8Array }
  | { kind: typeof FrameKind.progress | typeof FrameKind.push | typeof FrameKind.error | typeof FrameKind.end; json: unknown }

const KINDS = new Set<number>(Object.values(FrameKind))
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** One frame's bytes. */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.kind === FrameKind.object) {
    const out = new Uint8Array(HEADER + ID_BYTES + frame.bytes.length)
    out.set(encodeObjectHead(frame.id, frame.bytes.length))
    out.set(frame.bytes, HEADER + ID_BYTES)
    return out
  }
  if (frame.kind === FrameKind.treeDelta) {
    const out = new Uint8Array(HEADER + 2 * ID_BYTES + frame.delta.length)
    writeHeader(out, frame.kind, 2 * ID_BYTES + frame.delta.length)
    out.set(fromHex(frame.id), HEADER)
    out.set(fromHex(frame.base), HEADER + ID_BYTES)
    out.set(frame.delta, HEADER + 2 * ID_BYTES)
    return out
  }
  if ('id' in frame) {
    const out = new Uint8Array(HEADER + ID_BYTES)
    writeHeader(out, frame.kind, ID_BYTES)
    out.set(fromHex(frame.id), HEADER)
    return out
  }
  const json = encoder.encode(JSON.stringify(frame.json))
  const out = new Uint8Array(HEADER + json.length)
  writeHeader(out, frame.kind, json.length)
  out.set(json, HEADER)
  return out
}

/** The first 25 bytes of an OBJECT frame (kind, length, id): the object's bytes follow as they are. */
export function encodeObjectHead(id: string, objectLength: number): Uint8Array {
  const out = new Uint8Array(HEADER + ID_BYTES)
  writeHeader(out, FrameKind.object, ID_BYTES + objectLength)
  out.set(fromHex(id), HEADER)
  return out
}

function writeHeader(out: Uint8Array, kind: number, length: number): void {
  out[0] = kind
  new DataView(out.buffer, out.byteOffset, HEADER).setUint32(1, length)
}

export interface DecodeOptions {
  /** Largest payload accepted (default MAX_FRAME); a larger length is refused before it is read. */
  readonly maxFrame?: number
  /** Checks that each OBJECT's bytes hash to its id (default: the default hasher). `null`: no check. */
  readonly hasher?: Hasher | null
}

/**
 * The frames of a stream, in order, up to and including END (which must be the last thing in the
 * stream). Throws TruncatedStreamError when the chunks end before END or inside a frame, and
 * the errors of PROTOCOL.md for a malformed, oversized or hash-mismatched frame.
 */
export async function* decodeFrames(chunks: AsyncIterable<Uint8Array>, options: DecodeOptions = {}): AsyncGenerator<Frame> {
  for await (const batch of decodeFrameBatches(chunks, options)) yield* batch
}

/**
 * `decodeFrames`, a chunk's worth at a time: the frames each arriving chunk completes, parsed
 * without an await per frame (a clone is a hundred thousand frames). The frames before a bad
 * one come out before its error.
 */
export async function* decodeFrameBatches(chunks: AsyncIterable<Uint8Array>, options: DecodeOptions = {}): AsyncGenerator<Frame[]> {
  const maxFrame = options.maxFrame ?? MAX_FRAME
  const hasher = options.hasher === undefined ? getDefaultHasher() : options.hasher
  /** Bytes received and not yet parsed, and how many the next frame needs before it can be. */
  let held: Uint8Array[] = []
  let heldBytes = 0
  let need = HEADER
  let ended = false
  /** Parses the whole frames of `bytes` from `at` into `frames`; returns where the rest starts. */
  const parse = (bytes: Uint8Array, at: number, frames: Frame[]): number => {
    while (!ended && bytes.length - at >= HEADER) {
      const kind = bytes[at]!
      const length = lengthAt(bytes, at)
      if (!KINDS.has(kind)) throw new MalformedStreamError(`unknown frame kind 0x${kind.toString(16)}`)
      if (length > maxFrame) throw new TooLargeError('a frame', length, maxFrame)
      if (bytes.length - at - HEADER < length) break
      const frame = parseFrame(kind as FrameKind, bytes.subarray(at + HEADER, at + HEADER + length), hasher)
      frames.push(frame)
      at += HEADER + length
      if (frame.kind === FrameKind.end) ended = true
    }
    if (ended && at < bytes.length) throw new MalformedStreamError('bytes after the END frame')
    return at
  }
  for await (const chunk of chunks) {
    if (ended) {
      if (chunk.length > 0) throw new MalformedStreamError('bytes after the END frame')
      continue
    }
    held.push(chunk)
    heldBytes += chunk.length
    if (heldBytes < need) continue
    const frames: Frame[] = []
    let bytes = chunk
    let at = 0
    try {
      if (held.length > 1) {
        // A frame split across chunks: only it is copied, the rest of this chunk is parsed in place.
        const before = heldBytes - chunk.length
        if (need > HEADER) {
          held[held.length - 1] = chunk.subarray(0, need - before)
          parse(concat(held, need), 0, frames)
          at = need - before
        } else bytes = concat(held, heldBytes)
      }
      at = parse(bytes, at, frames)
    } catch (error) {
      if (frames.length > 0) yield frames
      throw error
    }
    held = at < bytes.length ? [bytes.subarray(at)] : []
    heldBytes = bytes.length - at
    need = heldBytes < HEADER ? HEADER : HEADER + lengthAt(bytes, at)
    if (frames.length > 0) yield frames
  }
  if (ended) return
  if (heldBytes >= HEADER) throw new TruncatedStreamError(`it ended inside a frame of ${need - HEADER} bytes`)
  throw new TruncatedStreamError('it ended without an END frame')
}

/** The u32 big-endian length of the frame at `at`. */
function lengthAt(bytes: Uint8Array, at: number): number {
  return ((bytes[at + 1]! << 24) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!) >>> 0
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

function parseFrame(kind: FrameKind, payload: Uint8Array, hasher: Hasher | null): Frame {
  switch (kind) {
    case FrameKind.object: {
      if (payload.length <= ID_BYTES) throw new MalformedStreamError('an OBJECT frame without object bytes')
      const id = toHex(payload, 0, ID_BYTES)
      const bytes = payload.subarray(ID_BYTES)
      if (hasher !== null) {
        const actual = hasher.sha1Hex(bytes)
        if (actual !== id) throw new HashMismatchError(id, actual)
      }
      return { kind, id, bytes }
    }
    case FrameKind.treeDelta:
      if (payload.length < 2 * ID_BYTES) throw new MalformedStreamError('a TREE_DELTA frame without its two ids')
      return { kind, id: toHex(payload, 0, ID_BYTES), base: toHex(payload, ID_BYTES, 2 * ID_BYTES), delta: payload.subarray(2 * ID_BYTES) }
    case FrameKind.shallow:
    case FrameKind.missing:
      if (payload.length !== ID_BYTES) throw new MalformedStreamError(`a frame of kind ${kind} must hold one 20-byte id`)
      return { kind, id: toHex(payload) }
    default: {
      let json: unknown
      try {
        json = JSON.parse(decoder.decode(payload))
      } catch {
        throw new MalformedStreamError(`frame of kind 0x${kind.toString(16)} does not hold JSON`)
      }
      return { kind, json }
    }
  }
}

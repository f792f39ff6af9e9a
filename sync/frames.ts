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
  const maxFrame = options.maxFrame ?? MAX_FRAME
  const hasher = options.hasher === undefined ? getDefaultHasher() : options.hasher
  const reader = new ChunkReader(chunks[Symbol.asyncIterator]())
  for (;;) {
    const header = await reader.read(HEADER)
    if (header === undefined) throw new TruncatedStreamError('it ended without an END frame')
    const kind = header[0]!
    const length = new DataView(header.buffer, header.byteOffset, HEADER).getUint32(1)
    if (!KINDS.has(kind)) throw new MalformedStreamError(`unknown frame kind 0x${kind.toString(16)}`)
    if (length > maxFrame) throw new TooLargeError('a frame', length, maxFrame)
    const payload = await reader.read(length)
    if (payload === undefined) throw new TruncatedStreamError(`it ended inside a frame of ${length} bytes`)
    const frame = parseFrame(kind as FrameKind, payload, hasher)
    yield frame
    if (frame.kind === FrameKind.end) {
      if (!(await reader.atEnd())) throw new MalformedStreamError('bytes after the END frame')
      return
    }
  }
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

/** Reads exact byte counts out of a sequence of chunks of any size, copying only across chunks. */
class ChunkReader {
  private chunk: Uint8Array = new Uint8Array(0)
  private at = 0
  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** Exactly `length` bytes, or undefined when the chunks end first (mid-read or at a boundary). */
  async read(length: number): Promise<Uint8Array | undefined> {
    if (this.chunk.length - this.at >= length) {
      const out = this.chunk.subarray(this.at, this.at + length)
      this.at += length
      return out
    }
    const out = new Uint8Array(length)
    let filled = 0
    for (;;) {
      const take = Math.min(length - filled, this.chunk.length - this.at)
      out.set(this.chunk.subarray(this.at, this.at + take), filled)
      filled += take
      this.at += take
      if (filled === length) return out
      const next = await this.chunks.next()
      if (next.done) return undefined
      this.chunk = next.value
      this.at = 0
    }
  }

  async atEnd(): Promise<boolean> {
    while (this.at === this.chunk.length) {
      const next = await this.chunks.next()
      if (next.done) return true
      this.chunk = next.value
      this.at = 0
    }
    return false
  }
}

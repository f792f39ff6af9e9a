/**
 * The Xenstore wire format (Xen's `xen/include/public/io/xs_wire.h`), shared by the daemon and
 * the tests: a 16-byte little-endian header (type, req_id, tx_id, len) and a payload of at most
 * 4096 bytes. Payloads are NUL-separated strings, except WRITE's value, which is raw bytes.
 */
import { XenstoreProtocolError } from './errors.js'

export const XS = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const
export type XsType = (typeof XS)[keyof typeof XS]

export const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(XS).map(([name, n]) => [n, name]))

export const HEADER_SIZE = 16
export const PAYLOAD_MAX = 4096
export const ABS_PATH_MAX = 3072
export const REL_PATH_MAX = 2048

export interface Message {
  readonly type: number
  readonly reqId: number
  readonly txId: number
  readonly payload: Uint8Array
}

/** One message as bytes: header then payload (a string is written as Latin-1: one byte a char). */
export function encodeMessage(type: number, reqId: number, txId: number, payload: Uint8Array | string): Uint8Array {
  const length = payload.length
  // A Buffer (every byte is written below): what a socket writes without converting it. Not one
  // from Node's shared pool: `out.buffer` is the message's own.
  const out = Buffer.allocUnsafeSlow(HEADER_SIZE + length)
  putUint32(out, 0, type)
  putUint32(out, 4, reqId)
  putUint32(out, 8, txId)
  putUint32(out, 12, length)
  if (typeof payload !== 'string') out.set(payload, HEADER_SIZE)
  else for (let i = 0; i < length; i++) out[HEADER_SIZE + i] = payload.charCodeAt(i) & 0xff
  return out
}

function putUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff
  out[at + 1] = (value >>> 8) & 0xff
  out[at + 2] = (value >>> 16) & 0xff
  out[at + 3] = (value >>> 24) & 0xff
}

function getUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
}

/** NUL-terminated strings, as requests carry them: `strings("a", "b")` is `a\0b\0`. */
export function strings(...parts: string[]): string {
  return parts.map(part => `${part}\0`).join('')
}

/**
 * The strings of a payload, split at NULs; `terminated` is whether it ended with one. Bytes are
 * read as Latin-1 (one char per byte), so that nothing a client sends is altered.
 */
export function splitStrings(payload: Uint8Array): { parts: string[]; terminated: boolean } {
  const text = latin1Text(payload, 0, payload.length)
  const terminated = text.endsWith('\0')
  const parts = text.split('\0')
  if (terminated) parts.pop()
  return { parts, terminated }
}

/** Node's Latin-1 decoder, which takes any Uint8Array (not only a Buffer). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice

/** Bytes `start` to `end` as Latin-1 text (Node's decoder: a TextDecoder costs twice as much on short payloads). */
export function latin1Text(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end)
}

/** Latin-1 text back to bytes (the inverse of `splitStrings`' decoding). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

/**
 * Cuts a byte stream into messages. A header announcing more than `PAYLOAD_MAX` bytes is a
 * protocol error: the stream cannot be resynchronised, so the caller closes the connection.
 * Chunks may be a buffer the caller reuses for its next read (the server's): payloads and an
 * unfinished frame are copied out of it.
 */
export class FrameReader {
  /** The start of a frame not whole yet (a copy). */
  private partial: Uint8Array | undefined
  /** What `push` returns, reused: a new array per read would be a third of the memory a request takes. */
  private readonly messages: Message[] = []

  /** The whole messages read so far; the array is the reader's, valid until the next push. */
  push(chunk: Uint8Array): readonly Message[] {
    let buffer = chunk
    if (this.partial !== undefined) {
      buffer = new Uint8Array(this.partial.length + chunk.length)
      buffer.set(this.partial)
      buffer.set(chunk, this.partial.length)
      this.partial = undefined
    }
    const out = this.messages
    let count = 0
    let offset = 0
    while (buffer.length - offset >= HEADER_SIZE) {
      const len = getUint32(buffer, offset + 12)
      if (len > PAYLOAD_MAX) throw new XenstoreProtocolError(`payload of ${len} bytes announced (at most ${PAYLOAD_MAX})`)
      if (buffer.length - offset < HEADER_SIZE + len) break
      out[count++] = {
        type: getUint32(buffer, offset),
        reqId: getUint32(buffer, offset + 4),
        txId: getUint32(buffer, offset + 8),
        payload: copy(buffer, offset + HEADER_SIZE, offset + HEADER_SIZE + len),
      }
      offset += HEADER_SIZE + len
    }
    if (offset < buffer.length) this.partial = copy(buffer, offset, buffer.length)
    if (out.length !== count) out.length = count
    return out
  }

  /** Bytes received that do not make a whole message yet. */
  get pending(): number {
    return this.partial?.length ?? 0
  }
}

/**
 * Bytes `start` to `end` of `bytes`, copied (a Buffer's `slice` would be a view) into a slice of
 * Node's Buffer pool: a small Uint8Array of its own would be made again, off the heap, the first
 * time a native call (decoding, hashing, a socket) reads it, which costs more than the copy.
 * Whoever keeps such bytes for long copies them out (requests.ts, WRITE's value).
 */
function copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = Buffer.allocUnsafe(end - start)
  for (let i = start, j = 0; i < end; i++, j++) out[j] = bytes[i]!
  return out
}

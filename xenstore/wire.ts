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

const latin1 = new TextDecoder('latin1')

/** One message as bytes: header then payload (a string is written as Latin-1: one byte a char). */
export function encodeMessage(type: number, reqId: number, txId: number, payload: Uint8Array | string): Uint8Array {
  const body = typeof payload === 'string' ? latin1Bytes(payload) : payload
  const out = new Uint8Array(HEADER_SIZE + body.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, type, true)
  view.setUint32(4, reqId >>> 0, true)
  view.setUint32(8, txId >>> 0, true)
  view.setUint32(12, body.length, true)
  out.set(body, HEADER_SIZE)
  return out
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
  const text = latin1.decode(payload)
  const terminated = text.endsWith('\0')
  const parts = text.split('\0')
  if (terminated) parts.pop()
  return { parts, terminated }
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
 */
export class FrameReader {
  private chunks: Uint8Array[] = []
  private size = 0

  push(chunk: Uint8Array): Message[] {
    this.chunks.push(chunk)
    this.size += chunk.length
    const out: Message[] = []
    let buffer = this.flat()
    let offset = 0
    while (buffer.length - offset >= HEADER_SIZE) {
      const view = new DataView(buffer.buffer, buffer.byteOffset + offset, HEADER_SIZE)
      const len = view.getUint32(12, true)
      if (len > PAYLOAD_MAX) throw new XenstoreProtocolError(`payload of ${len} bytes announced (at most ${PAYLOAD_MAX})`)
      if (buffer.length - offset < HEADER_SIZE + len) break
      out.push({
        type: view.getUint32(0, true),
        reqId: view.getUint32(4, true),
        txId: view.getUint32(8, true),
        payload: buffer.slice(offset + HEADER_SIZE, offset + HEADER_SIZE + len),
      })
      offset += HEADER_SIZE + len
    }
    buffer = buffer.subarray(offset)
    this.chunks = buffer.length > 0 ? [buffer] : []
    this.size = buffer.length
    return out
  }

  /** Bytes received that do not make a whole message yet. */
  get pending(): number {
    return this.size
  }

  private flat(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!
    const out = new Uint8Array(this.size)
    let at = 0
    for (const chunk of this.chunks) {
      out.set(chunk, at)
      at += chunk.length
    }
    this.chunks = [out]
    return out
  }
}

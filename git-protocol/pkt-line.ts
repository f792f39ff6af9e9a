/**
 * pkt-line, the framing of every git wire protocol (gitprotocol-common, protocol-v2): four hex
 * digits giving the length of the line including themselves, then the payload. Lengths 0000,
 * 0001 and 0002 are the special packets flush, delim (v2) and response-end (v2); 0003 is
 * reserved; 0004 is an empty line. One codec for the server, the client and their tests.
 *
 * Browser-safe: bytes are `Uint8Array`, streams are async iterables of chunks.
 */
import { MalformedPktLineError, OversizedPktLineError, TruncatedPktLineError } from './errors.js'

/** The largest pkt-line git sends or accepts, length digits included (LARGE_PACKET_MAX). */
export const MAX_PKT_LENGTH = 65520
/** The largest payload of one pkt-line. */
export const MAX_PKT_PAYLOAD = MAX_PKT_LENGTH - 4

export type PktLine =
  | { readonly kind: 'data'; readonly data: Uint8Array }
  | { readonly kind: 'flush' }
  | { readonly kind: 'delim' }
  | { readonly kind: 'response-end' }

export const FLUSH_PKT = new TextEncoder().encode('0000')
export const DELIM_PKT = new TextEncoder().encode('0001')
export const RESPONSE_END_PKT = new TextEncoder().encode('0002')

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const HEX = '0123456789abcdef'

/** One data pkt-line around `payload` (text is UTF-8 encoded as is: add the `\n` yourself). */
export function pktLine(payload: string | Uint8Array): Uint8Array {
  const bytes = typeof payload === 'string' ? encoder.encode(payload) : payload
  if (bytes.length > MAX_PKT_PAYLOAD) throw new OversizedPktLineError(bytes.length + 4, MAX_PKT_LENGTH)
  const out = new Uint8Array(bytes.length + 4)
  const length = bytes.length + 4
  out[0] = HEX.charCodeAt((length >> 12) & 15)
  out[1] = HEX.charCodeAt((length >> 8) & 15)
  out[2] = HEX.charCodeAt((length >> 4) & 15)
  out[3] = HEX.charCodeAt(length & 15)
  out.set(bytes, 4)
  return out
}

/**
 * Data on a side-band channel (1 pack data, 2 progress, 3 fatal error), split into as many
 * pkt-lines as needed: each carries at most `maxPayload` bytes after the band byte.
 */
export function sideBandLines(band: 1 | 2 | 3, data: Uint8Array, maxPayload = MAX_PKT_PAYLOAD - 1): Uint8Array[] {
  const lines: Uint8Array[] = []
  for (let at = 0; at < data.length || (at === 0 && data.length === 0); at += maxPayload) {
    const piece = data.subarray(at, Math.min(data.length, at + maxPayload))
    const payload = new Uint8Array(piece.length + 1)
    payload[0] = band
    payload.set(piece, 1)
    lines.push(pktLine(payload))
    if (data.length === 0) break
  }
  return lines
}

/** Concatenates encoded lines into one buffer (for small replies such as ref advertisements). */
export function concatLines(lines: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const line of lines) total += line.length
  const out = new Uint8Array(total)
  let at = 0
  for (const line of lines) {
    out.set(line, at)
    at += line.length
  }
  return out
}

/** A data line's text without its trailing `\n` (git's packet_read with CHOMP_NEWLINE). */
export function lineText(line: PktLine): string {
  if (line.kind !== 'data') return ''
  const data = line.data
  const end = data.length > 0 && data[data.length - 1] === 10 ? data.length - 1 : data.length
  return decoder.decode(data.subarray(0, end))
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48
  if (byte >= 97 && byte <= 102) return byte - 87
  if (byte >= 65 && byte <= 70) return byte - 55 // git accepts upper case too
  return -1
}

/** The length a 4-byte pkt-line header announces, or a MalformedPktLineError. */
export function parseLength(bytes: Uint8Array, at: number): number {
  let length = 0
  for (let i = 0; i < 4; i++) {
    const digit = hexValue(bytes[at + i]!)
    if (digit < 0) {
      const shown = Array.from(bytes.subarray(at, at + 4), (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('')
      throw new MalformedPktLineError(`length "${shown}" is not four hex digits`)
    }
    length = (length << 4) | digit
  }
  if (length === 3) throw new MalformedPktLineError('length 0003 is reserved')
  return length
}

/**
 * Reads pkt-lines from a stream of chunks, incrementally: a line is yielded as soon as its bytes
 * have arrived; nothing but the current line is buffered. After a caller has read the lines it
 * wants (say, up to a flush), `rest()` yields whatever bytes follow, unframed (a pack after
 * receive-pack's commands, for instance).
 */
export class PktLineReader {
  private readonly iterator: AsyncIterator<Uint8Array>
  private buffer: Uint8Array = new Uint8Array(0)
  private start = 0
  private ended = false

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly maxLength = MAX_PKT_LENGTH,
  ) {
    this.iterator = source[Symbol.asyncIterator]()
  }

  /** The next line, or `undefined` at a clean end of stream (between lines). */
  async next(): Promise<PktLine | undefined> {
    if (!(await this.fill(4))) {
      if (this.available() === 0) return undefined
      throw new TruncatedPktLineError(`${this.available()} bytes where a 4-byte length was expected`)
    }
    const length = parseLength(this.buffer, this.start)
    if (length < 4) {
      this.start += 4
      return length === 0 ? { kind: 'flush' } : length === 1 ? { kind: 'delim' } : { kind: 'response-end' }
    }
    if (length > this.maxLength) throw new OversizedPktLineError(length, this.maxLength)
    if (!(await this.fill(length))) {
      throw new TruncatedPktLineError(`line announced ${length} bytes, stream ended after ${this.available()}`)
    }
    const data = this.buffer.slice(this.start + 4, this.start + length)
    this.start += length
    return { kind: 'data', data }
  }

  /** The next line, which must exist (a clean end here is a truncation). */
  async expect(what: string): Promise<PktLine> {
    const line = await this.next()
    if (!line) throw new TruncatedPktLineError(`stream ended before ${what}`)
    return line
  }

  /** Data lines up to the next flush (or delim, if `untilDelim`), as text without `\n`. */
  async readSection(what: string): Promise<{ lines: string[]; end: 'flush' | 'delim' | 'response-end' }> {
    const lines: string[] = []
    for (;;) {
      const line = await this.expect(what)
      if (line.kind !== 'data') return { lines, end: line.kind }
      lines.push(lineText(line))
    }
  }

  /** The unframed bytes after the lines read so far, then the rest of the source. */
  async *rest(): AsyncGenerator<Uint8Array> {
    if (this.available() > 0) yield this.buffer.subarray(this.start)
    this.buffer = new Uint8Array(0)
    this.start = 0
    if (this.ended) return
    for (;;) {
      const step = await this.iterator.next()
      if (step.done) return
      if (step.value.length > 0) yield step.value
    }
  }

  private available(): number {
    return this.buffer.length - this.start
  }

  /** Buffers until `count` bytes are available; false if the source ends first. */
  private async fill(count: number): Promise<boolean> {
    while (this.available() < count) {
      if (this.ended) return false
      const step = await this.iterator.next()
      if (step.done) {
        this.ended = true
        return this.available() >= count
      }
      const chunk = step.value
      const left = this.buffer.subarray(this.start)
      const joined = new Uint8Array(left.length + chunk.length)
      joined.set(left, 0)
      joined.set(chunk, left.length)
      this.buffer = joined
      this.start = 0
    }
    return true
  }
}

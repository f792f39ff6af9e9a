/**
 * Writing a git smart HTTP reply: pkt-lines and side-band data, with backpressure (a write
 * waits for `drain` when the socket's buffer is full), so a pack streams at the pace the client
 * reads it and is never held whole. The 200 and its content type go out with the first write.
 */
import type { ServerResponse } from 'node:http'
import { FLUSH_PKT, MAX_PKT_PAYLOAD, pktLine } from '../pkt-line.js'

export class GitReply {
  private closed = false
  /** Set once pack data flows on side-band channels: an error then goes on band 3. */
  sideBand = false

  constructor(
    private readonly response: ServerResponse,
    private readonly contentType: string,
  ) {
    response.on('close', () => (this.closed = true))
  }

  /** Whether the reply began (a refusal must now be an ERR line, not a status). */
  get started(): boolean {
    return this.response.headersSent
  }

  /** Whether the client went away: stop working for it. */
  get gone(): boolean {
    return this.closed || this.response.destroyed
  }

  /** One text pkt-line (`\n` added). */
  line(text: string): Promise<void> {
    return this.raw(pktLine(`${text}\n`))
  }

  flush(): Promise<void> {
    return this.raw(FLUSH_PKT)
  }

  /** Bytes on side-band `band`, as many pkt-lines as they need. */
  async band(band: 1 | 2 | 3, data: Uint8Array): Promise<void> {
    const step = MAX_PKT_PAYLOAD - 1
    for (let at = 0; at < data.length; at += step) {
      const piece = data.subarray(at, Math.min(data.length, at + step))
      const head = Buffer.allocUnsafe(5)
      head.write((piece.length + 5).toString(16).padStart(4, '0'), 0, 'latin1')
      head[4] = band
      // Head and piece go out together (corked: one writev), the piece without a copy.
      this.response.cork()
      const written = [this.raw(head), this.raw(piece)] // each writes at once, before its first await
      this.response.uncork()
      await Promise.all(written)
    }
  }

  /** Writes encoded bytes; resolves when the socket can take more. */
  async raw(bytes: Uint8Array): Promise<void> {
    if (this.gone) return
    const { response } = this
    if (!response.headersSent) response.writeHead(200, { 'content-type': this.contentType, 'cache-control': 'no-cache' })
    if (response.write(bytes)) return
    await new Promise<void>(resolve => {
      const done = () => {
        response.off('drain', done).off('close', done)
        resolve()
      }
      response.on('drain', done).on('close', done)
    })
  }

  /** A refusal inside the reply: band 3 within a side-band pack, else an `ERR` line. */
  error(message: string): Promise<void> {
    return this.sideBand ? this.band(3, new TextEncoder().encode(`${message}\n`)) : this.line(`ERR ${message}`)
  }

  end(): void {
    if (!this.gone) this.response.end()
  }
}

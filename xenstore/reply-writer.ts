/**
 * Replies encoded into one reused buffer rather than a new Buffer each: fresh memory costs page
 * faults and garbage here (~3.5 ms per MB), while a reply is some 20 bytes sent and dropped at
 * once. Messages are encoded one after another into the slab; `flush` hands each connection its
 * bytes in one write (the replies to one read of a socket leave in one write). A socket writes
 * what it can at once, so the slab is reused from the start after a flush; a connection that
 * could not take its bytes at once keeps that slab (its write is still queued), and the next
 * messages go to a new one.
 */
import { HEADER_SIZE } from './wire.js'

/** Where a connection's bytes go: `write` returns whether it still holds them (queued, not yet sent). */
export interface ReplySink {
  write(bytes: Buffer): boolean
}

/** A slab holds many replies; one reply is at most 16 + 4096 bytes, and always fits an empty slab. */
const SLAB_SIZE = 64 * 1024

export class ReplyWriter {
  private slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
  private used = 0
  /** The connections with bytes waiting in the slab, in the order their bytes begin (each one's contiguous)… */
  private readonly sinks: ReplySink[] = []
  /** …and where each one's bytes begin (two arrays: no object made per reply). */
  private readonly starts: number[] = []
  private flushQueued = false
  /** While set (the server reads a socket), flushing waits for `endBatch`. */
  private batching = false

  /** Encodes one message for `sink` (a string payload as Latin-1: one byte a char). */
  message(sink: ReplySink, type: number, reqId: number, txId: number, payload: Uint8Array | string): void {
    const length = payload.length
    const size = HEADER_SIZE + length
    const { sinks } = this
    // A connection's bytes stay contiguous: after another's, send what waits first.
    if (sinks.length > 0 && sinks[sinks.length - 1] !== sink && sinks.includes(sink)) this.flush()
    if (this.used + size > this.slab.length) this.flush()
    const out = this.slab
    let at = this.used
    if (sinks.length === 0 || sinks[sinks.length - 1] !== sink) {
      sinks.push(sink)
      this.starts.push(at)
    }
    out.writeUInt32LE(type, at)
    out.writeUInt32LE(reqId, at + 4)
    out.writeUInt32LE(txId, at + 8)
    out.writeUInt32LE(length, at + 12)
    at += HEADER_SIZE
    if (typeof payload !== 'string') out.set(payload, at)
    else for (let i = 0; i < length; i++) out[at + i] = payload.charCodeAt(i) & 0xff
    this.used = at + length
    if (!this.batching && !this.flushQueued) {
      this.flushQueued = true
      queueMicrotask(() => this.flush())
    }
  }

  /** Messages from now until `endBatch` leave together (one write per connection). */
  startBatch(): void {
    this.batching = true
  }

  endBatch(): void {
    this.batching = false
    this.flush()
  }

  /** Writes every connection's waiting bytes. */
  flush(): void {
    this.flushQueued = false
    const { sinks, starts } = this
    if (sinks.length === 0) return
    let kept = false
    for (let i = 0; i < sinks.length; i++) {
      const end = i + 1 < sinks.length ? starts[i + 1]! : this.used
      if (sinks[i]!.write(this.slab.subarray(starts[i]!, end))) kept = true
    }
    sinks.length = 0
    starts.length = 0
    this.used = 0
    if (kept) this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
  }
}

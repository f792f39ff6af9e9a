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
const NO_SINK: ReplySink = { write: () => false }

export class ReplyWriter {
  private slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
  private used = 0
  /** The connections with bytes waiting in the slab, in the order their bytes begin (each one's contiguous)… */
  private readonly sinks: ReplySink[] = []
  /** …and where each one's bytes begin (two arrays: no object made per reply)… */
  private readonly starts: number[] = []
  /**
   * …the first `waiting` of them: the arrays keep their length between flushes, as emptying an
   * array frees its backing store and the next reply would allocate it again (a third of the
   * memory a reply took).
   */
  private waiting = 0
  private flushQueued = false
  /** While set (the server reads a socket), flushing waits for `endBatch`. */
  private batching = false

  /** Encodes one message for `sink` (a string payload as Latin-1: one byte a char). */
  message(sink: ReplySink, type: number, reqId: number, txId: number, payload: Uint8Array | string): void {
    const length = payload.length
    const size = HEADER_SIZE + length
    const { sinks } = this
    // A connection's bytes stay contiguous: after another's, send what waits first.
    if (this.waiting > 0 && sinks[this.waiting - 1] !== sink && this.isWaiting(sink)) this.flush()
    if (this.used + size > this.slab.length) this.flush()
    const out = this.slab
    let at = this.used
    if (this.waiting === 0 || sinks[this.waiting - 1] !== sink) {
      sinks[this.waiting] = sink
      this.starts[this.waiting] = at
      this.waiting++
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
    const { sinks, starts, waiting } = this
    if (waiting === 0) return
    let kept = false
    for (let i = 0; i < waiting; i++) {
      const end = i + 1 < waiting ? starts[i + 1]! : this.used
      if (sinks[i]!.write(this.slab.subarray(starts[i]!, end))) kept = true
      sinks[i] = NO_SINK // not kept alive by the slot
    }
    this.waiting = 0
    this.used = 0
    if (kept) this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
  }

  private isWaiting(sink: ReplySink): boolean {
    for (let i = 0; i < this.waiting; i++) if (this.sinks[i] === sink) return true
    return false
  }
}

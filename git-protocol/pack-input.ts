/**
 * The byte side of reading a pack off the wire: chunks arrive as an async iterable; the parser
 * asks for "at least n bytes" and then consumes what it parsed. Consumed bytes go into the
 * running SHA-1 that the pack's trailer must match. Arriving chunks are only queued; they are
 * joined into one buffer when the parser needs more than the current buffer holds, so a large
 * entry spanning many chunks costs one copy, not one per chunk.
 *
 * A source that fails (a connection that breaks) ends the input there, so the parser still
 * parses every entry whose bytes arrived; where the bytes run out, `truncated()` is that failure.
 */
import { createHash, type Hash } from 'node:crypto'
import { TruncatedPackError } from './errors.js'

export class PackInput {
  private readonly iterator: AsyncIterator<Uint8Array>
  private buffer = new Uint8Array(0)
  private start = 0
  /** Consumed bytes of `buffer` before this are in the checksum already (hashed in runs, not per entry). */
  private hashed = 0
  private readonly queued: Uint8Array[] = []
  private queuedBytes = 0
  private readonly hash: Hash = createHash('sha1')
  /** Bytes consumed so far: the pack offset of the next entry. */
  offset = 0
  ended = false
  /** Why the source stopped early, if it failed rather than ended. */
  failure: unknown

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]()
  }

  /** Bytes buffered and not yet consumed (queued chunks included). */
  get available(): number {
    return this.buffer.length - this.start + this.queuedBytes
  }

  /**
   * Waits until `count` bytes are available (or the source ends) and returns them all as one
   * contiguous view starting at the current position; it may hold fewer than `count` at the end.
   */
  async view(count: number): Promise<Uint8Array> {
    while (this.available < count && !this.ended) {
      let step: IteratorResult<Uint8Array>
      try {
        step = await this.iterator.next()
      } catch (error) {
        this.failure = error
        step = { done: true, value: undefined }
      }
      if (step.done) this.ended = true
      else if (step.value.length > 0) {
        this.queued.push(step.value)
        this.queuedBytes += step.value.length
      }
    }
    if (this.queuedBytes > 0 && this.buffer.length - this.start < count) this.join()
    return this.buffer.subarray(this.start)
  }

  /** The error for a pack that stops short: the source's failure, if it failed, else a TruncatedPackError. */
  truncated(reason: string): unknown {
    return this.failure ?? new TruncatedPackError(reason)
  }

  /** Moves past `count` bytes, adding them to the pack checksum. */
  consume(count: number): void {
    this.start += count
    this.offset += count
  }

  /** The SHA-1 of everything consumed so far (call once, before the trailer is consumed). */
  digest(): string {
    this.hashConsumed()
    return this.hash.digest('hex')
  }

  private hashConsumed(): void {
    if (this.start > this.hashed) this.hash.update(this.buffer.subarray(this.hashed, this.start))
    this.hashed = this.start
  }

  /** Skips the trailer without hashing it. */
  skip(count: number): void {
    this.hashConsumed()
    this.start += count
    this.hashed = this.start
    this.offset += count
  }

  /** Whether anything at all follows the current position (reads ahead one chunk if needed). */
  async hasMore(): Promise<boolean> {
    return (await this.view(1)).length > 0
  }

  private join(): void {
    this.hashConsumed()
    const left = this.buffer.subarray(this.start)
    const joined = new Uint8Array(left.length + this.queuedBytes)
    joined.set(left, 0)
    let at = left.length
    for (const chunk of this.queued) {
      joined.set(chunk, at)
      at += chunk.length
    }
    this.queued.length = 0
    this.queuedBytes = 0
    this.buffer = joined
    this.start = 0
    this.hashed = 0
  }
}

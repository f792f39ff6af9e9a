/**
 * A pack as it goes on the wire (gitformat-pack(5)), written a chunk at a time: the 12-byte
 * header (`PACK`, version 2, the object count, which must be known first), the entries, the
 * SHA-1 of all that as the trailer. Entries are whole objects (commit, tree, blob, tag) or
 * OBJ_OFS_DELTA / OBJ_REF_DELTA against a base earlier in the pack / one the receiver has.
 *
 * Bounded memory: entries are encoded into a chunk of about `chunkSize` bytes; `take()` hands
 * over full chunks as they fill (the caller writes them out with backpressure), so at most one
 * chunk and one object are held. zlib streams follow the git backend's policy
 * (backends/git/zlib.ts): stored blocks for small objects (no zlib call, ~0.3 µs), real deflate
 * for large blobs.
 *
 *   const pack = new PackEncoder(ids.length)
 *   for (...) { pack.add('blob', body); for (const chunk of pack.take()) await write(chunk) }
 *   for (const chunk of pack.finish()) await write(chunk)
 */
import { createHash, type Hash } from 'node:crypto'
import type { ObjectType } from '../core/index.js'
import { isObjectId } from '../core/index.js'
import { fromHex } from '../core/hex.js'
import { OBJ_BLOB, OBJ_COMMIT, OBJ_OFS_DELTA, OBJ_REF_DELTA, OBJ_TAG, OBJ_TREE, entryHeaderLength, ofsDistanceLength, writeEntryHeader, writeOfsDistance } from '../backends/git/pack-format.js'
import { deflate, shouldDeflate, storedLength, writeStored } from '../backends/git/zlib.js'
import { GitProtocolError } from './errors.js'

const TYPE_CODES: Record<ObjectType, number> = { commit: OBJ_COMMIT, tree: OBJ_TREE, blob: OBJ_BLOB, tag: OBJ_TAG }

export const DEFAULT_CHUNK = 256 * 1024
/** zlib level for large blobs (1: fast; the pack crosses a network once and git may repack it). */
export const DEFAULT_LEVEL = 1

export interface PackEncoderOptions {
  /** Roughly how many bytes `take()` hands over at a time. */
  readonly chunkSize?: number
  /** zlib level for large blobs; 0 stores everything. */
  readonly level?: number
}

export class PackEncoder {
  private readonly hash: Hash = createHash('sha1')
  private readonly chunkSize: number
  private readonly level: number
  private chunk: Uint8Array
  private used = 0
  private readonly ready: Uint8Array[] = []
  private written = 0
  private finished = false
  /** Offset in the pack of the next entry. */
  position = 12

  /**
   * `count`: the entries the header announces; `undefined` for an encoder of entries only (no
   * header, no trailer, no count check: the caller spools them and writes `packHeader(n)` before
   * and the SHA-1 after, as upload-pack does when the count is known only at the end).
   */
  constructor(
    readonly count: number | undefined,
    options: PackEncoderOptions = {},
  ) {
    this.chunkSize = Math.max(64, options.chunkSize ?? DEFAULT_CHUNK)
    this.level = options.level ?? DEFAULT_LEVEL
    this.chunk = Buffer.allocUnsafe(this.chunkSize)
    if (count === undefined) return
    this.chunk.set(packHeader(count), 0)
    this.used = 12
  }

  /** Entries written so far. */
  get entries(): number {
    return this.written
  }

  /** Adds a whole object from its body; returns its offset (an OFS_DELTA base later on). */
  add(type: ObjectType, body: Uint8Array): number {
    const code = TYPE_CODES[type]
    const deflated = shouldDeflate(code === OBJ_BLOB, body.length, this.level) ? deflate(body, this.level) : undefined
    const length = entryHeaderLength(body.length) + (deflated ? deflated.length : storedLength(body.length))
    return this.place(length, (out, at) => {
      const data = writeEntryHeader(code, body.length, out, at)
      if (deflated) out.set(deflated, data)
      else writeStored(body, 0, body.length, out, data)
    })
  }

  /** Adds an OBJ_OFS_DELTA entry: `delta` (git's delta format) against the entry at `baseOffset`. */
  addOfsDelta(baseOffset: number, delta: Uint8Array): number {
    const distance = this.position - baseOffset
    if (!(baseOffset >= 12 && distance > 0)) throw new PackEncodingError(`an OFS_DELTA base must come earlier in the pack (base at ${baseOffset}, entry at ${this.position})`)
    const length = entryHeaderLength(delta.length) + ofsDistanceLength(distance) + storedLength(delta.length)
    return this.place(length, (out, at) => {
      const p = writeOfsDistance(distance, out, writeEntryHeader(OBJ_OFS_DELTA, delta.length, out, at))
      writeStored(delta, 0, delta.length, out, p)
    })
  }

  /** Adds an OBJ_REF_DELTA entry: `delta` against object `baseId` (in the pack, or — thin pack — the receiver's). */
  addRefDelta(baseId: string, delta: Uint8Array): number {
    if (!isObjectId(baseId)) throw new PackEncodingError(`a REF_DELTA base must be an object id, not ${JSON.stringify(baseId)}`)
    const length = entryHeaderLength(delta.length) + 20 + storedLength(delta.length)
    return this.place(length, (out, at) => {
      const p = writeEntryHeader(OBJ_REF_DELTA, delta.length, out, at)
      out.set(fromHex(baseId), p)
      writeStored(delta, 0, delta.length, out, p + 20)
    })
  }

  /** Full chunks ready to send (each handed over once). */
  take(): Uint8Array[] {
    return this.ready.splice(0)
  }

  /** What is left, then the 20-byte trailer; the count of entries must be the one announced. */
  finish(): Uint8Array[] {
    if (this.finished) throw new PackEncodingError('the pack is already finished')
    if (this.count === undefined) {
      this.finished = true
      this.retire()
      return this.take()
    }
    if (this.written !== this.count) throw new PackEncodingError(`${this.written} entries written, ${this.count} announced in the header`)
    this.finished = true
    this.retire()
    this.ready.push(this.hash.digest())
    return this.take()
  }

  private place(length: number, fill: (out: Uint8Array, at: number) => void): number {
    if (this.finished) throw new PackEncodingError('the pack is already finished')
    if (this.count !== undefined && this.written >= this.count) throw new PackEncodingError(`more entries than the ${this.count} announced in the header`)
    if (this.used + length > this.chunk.length) {
      this.retire()
      if (length > this.chunk.length) this.chunk = Buffer.allocUnsafe(length)
    }
    const offset = this.position
    fill(this.chunk, this.used)
    this.used += length
    this.position += length
    this.written++
    if (this.used >= this.chunkSize) this.retire()
    return offset
  }

  /** Moves the filled part of the chunk to the ready list and starts a fresh chunk. */
  private retire(): void {
    if (this.used === 0) return
    const filled = this.chunk.subarray(0, this.used)
    if (this.count !== undefined) this.hash.update(filled)
    this.ready.push(filled)
    this.chunk = Buffer.allocUnsafe(this.chunkSize)
    this.used = 0
  }
}

/** The 12-byte header of a pack of `count` objects: `PACK`, version 2, the count. */
export function packHeader(count: number): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 0 || count > 0xffffffff) throw new PackEncodingError(`a pack cannot hold ${count} objects`)
  const header = new Uint8Array(12)
  header.set([0x50, 0x41, 0x43, 0x4b], 0) // "PACK"
  const view = new DataView(header.buffer)
  view.setUint32(4, 2)
  view.setUint32(8, count)
  return header
}

/** A pack encoder used against its contract (too many or too few entries, a bad base). */
export class PackEncodingError extends GitProtocolError {
  override readonly code = 'EPACKENCODE'
}

/**
 * A whole pack as chunks from `objects` (exactly `count` of them), for callers that need no
 * deltas: `for await (const chunk of encodePack(n, objects)) await write(chunk)`.
 */
export async function* encodePack(count: number, objects: AsyncIterable<{ type: ObjectType; body: Uint8Array }> | Iterable<{ type: ObjectType; body: Uint8Array }>, options?: PackEncoderOptions): AsyncGenerator<Uint8Array> {
  const pack = new PackEncoder(count, options)
  for await (const object of objects) {
    pack.add(object.type, object.body)
    yield* pack.take()
  }
  yield* pack.finish()
}

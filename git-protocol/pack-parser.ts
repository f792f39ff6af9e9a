/**
 * A streaming parser of a pack as it arrives on the wire (gitformat-pack(5)): `PACK`, version 2
 * or 3, an object count, the entries, a SHA-1 trailer over everything before it. Objects are
 * yielded as soon as they can be resolved, framed (`"<type> <len>\0" + body`, what backends
 * store) with their id computed from those bytes.
 *
 * Deltas: OBJ_OFS_DELTA names its base by a distance back into the pack, OBJ_REF_DELTA by id.
 * A base is looked up in a byte-bounded cache of recent objects; past that cache (or for a thin
 * pack's bases, which the sender left out because we have them) the caller's `loadBase(id)` is
 * asked — a caller that stores what it is given can always answer for objects this parser
 * yielded. A REF_DELTA whose base is nowhere yet is held back (within the same budget) until the
 * base arrives later in the pack; one still waiting at the end is a `MissingDeltaBaseError`.
 *
 * Zlib streams do not say how long they are: an entry is inflated from what has arrived, again
 * from twice as much if that was not all of it (up to the deflate bound of its announced size),
 * and node's zlib reports how many input bytes the stream used. So an object is yielded as soon
 * as its bytes are in, and an interrupted stream leaves every object before the cut parsed.
 */
import { inflateSync, type ZlibOptions } from 'node:zlib'
import { CorruptObjectError } from '../core/errors.js'
import { headerLength, type ObjectType, unframeObject, writeHeader } from '../core/objects/frame.js'
import { applyDelta, readDeltaSizes } from '../backends/git/delta.js'
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, readEntryHeader, readOfsDistance, typeName } from '../backends/git/pack-format.js'
import { nodeHasher } from '../node-hasher.js'
import {
  BadDeltaError,
  BadPackHeaderError,
  CorruptPackEntryError,
  MissingDeltaBaseError,
  PackChecksumError,
  PackCountMismatchError,
  PackLimitError,
  UnknownPackObjectTypeError,
} from './errors.js'
import { PackInput } from './pack-input.js'

export interface PackObject {
  id: string
  type: ObjectType
  /** `"<type> <len>\0" + body`, the bytes whose SHA-1 is `id`. */
  framed: Uint8Array
  body: Uint8Array
}

export interface ParsePackOptions {
  /** A delta base not (or no longer) in memory: its framed bytes, or undefined if unknown. */
  loadBase?: (id: string) => Promise<Uint8Array | undefined>
  /** Bytes of recent objects kept as delta bases, and the most held-back deltas may take. */
  cacheBytes?: number
  /** The largest object (or delta) accepted. */
  maxObjectBytes?: number
  /** Called once the header is read, with the announced object count. */
  onHeader?: (count: number) => void
}

export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
export const DEFAULT_MAX_OBJECT_BYTES = 512 * 1024 * 1024

const TRAILER = 20
/** Enough for the longest entry header (10 bytes) plus a REF_DELTA base id (20). */
const ENTRY_PREFIX = 32

interface Cached {
  type: ObjectType
  framed: Uint8Array
  bodyStart: number
}

interface HeldDelta {
  offset: number
  delta: Uint8Array
}

export async function* parsePack(source: AsyncIterable<Uint8Array>, options: ParsePackOptions = {}): AsyncGenerator<PackObject> {
  const parser = new PackParser(options)
  yield* parser.run(new PackInput(source))
}

class PackParser {
  private readonly cacheBytes: number
  private readonly maxObjectBytes: number
  /** Every entry's offset, resolved or not (an OFS_DELTA must point at one). */
  private readonly entries = new Set<number>()
  private readonly idAt = new Map<number, string>()
  private readonly offsetOf = new Map<string, number>()
  /** Least recently used first; keys are pack offsets, or ids for bases loaded from outside. */
  private readonly cache = new Map<number | string, Cached>()
  private cacheUsed = 0
  /** Deltas waiting for a base, by the base's offset (number) or id (string). */
  private readonly held = new Map<number | string, HeldDelta[]>()
  private heldBytes = 0
  private ready: PackObject[] = []

  constructor(private readonly options: ParsePackOptions) {
    this.cacheBytes = options.cacheBytes ?? DEFAULT_CACHE_BYTES
    this.maxObjectBytes = options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES
  }

  async *run(input: PackInput): AsyncGenerator<PackObject> {
    const count = await this.readHeader(input)
    this.options.onHeader?.(count)
    for (let i = 0; i < count; i++) {
      await this.readEntry(input, i, count)
      if (this.ready.length > 0) {
        const out = this.ready
        this.ready = []
        yield* out
      }
    }
    await this.readTrailer(input, count)
    const waiting = this.held.keys().next()
    if (!waiting.done) {
      const key = waiting.value
      throw new MissingDeltaBaseError(typeof key === 'string' ? key : `at pack offset ${key}`)
    }
  }

  private async readHeader(input: PackInput): Promise<number> {
    const view = await input.view(12)
    if (view.length < 12) throw input.truncated(`${view.length} bytes where the 12-byte header was expected`)
    if (view[0] !== 0x50 || view[1] !== 0x41 || view[2] !== 0x43 || view[3] !== 0x4b) throw new BadPackHeaderError('it does not start with "PACK"')
    const data = new DataView(view.buffer, view.byteOffset, 12)
    const version = data.getUint32(4)
    if (version !== 2 && version !== 3) throw new BadPackHeaderError(`version ${version} (only 2 and 3 exist)`)
    input.consume(12)
    return data.getUint32(8)
  }

  private async readTrailer(input: PackInput, count: number): Promise<void> {
    const actual = input.digest()
    const view = await input.view(TRAILER + 1)
    if (view.length < TRAILER) throw input.truncated(`the stream ended ${view.length} bytes into the 20-byte trailer`)
    const expected = hex(view.subarray(0, TRAILER))
    if (view.length > TRAILER) {
      throw new PackCountMismatchError(`the header announced ${count} objects but more data follows them`)
    }
    if (expected !== actual) throw new PackChecksumError(expected, actual)
    input.skip(TRAILER)
  }

  private async readEntry(input: PackInput, index: number, count: number): Promise<void> {
    const offset = input.offset
    let view = await input.view(ENTRY_PREFIX)
    if (input.ended && view.length <= TRAILER) {
      const digest = input.digest()
      if (view.length === TRAILER && hex(view) === digest && !input.failure) {
        throw new PackCountMismatchError(`the header announced ${count} objects, the pack holds ${index}`)
      }
      throw input.truncated(`the stream ended after ${index} of ${count} objects`)
    }
    const header = readEntryHeader(view, 0, view.length)
    if (!header) throw input.ended ? input.truncated(`in the header of entry ${index}`) : new CorruptPackEntryError(offset, 'bad entry header')
    if (header.size > this.maxObjectBytes) throw new PackLimitError(`entry at offset ${offset} announces ${header.size} bytes, over the limit of ${this.maxObjectBytes}`)
    let dataStart = header.end
    let baseOffset: number | undefined
    let baseId: string | undefined
    if (header.type === OBJ_OFS_DELTA) {
      const distance = readOfsDistance(view, dataStart, view.length)
      if (!distance) throw input.truncated(`in the base distance of entry ${index}`)
      baseOffset = offset - distance.distance
      if (!this.entries.has(baseOffset)) throw new BadDeltaError(offset, `its base offset ${baseOffset} is not the start of an earlier entry`)
      dataStart = distance.end
    } else if (header.type === OBJ_REF_DELTA) {
      if (view.length < dataStart + TRAILER) throw input.truncated(`in the base id of entry ${index}`)
      baseId = hex(view.subarray(dataStart, dataStart + TRAILER))
      dataStart += TRAILER
    } else if (!typeName(header.type)) {
      throw new UnknownPackObjectTypeError(offset, header.type)
    }
    this.entries.add(offset)

    // Inflate what has arrived; if the stream goes on past it, wait for twice as much (so a
    // large entry costs at most twice its inflation), never for more than its deflate bound.
    let inflated: Uint8Array
    let used: number
    for (;;) {
      const result = inflateEntry(view.subarray(dataStart), header.size)
      if (result === 'short') {
        if (input.ended) throw input.truncated(`inside the data of entry ${index} (offset ${offset})`)
        const bound = dataStart + deflateBound(header.size)
        view = await input.view(view.length >= bound ? view.length * 2 : Math.min(bound, Math.max(view.length * 2, view.length + 4096)))
        continue
      }
      if (typeof result === 'string') throw new CorruptPackEntryError(offset, result)
      ;({ inflated, used } = result)
      break
    }
    input.consume(dataStart + used)

    if (baseOffset !== undefined) await this.resolveDelta(offset, baseOffset, inflated)
    else if (baseId !== undefined) await this.resolveDelta(offset, baseId, inflated)
    else this.emit(offset, typeName(header.type)!, frame(typeName(header.type)!, inflated))
  }

  private async resolveDelta(offset: number, base: number | string, delta: Uint8Array): Promise<void> {
    const found = await this.findBase(base)
    if (found) return this.applyAndEmit(offset, found, delta)
    this.heldBytes += delta.length
    if (this.heldBytes > this.cacheBytes) {
      throw new PackLimitError(`deltas waiting for bases later in the pack exceed ${this.cacheBytes} bytes`)
    }
    const list = this.held.get(base)
    if (list) list.push({ offset, delta })
    else this.held.set(base, [{ offset, delta }])
  }

  /** The base by pack offset or id: from the cache, then `loadBase`; undefined if not yet known. */
  private async findBase(base: number | string): Promise<Cached | undefined> {
    const key = typeof base === 'string' ? (this.offsetOf.get(base) ?? base) : base
    const hit = this.cache.get(key)
    if (hit) {
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit
    }
    const id = typeof key === 'string' ? key : this.idAt.get(key)
    if (id === undefined) return undefined // an entry in this pack that is itself still waiting
    const framed = await this.options.loadBase?.(id)
    if (!framed) {
      if (typeof key === 'number') {
        throw new PackLimitError(`delta base ${id} (pack offset ${key}) left the ${this.cacheBytes}-byte cache and loadBase does not have it`)
      }
      return undefined
    }
    if (nodeHasher.sha1Hex(framed) !== id) throw new CorruptObjectError(id, 'the stored copy given as a delta base does not hash to its id')
    const { type, body } = unframeObject(id, framed)
    const loaded = { type, framed, bodyStart: framed.length - body.length }
    this.remember(key, loaded)
    return loaded
  }

  private applyAndEmit(offset: number, base: Cached, delta: Uint8Array): void {
    this.emit(offset, base.type, this.undelta(offset, base, delta))
  }

  private undelta(offset: number, base: Cached, delta: Uint8Array): Uint8Array {
    try {
      const sizes = readDeltaSizes(`at offset ${offset}`, delta)
      if (sizes.resultSize > this.maxObjectBytes) {
        throw new PackLimitError(`delta at offset ${offset} makes ${sizes.resultSize} bytes, over the limit of ${this.maxObjectBytes}`)
      }
      const out = new Uint8Array(headerLength(base.type, sizes.resultSize) + sizes.resultSize)
      const at = writeHeader(base.type, sizes.resultSize, out)
      applyDelta(`at offset ${offset}`, base.framed.subarray(base.bodyStart), delta, sizes, out, at)
      return out
    } catch (error) {
      if (error instanceof CorruptObjectError) throw new BadDeltaError(offset, error.message.replace(/^corrupt object at offset \d+: /, ''))
      throw error
    }
  }

  /** Yields an object, then resolves the deltas held back for it (and for those, and so on). */
  private emit(offset: number, type: ObjectType, framed: Uint8Array): void {
    // A stack, not recursion: a long chain of held deltas stays off the call stack.
    const work = [{ offset, type, framed }]
    while (work.length > 0) {
      const next = work.pop()!
      const id = nodeHasher.sha1Hex(next.framed)
      const cached = { type: next.type, framed: next.framed, bodyStart: next.framed.indexOf(0) + 1 }
      this.idAt.set(next.offset, id)
      this.offsetOf.set(id, next.offset)
      this.remember(next.offset, cached)
      this.ready.push({ id, type: next.type, framed: next.framed, body: next.framed.subarray(cached.bodyStart) })
      for (const key of [next.offset, id]) {
        const waiting = this.held.get(key)
        if (!waiting) continue
        this.held.delete(key)
        for (const w of waiting) {
          this.heldBytes -= w.delta.length
          work.push({ offset: w.offset, type: next.type, framed: this.undelta(w.offset, cached, w.delta) })
        }
      }
    }
  }

  private remember(key: number | string, entry: Cached): void {
    if (entry.framed.length > this.cacheBytes) return
    this.cache.set(key, entry)
    this.cacheUsed += entry.framed.length
    if (this.cacheUsed <= this.cacheBytes) return
    for (const [oldKey, old] of this.cache) {
      if (this.cacheUsed <= this.cacheBytes) break
      this.cache.delete(oldKey)
      this.cacheUsed -= old.framed.length
    }
  }
}

function frame(type: ObjectType, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(headerLength(type, body.length) + body.length)
  out.set(body, writeHeader(type, body.length, out))
  return out
}

/** zlib's deflateBound for the worst case (stored blocks), plus header and Adler-32. */
function deflateBound(size: number): number {
  return size + 5 * Math.ceil(size / 16383 + 1) + 6 + 64
}

type InflateResult = { inflated: Uint8Array; used: number } | 'short' | string

function inflateEntry(stream: Uint8Array, size: number): InflateResult {
  let out: { buffer: Uint8Array; engine: { bytesWritten: number } }
  try {
    // An output chunk of the announced size: node's default (16 KiB) per small object is most of the garbage.
    const options: ZlibOptions & { info: true } = { info: true, maxOutputLength: Math.max(1, size), chunkSize: Math.max(64, size + 1) }
    out = inflateSync(stream, options) as unknown as typeof out
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    if (e.code === 'Z_BUF_ERROR') return 'short'
    if (e.code === 'ERR_BUFFER_TOO_LARGE') return `inflates to more than the ${size} bytes its header announces`
    return `zlib: ${e.message}`
  }
  if (out.buffer.length !== size) return `inflates to ${out.buffer.length} bytes, its header announces ${size}`
  return { inflated: out.buffer, used: out.engine.bytesWritten }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')
}

/**
 * Version 2 pack indexes (`pack-*.idx`, gitformat-pack(5)): a magic and version, a 256-entry
 * fan-out table (how many ids begin with a byte ≤ i), the sorted 20-byte ids, a CRC-32 of each
 * packed entry, 4-byte offsets (high bit set: an index into a table of 8-byte offsets for packs
 * over 2 GiB), the pack's checksum and the index's own SHA-1.
 *
 * An index stays in memory as read. Lookups go through the fan-out to a binary search over the
 * first four bytes of each id, kept as a `Uint32Array` beside the file bytes (comparing whole
 * 20-byte ids byte by byte costs several times more, and a write checks every new id against
 * every pack).
 */
import { createHash } from 'node:crypto'
import { toHex, writeHex } from '../../core/hex.js'

const MAGIC = [0xff, 0x74, 0x4f, 0x63] // "\377tOc"
const HEADER = 8
const FANOUT = 256 * 4
const ID = 20

/** A 20-byte id with its first four bytes as a number, made once per lookup across packs. */
export interface IdKey {
  raw: Uint8Array
  prefix: number
}

/** The key of `id`, written into `into` when given (hot paths reuse one key instead of allocating). */
export function idKey(id: string, into: IdKey = { raw: new Uint8Array(ID), prefix: 0 }): IdKey {
  const raw = into.raw
  writeHex(id, raw, 0)
  into.prefix = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0
  return into
}

export class PackIndex {
  private constructor(
    readonly count: number,
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    private readonly prefixes: Uint32Array,
  ) {}

  /** Parses an index file; returns what is wrong with it instead when it is not one. */
  static parse(bytes: Uint8Array): PackIndex | string {
    if (bytes.length < HEADER + FANOUT + 2 * ID) return 'too short for a pack index'
    if (!MAGIC.every((b, i) => bytes[i] === b)) return 'not a version 2 pack index'
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    if (view.getUint32(4) !== 2) return `unsupported pack index version ${view.getUint32(4)}`
    let previous = 0
    for (let i = 0; i < 256; i++) {
      const n = view.getUint32(HEADER + 4 * i)
      if (n < previous) return 'fan-out table is not sorted'
      previous = n
    }
    const count = previous
    const fixed = HEADER + FANOUT + count * (ID + 4 + 4) + 2 * ID
    if (bytes.length < fixed || (bytes.length - fixed) % 8 !== 0) return 'size does not match its object count'
    const prefixes = new Uint32Array(count)
    const names = HEADER + FANOUT
    for (let i = 0; i < count; i++) {
      prefixes[i] = view.getUint32(names + i * ID)
      if (i > 0 && prefixes[i] < prefixes[i - 1]) return 'object ids are not sorted'
    }
    return new PackIndex(count, bytes, view, prefixes)
  }

  private get crcStart(): number {
    return HEADER + FANOUT + this.count * ID
  }

  private get offsetStart(): number {
    return this.crcStart + this.count * 4
  }

  /** The checksum of the pack this index describes (the pack's last 20 bytes). */
  get packChecksum(): Uint8Array {
    const at = this.bytes.length - 2 * ID
    return this.bytes.subarray(at, at + ID)
  }

  /** Position of the id, or -1. */
  find(key: IdKey): number {
    const first = key.raw[0]
    let lo = first === 0 ? 0 : this.view.getUint32(HEADER + 4 * (first - 1))
    let hi = this.view.getUint32(HEADER + 4 * first)
    const prefixes = this.prefixes
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (prefixes[mid] < key.prefix) lo = mid + 1
      else hi = mid
    }
    for (let i = lo; i < this.count && prefixes[i] === key.prefix; i++) if (this.matches(i, key.raw)) return i
    return -1
  }

  private matches(position: number, raw: Uint8Array): boolean {
    const at = HEADER + FANOUT + position * ID
    for (let i = 4; i < ID; i++) if (this.bytes[at + i] !== raw[i]) return false
    return true
  }

  idAt(position: number): string {
    const at = HEADER + FANOUT + position * ID
    return toHex(this.bytes, at, at + ID)
  }

  crcAt(position: number): number {
    return this.view.getUint32(this.crcStart + 4 * position)
  }

  /** The entry's offset in the pack, or -1 when the index points outside its own tables. */
  offsetAt(position: number): number {
    const small = this.view.getUint32(this.offsetStart + 4 * position)
    if (!(small & 0x80000000)) return small
    const at = this.offsetStart + 4 * this.count + 8 * (small & 0x7fffffff)
    if (at + 8 > this.bytes.length - 2 * ID) return -1
    return this.view.getUint32(at) * 2 ** 32 + this.view.getUint32(at + 4)
  }
}

export interface IndexEntry {
  id: string
  crc: number
  offset: number
}

/** The bytes of a version 2 index for a pack holding `entries` (in any order). */
export function buildPackIndex(entries: readonly IndexEntry[], packChecksum: Uint8Array): Uint8Array {
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const count = sorted.length
  const large = sorted.filter(e => e.offset >= 0x80000000).length
  const bytes = new Uint8Array(HEADER + FANOUT + count * (ID + 8) + large * 8 + 2 * ID)
  const view = new DataView(bytes.buffer)
  bytes.set(MAGIC, 0)
  view.setUint32(4, 2)
  const fanout = new Uint32Array(256)
  const names = HEADER + FANOUT
  const crcs = names + count * ID
  const offsets = crcs + count * 4
  const largeOffsets = offsets + count * 4
  let nextLarge = 0
  sorted.forEach((entry, i) => {
    const at = names + i * ID
    writeHex(entry.id, bytes, at)
    fanout[bytes[at]]++
    view.setUint32(crcs + 4 * i, entry.crc)
    if (entry.offset < 0x80000000) {
      view.setUint32(offsets + 4 * i, entry.offset)
    } else {
      view.setUint32(offsets + 4 * i, 0x80000000 | nextLarge)
      view.setUint32(largeOffsets + 8 * nextLarge, Math.floor(entry.offset / 2 ** 32))
      view.setUint32(largeOffsets + 8 * nextLarge + 4, entry.offset % 2 ** 32)
      nextLarge++
    }
  })
  let total = 0
  for (let i = 0; i < 256; i++) view.setUint32(HEADER + 4 * i, (total += fanout[i]))
  const trailer = bytes.length - 2 * ID
  bytes.set(packChecksum, trailer)
  bytes.set(createHash('sha1').update(bytes.subarray(0, trailer + ID)).digest(), trailer + ID)
  return bytes
}

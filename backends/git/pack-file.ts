/**
 * One pack on disk: its index in memory and the pack file open for positioned reads (never read
 * whole). An entry is read in one piece, from its offset to where the next entry begins (found in
 * an offset-sorted table built on first use, the table git keeps in `.rev` files), and checked
 * against the CRC-32 the index holds for it, so a flipped or missing byte anywhere in an entry is
 * caught before it is inflated. Opening checks the pack's header and trailer against the index:
 * a truncated or replaced pack is marked damaged, and every read from it fails with the reason.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { CorruptObjectError } from '../../core/errors.js'
import { toHex } from '../../core/hex.js'
import { OBJ_OFS_DELTA, OBJ_REF_DELTA, readEntryHeader, readOfsDistance } from './pack-format.js'
import type { PackIndex } from './pack-index.js'

const PACK_HEADER = 12
const TRAILER = 20

export interface PackEntry {
  offset: number
  /** The entry as stored: header, delta base, zlib stream. */
  bytes: Uint8Array
  type: number
  /** Inflated size of the object, or of the delta. */
  size: number
  /** Where the zlib stream begins in `bytes`. */
  dataStart: number
  /** OBJ_OFS_DELTA: the base entry's offset; otherwise -1. */
  baseOffset: number
  /** OBJ_REF_DELTA: the base object's id. */
  baseId: string | undefined
}

let serials = 0

/**
 * Part of a pack held in memory, for reading entries in pack order (copying a whole pack) with a
 * few large reads instead of one small read per entry.
 */
export class ReadWindow {
  bytes: Uint8Array = new Uint8Array(0)
  start = 0
  constructor(readonly size = 4 * 1024 * 1024) {}
}

export class PackFile {
  /** Tells packs apart in caches for the life of the process (names repeat after a rewrite). */
  readonly serial = ++serials
  private sorted: { offsets: Float64Array; positions: Uint32Array } | undefined

  private constructor(
    /** `pack-<checksum>`, without extension. */
    readonly name: string,
    readonly index: PackIndex,
    private fd: number | undefined,
    /** Bytes of the pack file. */
    readonly size: number,
    /** Why the pack cannot be read, when opening found it damaged. */
    readonly damage: string | undefined,
    /** A `.keep` file protects the pack from being rewritten, as it does from `git repack`. */
    readonly keep: boolean,
  ) {}

  /** Opens `<packDir>/<name>.pack` for `index`; undefined when the pack file is not there. */
  static open(packDir: string, name: string, index: PackIndex): PackFile | undefined {
    let fd: number
    try {
      fd = openSync(join(packDir, `${name}.pack`), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const size = fstatSync(fd).size
    const damage = checkEnds(fd, size, index)
    return new PackFile(name, index, fd, size, damage && `${name}.pack is damaged: ${damage}`, existsSync(join(packDir, `${name}.keep`)))
  }

  /**
   * The entry of the object at index `position`, checked; `id` names the object errors are about.
   * With a `window`, the entry is read through it (and stays valid after the window moves on).
   */
  entryAt(position: number, id: string, window?: ReadWindow): PackEntry {
    return this.entry(this.index.offsetAt(position), position, id, window)
  }

  /** The entry at `offset` (an OBJ_OFS_DELTA base) on the way to reading `id`. */
  entryAtOffset(offset: number, id: string): PackEntry {
    const position = this.positionAt(offset)
    if (position < 0) throw new CorruptObjectError(id, `${this.name}.pack: no entry begins at offset ${offset}`)
    return this.entry(offset, position, id)
  }

  /** Index position of the entry at `offset`, or -1. */
  positionAt(offset: number): number {
    const { offsets, positions } = this.offsetTable()
    const k = search(offsets, offset)
    return offsets[k] === offset ? positions[k] : -1
  }

  /** Index positions in the order their entries appear in the pack. */
  positionsInPackOrder(): Uint32Array {
    return this.offsetTable().positions
  }

  /**
   * Read-ahead for callers that go through the pack in order (listing, fsck, GC read entries one
   * after another): a read that starts where the previous one ended fills a window, and the next
   * entries come from memory instead of one `pread` each. Point reads (anywhere else) stay one
   * small read each.
   */
  private readonly ahead = new ReadWindow(1024 * 1024)
  private lastEnd = -1

  private entry(offset: number, position: number, id: string, window?: ReadWindow): PackEntry {
    if (this.damage) throw new CorruptObjectError(id, this.damage)
    const end = this.entryEnd(offset)
    if (offset < PACK_HEADER || end <= offset || end > this.size - TRAILER) {
      throw new CorruptObjectError(id, `${this.name}.idx: offset ${offset} is outside the pack`)
    }
    let bytes: Uint8Array
    if (window) bytes = this.readThrough(window, offset, end, id)
    else if (offset >= this.ahead.start && end <= this.ahead.start + this.ahead.bytes.length) bytes = this.ahead.bytes.subarray(offset - this.ahead.start, end - this.ahead.start)
    else if (offset === this.lastEnd && end - offset < this.ahead.size) bytes = this.readThrough(this.ahead, offset, end, id)
    else bytes = this.read(offset, end, id)
    this.lastEnd = end
    if (crc32(bytes) !== this.index.crcAt(position)) {
      throw new CorruptObjectError(id, `${this.name}.pack: the entry at offset ${offset} does not match its CRC-32 (damaged)`)
    }
    const header = readEntryHeader(bytes, 0)
    if (!header) throw new CorruptObjectError(id, `${this.name}.pack: bad entry header at offset ${offset}`)
    let dataStart = header.end
    let baseOffset = -1
    let baseId: string | undefined
    if (header.type === OBJ_OFS_DELTA) {
      const ofs = readOfsDistance(bytes, dataStart)
      if (!ofs || ofs.distance === 0 || ofs.distance > offset) throw new CorruptObjectError(id, `${this.name}.pack: bad delta base offset at ${offset}`)
      baseOffset = offset - ofs.distance
      dataStart = ofs.end
    } else if (header.type === OBJ_REF_DELTA) {
      if (dataStart + 20 > bytes.length) throw new CorruptObjectError(id, `${this.name}.pack: truncated delta base id at ${offset}`)
      baseId = toHex(bytes, dataStart, dataStart + 20)
      dataStart += 20
    }
    return { offset, bytes, type: header.type, size: header.size, dataStart, baseOffset, baseId }
  }

  /** Where the entry at `offset` ends: the next entry's offset, or the trailer. */
  private entryEnd(offset: number): number {
    const { offsets } = this.offsetTable()
    const k = search(offsets, offset)
    return k + 1 < offsets.length ? offsets[k + 1] : this.size - TRAILER
  }

  private offsetTable(): { offsets: Float64Array; positions: Uint32Array } {
    if (this.sorted) return this.sorted
    const count = this.index.count
    const byPosition = new Float64Array(count)
    for (let p = 0; p < count; p++) byPosition[p] = this.index.offsetAt(p)
    const offsets = byPosition.slice().sort()
    const positions = new Uint32Array(count)
    for (let p = 0; p < count; p++) positions[search(offsets, byPosition[p])] = p
    return (this.sorted = { offsets, positions })
  }

  private readThrough(window: ReadWindow, start: number, end: number, id: string): Uint8Array {
    if (start < window.start || end > window.start + window.bytes.length) {
      window.bytes = this.read(start, Math.max(end, Math.min(start + window.size, this.size - TRAILER)), id)
      window.start = start
    }
    return window.bytes.subarray(start - window.start, end - window.start)
  }

  /** Bytes `[start, end)` of the pack file. */
  read(start: number, end: number, id: string): Uint8Array {
    if (this.fd === undefined) throw new CorruptObjectError(id, `${this.name}.pack was closed`)
    const out = Buffer.allocUnsafe(end - start)
    let got = 0
    while (got < out.length) {
      const n = readSync(this.fd, out, got, out.length - got, start + got)
      if (n === 0) throw new CorruptObjectError(id, `${this.name}.pack is truncated (ends before offset ${end})`)
      got += n
    }
    return out
  }

  private holds = 0
  private closeRequested = false

  /**
   * Keeps the file open until the returned function is called, even if the pack is closed
   * meanwhile (a rescan lets go of a pack another process removed while a rewrite still copies it).
   */
  hold(): () => void {
    this.holds++
    return () => {
      if (--this.holds === 0 && this.closeRequested) this.close()
    }
  }

  close(): void {
    this.closeRequested = true
    if (this.holds > 0 || this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
  }
}

/** Index of the last element ≤ `value` in ascending `sorted` (0 when there is none). */
function search(sorted: Float64Array, value: number): number {
  let lo = 0
  let hi = sorted.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (sorted[mid] <= value) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** What is wrong with the pack's header and trailer, given its index; undefined when nothing. */
function checkEnds(fd: number, size: number, index: PackIndex): string | undefined {
  if (size < PACK_HEADER + TRAILER) return `only ${size} bytes long`
  const header = new Uint8Array(PACK_HEADER)
  const trailer = new Uint8Array(TRAILER)
  readSync(fd, header, 0, PACK_HEADER, 0)
  readSync(fd, trailer, 0, TRAILER, size - TRAILER)
  const view = new DataView(header.buffer)
  if (view.getUint32(0) !== 0x5041434b) return 'no PACK signature'
  const version = view.getUint32(4)
  if (version !== 2 && version !== 3) return `unsupported pack version ${version}`
  if (view.getUint32(8) !== index.count) return `holds ${view.getUint32(8)} objects, its index ${index.count}`
  const expected = index.packChecksum
  if (!trailer.every((b, i) => b === expected[i])) return 'its checksum does not match its index (truncated or overwritten)'
  return undefined
}

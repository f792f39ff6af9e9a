/**
 * Writes one pack and its index as git does (index-pack, fast-import), so that no reader ever
 * sees half of one: the pack is streamed to `tmp_pack_*` and fsynced, the index written to
 * `tmp_idx_*` and fsynced, the pack renamed to `pack-<checksum>.pack`, then the index to
 * `pack-<checksum>.idx` — readers find packs by their index, so the index comes last — and the
 * directory fsynced. Both are made read-only, as git makes them.
 *
 * Entries are encoded into large buffers (written out when the caller calls `flush`), so that a
 * batch of small objects costs a few writes, not one per object.
 */
import { createHash } from 'node:crypto'
import { type FileHandle, mkdir, open, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { toHex } from '../../core/hex.js'
import { fsyncDir, removeFile, tempName, writeAll, writeNewFile } from './durable.js'
import { OBJ_BLOB, OBJ_OFS_DELTA, entryHeaderLength, ofsDistanceLength, writeEntryHeader, writeOfsDistance } from './pack-format.js'
import { buildPackIndex, type IndexEntry, PackIndex } from './pack-index.js'
import { deflate, shouldDeflate, storedLength, writeStored } from './zlib.js'

const CHUNK = 4 * 1024 * 1024
const READ_ONLY = 0o444

export interface WrittenPack {
  /** `pack-<checksum>`, without extension. */
  name: string
  index: PackIndex
}

export class PackWriter {
  private readonly hash = createHash('sha1')
  private readonly entries: IndexEntry[] = []
  private chunk: Buffer
  private used = 0
  private readonly full: Buffer[] = []
  /** Offset of the next entry. */
  position = 12

  private constructor(
    private readonly packDir: string,
    private readonly file: FileHandle,
    private readonly tempPath: string,
    private readonly count: number,
    private readonly level: number,
    expectedBytes: number,
  ) {
    this.chunk = Buffer.allocUnsafe(Math.min(CHUNK, expectedBytes))
    const header = this.reserve(12)
    header.write('PACK', this.used)
    header.writeUInt32BE(2, this.used + 4)
    header.writeUInt32BE(count, this.used + 8)
    this.used += 12
  }

  /**
   * Starts a pack of exactly `count` objects; `level` is the zlib level for large blobs;
   * `expectedBytes`, about how large the pack will be, sizes the first buffer (a batch of
   * 1,000 small objects should not allocate megabytes).
   */
  static async create(packDir: string, count: number, level: number, expectedBytes: number): Promise<PackWriter> {
    await mkdir(packDir, { recursive: true }) // a repository made by another tool may lack it
    const tempPath = join(packDir, tempName('tmp_pack_'))
    return new PackWriter(packDir, await open(tempPath, 'wx', READ_ONLY), tempPath, count, level, Math.max(1024, expectedBytes))
  }

  /** Whether buffered bytes are waiting for `flush`. */
  get needsFlush(): boolean {
    return this.full.length > 0
  }

  /** Adds an object from its framed bytes (`bodyStart`: where its body begins). */
  addObject(id: string, type: number, framed: Uint8Array, bodyStart: number): void {
    const size = framed.length - bodyStart
    const deflated = shouldDeflate(type === OBJ_BLOB, size, this.level) ? deflate(framed.subarray(bodyStart), this.level) : undefined
    const length = entryHeaderLength(size) + (deflated ? deflated.length : storedLength(size))
    this.place(id, length, (out, at) => {
      const data = writeEntryHeader(type, size, out, at)
      if (deflated) out.set(deflated, data)
      else writeStored(framed, bodyStart, framed.length, out, data)
    })
  }

  /** Adds an entry exactly as another pack stores it, with the CRC-32 that pack's index gives. */
  addEntry(id: string, bytes: Uint8Array, crc: number): void {
    this.entries.push({ id, crc, offset: this.position })
    const out = this.reserve(bytes.length)
    out.set(bytes, this.used)
    this.used += bytes.length
    this.position += bytes.length
  }

  /** Adds an OBJ_OFS_DELTA entry whose base is now `distance` bytes back, keeping its zlib stream. */
  addOfsDelta(id: string, deltaSize: number, distance: number, stream: Uint8Array): void {
    const length = entryHeaderLength(deltaSize) + ofsDistanceLength(distance) + stream.length
    this.place(id, length, (out, at) => {
      const p = writeOfsDistance(distance, out, writeEntryHeader(OBJ_OFS_DELTA, deltaSize, out, at))
      out.set(stream, p)
    })
  }

  private place(id: string, length: number, fill: (out: Buffer, at: number) => void): void {
    const out = this.reserve(length)
    fill(out, this.used)
    this.entries.push({ id, crc: crc32(out.subarray(this.used, this.used + length)), offset: this.position })
    this.used += length
    this.position += length
  }

  /** A buffer with `length` free bytes at `this.used`. */
  private reserve(length: number): Buffer {
    if (this.used + length <= this.chunk.length) return this.chunk
    this.retire()
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, length))
    return this.chunk
  }

  /** Moves the filled part of the current chunk to the write queue. */
  private retire(): void {
    if (this.used === 0) return
    const filled = this.chunk.subarray(0, this.used)
    this.hash.update(filled)
    this.full.push(filled)
    this.used = 0
  }

  /** Writes out the buffers filled so far. */
  async flush(): Promise<void> {
    while (this.full.length > 0) await writeAll(this.file, this.full.shift()!)
  }

  /** Finishes the pack, writes its index and moves both into place, durably. */
  async finish(): Promise<WrittenPack> {
    if (this.entries.length !== this.count) throw new Error(`pack writer: ${this.entries.length} entries written, ${this.count} announced`)
    this.retire()
    await this.flush()
    const checksum = this.hash.digest()
    await writeAll(this.file, checksum)
    const indexBytes = buildPackIndex(this.entries, checksum)
    const name = `pack-${toHex(checksum)}`
    const tempIndex = join(this.packDir, tempName('tmp_idx_'))
    // The pack's fsync (the slow one) and the index's write and fsync overlap.
    await Promise.all([this.file.sync().then(() => this.file.close()), writeNewFile(tempIndex, indexBytes, READ_ONLY)])
    await rename(this.tempPath, join(this.packDir, `${name}.pack`))
    await rename(tempIndex, join(this.packDir, `${name}.idx`))
    await fsyncDir(this.packDir)
    return { name, index: PackIndex.parse(indexBytes) as PackIndex }
  }

  /** Gives up: closes and removes the temporary pack. */
  async abort(): Promise<void> {
    await this.file.close().catch(() => {})
    await removeFile(this.tempPath)
  }
}

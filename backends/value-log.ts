/**
 * The LevelDB backend's value log: object bytes appended to plain files beside the database,
 * LevelDB keeping only a 15-byte pointer per object (WiscKey's key-value separation). LevelDB
 * writes every value it holds several times over (its log, a level-0 table, each compaction) and
 * compresses and checksums it each time; a large blob or a clone's hundred thousand objects cost
 * it seconds that one sequential append does not.
 *
 * A file `values/NNNNNN.vlog` is a sequence of records: a 24-byte header (u32 little-endian byte
 * count, the 20-byte object id) then the bytes. A pointer names the file, the record's offset and
 * the byte count; a read checks the header's count and id, so a pointer into a torn or foreign
 * record reads as corruption, never as another object's bytes. Records are appended at the file's
 * end; a new file starts once the current one passes `maxFileBytes`. A record nothing points to
 * any more is dead space until its file is compacted (see level-log-compaction.ts).
 *
 * A spool (`openSpool`, for `Backend.openSpool`) is a file `spool-*` here that a writer fills
 * with one blob's body from `SPOOL_BODY` on; `adopt` writes the record header before the body,
 * syncs it and links the file in as the next log file. The header's length depends on the
 * body's (`"blob <len>\0"`), so the room before it is filled with a padding record: an id of
 * zeros that no pointer names, which compaction passes over like any dead record. Spools a
 * crash left are deleted at open.
 *
 * Reads and appends are synchronous system calls on the calling thread: served from the page
 * cache they take microseconds, and no read can then be under way while a compacted file is
 * closed and unlinked.
 */
import { closeSync, fdatasync, fstatSync, ftruncateSync, linkSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync, writevSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { ObjectEntry } from '../core/backend.js'
import { CorruptObjectError } from '../core/errors.js'
import { toHex, writeHex } from '../core/hex.js'

const datasync = promisify(fdatasync)

/** A pointer's first byte. Framed objects start with a letter; inline values starting with 0 or 1 are escaped by a leading 1. */
const POINTER_MARK = 0
const ESCAPE_MARK = 1
export const POINTER_BYTES = 15
/** Where a pointer holds the object's byte count (u32 little-endian, its last four bytes). */
const POINTER_LENGTH_AT = 11
export const RECORD_HEADER = 24
/**
 * Records further apart than this are read by separate system calls (see `readMany`). Wide: the
 * bytes between them are copied by the kernel into a reused buffer, far cheaper than a system
 * call per record (a clone's server reads each level of a run's trees scattered over its span).
 */
const MERGE_GAP = 32 * 1024
/** The largest span one read covers: the size of the reused read buffer. */
const MAX_SPAN = 1 << 20
/** Objects read are copied into slabs of this size, many to a slab (see `copyOut`). */
const SLAB = 64 * 1024
/** Objects this large get a buffer of their own. */
const OWN_BUFFER = SLAB / 2
/** Records per `writev` (two buffers each; Linux takes at most 1,024). */
const RECORDS_PER_WRITE = 500
/** Where a spool's body starts: room for a padding record header, a record header and `"blob <len>\0"`. */
export const SPOOL_BODY = 64
let spools = 0

export interface Pointer {
  readonly file: number
  /** Offset of the record's header. */
  readonly offset: number
  /** The object's byte count. */
  readonly length: number
}

interface LogFile {
  readonly fd: number
  size: number
  /** Appended to since its last fdatasync. */
  unsynced: boolean
}

export function encodePointer(file: number, offset: number, length: number): Uint8Array {
  const out = Buffer.allocUnsafe(POINTER_BYTES)
  out[0] = POINTER_MARK
  out.writeUInt32LE(file, 1)
  out.writeUIntLE(offset, 5, 6)
  out.writeUInt32LE(length, POINTER_LENGTH_AT)
  return out
}

/** Whether two pointers name the same record (a file and an offset hold one record). */
export const samePlace = (a: Pointer, b: Pointer): boolean => a.file === b.file && a.offset === b.offset

/** Whether a stored value is a pointer (not the object itself, nor, in the size index, a size). */
export function isPointer(value: Uint8Array): boolean {
  return value.length === POINTER_BYTES && value[0] === POINTER_MARK
}

/** The pointer a stored value holds, or undefined when the value is the object itself. */
export function decodePointer(value: Uint8Array): Pointer | undefined {
  if (!isPointer(value)) return undefined
  const view = Buffer.from(value.buffer, value.byteOffset, value.length)
  return { file: view.readUInt32LE(1), offset: view.readUIntLE(5, 6), length: view.readUInt32LE(POINTER_LENGTH_AT) }
}

/** An object kept inline in LevelDB: as is, unless its first byte could be taken for a pointer's. */
export function inlineValue(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0 || bytes[0]! > ESCAPE_MARK) return bytes
  const out = new Uint8Array(bytes.length + 1)
  out[0] = ESCAPE_MARK
  out.set(bytes, 1)
  return out
}

/** The object an inline value holds. */
export function unescapeInline(value: Uint8Array): Uint8Array {
  return value.length > 0 && value[0] === ESCAPE_MARK ? value.subarray(1) : value
}

/** The object's byte count, from a stored value (pointer or inline); read in place (a clone asks it of every pointer it indexes). */
export function storedLength(value: Uint8Array): number {
  if (isPointer(value)) {
    const at = POINTER_LENGTH_AT
    return (value[at]! | (value[at + 1]! << 8) | (value[at + 2]! << 16) | (value[at + 3]! << 24)) >>> 0
  }
  return unescapeInline(value).length
}

const fileName = (file: number) => `${String(file).padStart(6, '0')}.vlog`

export class ValueLog {
  private readonly files = new Map<number, LogFile>()
  /** Where records are read into (reads are synchronous: it is free again when a read returns). */
  private span: Buffer | undefined
  private slab = Buffer.alloc(0)
  private slabAt = 0
  private current = 0
  /** A file was created since the directory was last synced. */
  private newFile = false

  private constructor(
    readonly dir: string,
    private readonly maxFileBytes: number,
  ) {}

  static open(dir: string, maxFileBytes: number): ValueLog {
    mkdirSync(dir, { recursive: true })
    const log = new ValueLog(dir, maxFileBytes)
    for (const name of readdirSync(dir)) {
      if (name.startsWith('spool-')) {
        unlinkSync(join(dir, name)) // a spool a crash left: never adopted, or adopted under its log name
        continue
      }
      const match = /^(\d{6,})\.vlog$/.exec(name)
      if (!match) continue
      const file = Number(match[1])
      const fd = openSync(join(dir, name), 'r+')
      log.files.set(file, { fd, size: fstatSync(fd).size, unsynced: false })
      log.current = Math.max(log.current, file)
    }
    return log
  }

  /** The file appends go to (0 before the first append). */
  get currentFile(): number {
    return this.current
  }

  fileNumbers(): number[] {
    return [...this.files.keys()].sort((a, b) => a - b)
  }

  fileSize(file: number): number {
    return this.files.get(file)?.size ?? 0
  }

  /** Appends objects `start` to `end`; their pointers, in order. Durable after `sync`. */
  append(objects: readonly ObjectEntry[], start = 0, end = objects.length): Uint8Array[] {
    const pointers: Uint8Array[] = []
    for (let first = start; first < end; ) {
      let last = first
      let bytes = 0
      while (last < end && last - first < RECORDS_PER_WRITE && (last === first || bytes + RECORD_HEADER + objects[last]![1].length <= 1 << 20)) {
        bytes += RECORD_HEADER + objects[last]![1].length
        last++
      }
      const file = this.fileFor(bytes)
      const headers = Buffer.allocUnsafe(RECORD_HEADER * (last - first))
      const buffers: Uint8Array[] = []
      let offset = file.size
      for (let i = first; i < last; i++) {
        const [id, value] = objects[i]!
        const header = headers.subarray((i - first) * RECORD_HEADER, (i - first + 1) * RECORD_HEADER)
        header.writeUInt32LE(value.length, 0)
        writeHex(id, header, 4)
        buffers.push(header, value)
        pointers.push(encodePointer(this.current, offset, value.length))
        offset += RECORD_HEADER + value.length
      }
      const written = writevSync(file.fd, buffers, file.size)
      if (written !== bytes) throw new Error(`value log ${fileName(this.current)}: short write (${written} of ${bytes} bytes)`)
      file.size += bytes
      file.unsynced = true
      first = last
    }
    return pointers
  }

  /** The file the next `bytes` go to: the current one, or a new one once it is full. */
  private fileFor(bytes: number): LogFile {
    const open = this.files.get(this.current)
    if (open !== undefined && (open.size === 0 || open.size + bytes <= this.maxFileBytes)) return open
    this.current++
    const fd = openSync(join(this.dir, fileName(this.current)), 'wx+')
    const file = { fd, size: 0, unsynced: true }
    this.newFile = true
    this.files.set(this.current, file)
    return file
  }

  /** A new spool file (see the header comment); its body goes at `SPOOL_BODY` onwards. */
  openSpool(): { path: string; fd: number } {
    const path = join(this.dir, `spool-${process.pid}-${++spools}`)
    return { path, fd: openSync(path, 'wx+') }
  }

  /**
   * Makes the spool at `path` (open as `fd`) the next log file, holding the object `id`: its
   * header (`header` is the frame's) written before the body, the file cut to the record's end
   * and synced, then linked in under its log name with the directory synced. The pointer.
   */
  async adopt(path: string, fd: number, id: string, header: Uint8Array, bodyLength: number): Promise<Uint8Array> {
    const recordAt = SPOOL_BODY - RECORD_HEADER - header.length
    if (recordAt < RECORD_HEADER) throw new RangeError(`a frame header of ${header.length} bytes does not fit before a spool's body`)
    const prefix = Buffer.alloc(SPOOL_BODY)
    prefix.writeUInt32LE(recordAt - RECORD_HEADER, 0) // the padding record: zero id, zero bytes
    prefix.writeUInt32LE(header.length + bodyLength, recordAt)
    writeHex(id, prefix, recordAt + 4)
    prefix.set(header, recordAt + RECORD_HEADER)
    if (writeSync(fd, prefix, 0, SPOOL_BODY, 0) !== SPOOL_BODY) throw new Error(`spool ${path}: short write`)
    ftruncateSync(fd, SPOOL_BODY + bodyLength)
    await datasync(fd)
    const file = this.current + 1
    linkSync(path, join(this.dir, fileName(file)))
    this.current = file
    this.files.set(file, { fd: openSync(join(this.dir, fileName(file)), 'r+'), size: SPOOL_BODY + bodyLength, unsynced: false })
    this.newFile = true
    await this.sync()
    return encodePointer(file, recordAt, header.length + bodyLength)
  }

  /** Ends the current file: the next append starts a new one (so the current one can be compacted). */
  rotate(): void {
    if ((this.files.get(this.current)?.size ?? 0) > 0) this.fileFor(Infinity)
  }

  /**
   * Makes every append so far durable (a new file's directory entry included). A sync started
   * earlier and still under way took some appends as its own (they no longer count as unsynced):
   * this one waits for it too, so it never resolves before they are on disk.
   */
  async sync(): Promise<void> {
    const earlier = [...this.syncing]
    const pending = [...this.files.values()].filter(file => file.unsynced)
    const newFile = this.newFile
    if (pending.length === 0 && !newFile) {
      await Promise.all(earlier)
      return
    }
    for (const file of pending) file.unsynced = false
    this.newFile = false
    const mine = this.syncFiles(pending, newFile)
    this.syncing.add(mine)
    const forget = () => this.syncing.delete(mine)
    mine.then(forget, forget)
    await Promise.all([...earlier, mine])
  }

  /** Syncs under way (see `sync`). */
  private readonly syncing = new Set<Promise<void>>()

  private async syncFiles(pending: readonly LogFile[], newFile: boolean): Promise<void> {
    try {
      await Promise.all(pending.map(file => datasync(file.fd)))
      if (newFile) await syncDirectory(this.dir)
    } catch (error) {
      for (const file of pending) file.unsynced = true
      this.newFile ||= newFile
      throw error
    }
  }

  /** Whether `file` is still here (a compacted file is gone; a pointer read before may be stale). */
  has(file: number): boolean {
    return this.files.has(file)
  }

  /** The object `pointer` names, or undefined when its file is gone (compacted: look the pointer up again). */
  read(id: string, pointer: Pointer): Uint8Array | undefined {
    const file = this.files.get(pointer.file)
    if (file === undefined) return undefined
    const size = RECORD_HEADER + pointer.length
    const span = this.spanBuffer()
    const record = size <= span.length ? span : Buffer.allocUnsafe(size)
    const got = readSync(file.fd, record, 0, size, pointer.offset)
    checkRecord(id, pointer, record, 0, got)
    return record === span ? this.copyOut(span, RECORD_HEADER, size) : record.subarray(RECORD_HEADER)
  }

  private spanBuffer(): Buffer {
    return (this.span ??= Buffer.allocUnsafeSlow(MAX_SPAN))
  }

  /**
   * Bytes `start` to `end` of `buffer`, copied: a small object into the current slab (a fresh
   * buffer per object costs an allocation and, in bulk, fresh memory's page faults, ~3.5 ms per
   * MB here; a slab's memory is reused once the objects in it are gone), a large one into a
   * buffer of its own. An object kept keeps at most its slab.
   */
  private copyOut(buffer: Buffer, start: number, end: number): Uint8Array {
    const length = end - start
    if (length >= OWN_BUFFER) {
      const own = Buffer.allocUnsafe(length)
      buffer.copy(own, 0, start, end)
      return own
    }
    if (this.slabAt + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB)
      this.slabAt = 0
    }
    buffer.copy(this.slab, this.slabAt, start, end)
    const out = this.slab.subarray(this.slabAt, this.slabAt + length)
    this.slabAt += length
    return out
  }

  /**
   * The objects `pointers` name (undefined where a pointer is undefined or its file is gone), read
   * in as few system calls as their places allow: records of one file lying within `MERGE_GAP`
   * of each other are read as one span, into the reused span buffer (a batch read back in the
   * order it was written costs a read per megabyte, not per object). Each object is copied out
   * of the span (`copyOut`).
   */
  readMany(ids: readonly string[], pointers: ReadonlyArray<Pointer | undefined>): Array<Uint8Array | undefined> {
    const out: Array<Uint8Array | undefined> = new Array(ids.length)
    const order: number[] = []
    pointers.forEach((pointer, i) => {
      if (pointer !== undefined && this.files.has(pointer.file)) order.push(i)
    })
    order.sort((a, b) => pointers[a]!.file - pointers[b]!.file || pointers[a]!.offset - pointers[b]!.offset)
    for (let first = 0; first < order.length; ) {
      const start = pointers[order[first]!]!
      let end = start.offset + RECORD_HEADER + start.length
      let last = first + 1
      for (; last < order.length; last++) {
        const next = pointers[order[last]!]!
        const nextEnd = next.offset + RECORD_HEADER + next.length
        if (next.file !== start.file || next.offset > end + MERGE_GAP || nextEnd - start.offset > MAX_SPAN) break
        end = Math.max(end, nextEnd)
      }
      if (last === first + 1) {
        out[order[first]!] = this.read(ids[order[first]!]!, start)
      } else {
        const span = this.spanBuffer()
        const got = readSync(this.files.get(start.file)!.fd, span, 0, end - start.offset, start.offset)
        for (let k = first; k < last; k++) {
          const i = order[k]!
          const pointer = pointers[i]!
          const at = pointer.offset - start.offset
          checkRecord(ids[i]!, pointer, span, at, got)
          out[i] = this.copyOut(span, at + RECORD_HEADER, at + RECORD_HEADER + pointer.length)
        }
      }
      first = last
    }
    return out
  }

  /** The records of `file` in order, header by header (for compaction). */
  *records(file: number): Iterable<{ id: string; offset: number; length: number }> {
    const open = this.files.get(file)
    if (open === undefined) return
    const header = Buffer.allocUnsafe(RECORD_HEADER)
    for (let offset = 0; offset + RECORD_HEADER <= open.size; ) {
      if (readSync(open.fd, header, 0, RECORD_HEADER, offset) !== RECORD_HEADER) return
      const length = header.readUInt32LE(0)
      if (offset + RECORD_HEADER + length > open.size) return // a torn tail: an append a crash cut short
      yield { id: toHex(header, 4, RECORD_HEADER), offset, length }
      offset += RECORD_HEADER + length
    }
  }

  /** Deletes a compacted file. Nothing may point into it any more. */
  remove(file: number): void {
    const open = this.files.get(file)
    if (open === undefined || file === this.current) return
    this.files.delete(file)
    closeSync(open.fd)
    unlinkSync(join(this.dir, fileName(file)))
  }

  close(): void {
    for (const file of this.files.values()) closeSync(file.fd)
    this.files.clear()
  }
}

/** Throws unless `buffer` (of which `got` bytes were read) holds `id`'s whole record, as `pointer` says, at `at`. */
function checkRecord(id: string, pointer: Pointer, buffer: Buffer, at: number, got: number): void {
  if (at + RECORD_HEADER + pointer.length > got || buffer.readUInt32LE(at) !== pointer.length || toHex(buffer, at + 4, at + RECORD_HEADER) !== id) {
    throw new CorruptObjectError(id, `its record in value log ${fileName(pointer.file)} at ${pointer.offset} is torn or not its own`)
  }
}

/** fsync of a directory: makes a new file's name durable. */
async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, 'r')
  try {
    await datasync(fd)
  } finally {
    closeSync(fd)
  }
}

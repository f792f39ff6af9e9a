/**
 * A large file's bytes while NFS clients write it, kept in a backend spool (`Backend.openSpool`)
 * rather than in memory. A write goes to the page cache once; the commit hashes the file from
 * there and the backend takes the file itself as the blob's stored record. In memory, a 100 MB
 * upload was copied three times (records, the buffer, one blob for the commit), each copy into
 * fresh memory at a page fault per 4 KiB: about a second, more than the rest of the upload.
 *
 * Once adopted the file is the stored record and is `frozen`: a later write goes to a copy
 * (`copyOf`, a copy the kernel makes file to file).
 */
import { createHash } from 'node:crypto'
import { copyFileSync, fdatasync, ftruncateSync, readSync, writeSync } from 'node:fs'
import type { ObjectSpool } from '../core/backend.js'
import type { WriteTracking } from '../core/gc-coordinator.js'
import type { ObjectStore } from '../core/object-store.js'
import type { FileBuffer } from './file-buffer.js'

/** Bytes hashed per read at a commit (one buffer, reused). */
const HASH_CHUNK = 1 << 20
/**
 * Bytes written between background flushes of the spool: the disk takes a large upload while
 * it arrives, rather than all of it at the COMMIT (whose flush then has little left to write).
 */
const FLUSH_EVERY = 16 << 20

export class SpoolBuffer {
  /** Written since the last commit. */
  dirty = true
  /** Adopted as a stored blob: the file is that record now and must not change. */
  frozen = false
  /** Bytes written since the last background flush started. */
  private unflushed = 0
  /** The background flush under way, if any. */
  private flushing: Promise<void> | undefined
  /** What a background flush failed with: a later flush may not report it again (Linux clears it), so the commit must. */
  private flushError: Error | undefined

  private constructor(
    private readonly spool: ObjectSpool,
    public size: number,
    public mode: string,
  ) {}

  /** A spool holding what `buffer` holds. */
  static from(spool: ObjectSpool, buffer: FileBuffer): SpoolBuffer {
    const out = new SpoolBuffer(spool, 0, buffer.mode)
    for (let at = 0; at < buffer.size; ) {
      const piece = buffer.read(at, HASH_CHUNK)
      out.write(at, piece)
      at += piece.length
    }
    out.dirty = buffer.dirty
    return out
  }

  /** A spool holding what the frozen `source` holds, to write to. */
  static copyOf(spool: ObjectSpool, source: SpoolBuffer): SpoolBuffer {
    copyFileSync(source.spool.path, spool.path)
    const out = new SpoolBuffer(spool, source.size, source.mode)
    ftruncateSync(spool.fd, spool.bodyOffset + source.size)
    out.dirty = source.dirty
    return out
  }

  write(offset: number, bytes: Uint8Array): void {
    if (this.frozen) throw new Error('a spool adopted as a blob was written to')
    for (let done = 0; done < bytes.length; ) done += writeSync(this.spool.fd, bytes, done, bytes.length - done, this.spool.bodyOffset + offset + done)
    if (offset + bytes.length > this.size) this.size = offset + bytes.length
    this.dirty = true
    this.unflushed += bytes.length
    if (this.unflushed >= FLUSH_EVERY && this.flushing === undefined) void this.flush()
  }

  /** Flushes what was written so far on the thread pool; a failure is kept for the commit. */
  private flush(): Promise<void> {
    this.unflushed = 0
    const flushing = new Promise<void>(resolve =>
      fdatasync(this.spool.fd, error => {
        if (error) this.flushError ??= error
        if (this.flushing === flushing) this.flushing = undefined
        resolve()
      }),
    )
    this.flushing = flushing
    return flushing
  }

  /** Past the end, the file reads as zeros (a hole), as a truncate that grows must. */
  truncate(size: number): void {
    if (this.frozen) throw new Error('a spool adopted as a blob was truncated')
    ftruncateSync(this.spool.fd, this.spool.bodyOffset + size)
    this.size = size
    this.dirty = true
  }

  /** `count` bytes from `offset`, read into `into` when given (a buffer reused across reads: fresh memory costs a page fault per 4 KiB). */
  read(offset: number, count: number, into?: Uint8Array): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0)
    const length = Math.min(count, this.size - offset)
    const out = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length)
    this.fill(out, offset)
    return out
  }

  /** A copy of the contents (a rename moves the file's value). */
  snapshot(): Uint8Array {
    return this.read(0, this.size)
  }

  /** Stores the contents as a blob (hashed from the file, which the backend then takes); its id. */
  async store(objects: ObjectStore, tracking: WriteTracking): Promise<string> {
    // The bytes go to disk while they are hashed; adopting the file then syncs only its header.
    const flushed = this.flushing ?? this.flush()
    const header = new TextEncoder().encode(`blob ${this.size}\0`)
    const hash = createHash('sha1').update(header)
    const chunk = Buffer.allocUnsafe(Math.min(HASH_CHUNK, Math.max(this.size, 1)))
    for (let at = 0; at < this.size; at += chunk.length) {
      const piece = chunk.subarray(0, Math.min(chunk.length, this.size - at))
      this.fill(piece, at)
      hash.update(piece)
    }
    const id = hash.digest('hex')
    await flushed
    // A flush started before `flushed` may have ended meanwhile: wait for any under way.
    await this.flushing
    if (this.flushError) throw new Error(`a large file's spool could not be flushed to disk: ${this.flushError.message}`)
    this.frozen = true
    await objects.adopt(this.spool, id, header, this.size, tracking)
    return id
  }

  /** Closes and removes the spool (an adopted record stays in the store). */
  dispose(): void {
    // Not while a flush uses the descriptor (closed, its number could name another file).
    if (this.flushing) void this.flushing.then(() => this.spool.discard())
    else this.spool.discard()
  }

  private fill(out: Uint8Array, offset: number): void {
    for (let done = 0; done < out.length; ) {
      const n = readSync(this.spool.fd, out, done, out.length - done, this.spool.bodyOffset + offset + done)
      if (n <= 0) {
        out.fill(0, done) // a hole a truncate made past the written end
        return
      }
      done += n
    }
  }
}

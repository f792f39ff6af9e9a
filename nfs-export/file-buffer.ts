/**
 * A file's bytes while NFS clients write it, written in place at any offset. Up to 1 MiB it is
 * one buffer whose capacity doubles; past that, a list of 1 MiB chunks, so a file written front
 * to back costs one allocation per MiB and no copying as it grows (doubling one buffer to 128 MiB
 * allocated, zeroed and copied about 400 MB for a 100 MB upload).
 */
import { bodyAfterHeader } from '../core/objects/frame.js'

const CHUNK = 1 << 20

export class FileBuffer {
  /** Chunk i holds bytes [i·CHUNK, i·CHUNK + length); only chunk 0 may be shorter than CHUNK. */
  private chunks: Uint8Array[] = [new Uint8Array(4096)]
  size = 0
  /** Written since the last commit. */
  dirty = false

  constructor(
    initial: Uint8Array,
    public mode: string,
  ) {
    if (initial.length > 0) this.write(0, initial)
    this.dirty = false
  }

  write(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length
    this.reserve(end)
    // A write past the end leaves a hole of zeros (the buffer may hold stale bytes there after a truncate).
    if (offset > this.size) this.zero(this.size, offset)
    for (let done = 0; done < bytes.length; ) {
      const at = offset + done
      const chunk = this.chunks[Math.floor(at / CHUNK)]
      const start = at % CHUNK
      const n = Math.min(bytes.length - done, chunk.length - start)
      chunk.set(bytes.subarray(done, done + n), start)
      done += n
    }
    if (end > this.size) this.size = end
    this.dirty = true
  }

  truncate(size: number): void {
    if (size > this.size) {
      this.reserve(size)
      this.zero(this.size, size)
    }
    this.size = size
    this.dirty = true
  }

  /** The bytes at [offset, offset + count): a view when one chunk holds them, else a copy. */
  read(offset: number, count: number): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0)
    const end = Math.min(this.size, offset + count)
    const first = Math.floor(offset / CHUNK)
    if (first === Math.floor((end - 1) / CHUNK)) return this.chunks[first].subarray(offset % CHUNK, offset % CHUNK + end - offset)
    const out = new Uint8Array(end - offset)
    for (let at = offset; at < end; ) {
      const start = at % CHUNK
      const n = Math.min(end - at, CHUNK - start)
      out.set(this.chunks[Math.floor(at / CHUNK)].subarray(start, start + n), at - offset)
      at += n
    }
    return out
  }

  /**
   * The contents for a commit, framed as it copies them (under the working tree's lock, writes
   * wait until the commit has framed them): a view up to one chunk; past that, one copy into a
   * blob body with its header's room before it, which framing then takes as it is.
   */
  contents(): Uint8Array {
    if (this.size <= CHUNK) return this.read(0, this.size)
    const body = bodyAfterHeader('blob', this.size)
    for (let i = 0; i * CHUNK < this.size; i++) body.set(this.chunks[i].subarray(0, Math.min(CHUNK, this.size - i * CHUNK)), i * CHUNK)
    return body
  }

  /** A copy of the contents, for a commit (later writes must not change what is committed). */
  snapshot(): Uint8Array {
    const bytes = this.read(0, this.size)
    return this.size <= CHUNK ? bytes.slice() : bytes
  }

  /** Nothing to release: the bytes are memory. */
  dispose(): void {}

  private zero(from: number, to: number): void {
    for (let at = from; at < to; ) {
      const start = at % CHUNK
      const n = Math.min(to - at, CHUNK - start)
      this.chunks[Math.floor(at / CHUNK)].fill(0, start, start + n)
      at += n
    }
  }

  private reserve(size: number): void {
    const first = this.chunks[0]
    const want = Math.min(size, CHUNK)
    if (want > first.length) {
      let capacity = first.length * 2
      while (capacity < want) capacity *= 2
      const next = new Uint8Array(Math.min(capacity, CHUNK))
      next.set(first.subarray(0, Math.min(this.size, first.length)))
      this.chunks[0] = next
    }
    for (let i = this.chunks.length; i * CHUNK < size; i++) this.chunks.push(new Uint8Array(CHUNK))
  }
}

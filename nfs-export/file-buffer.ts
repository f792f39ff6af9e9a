/**
 * A file's bytes while NFS clients write it: one growable buffer, written in place at any
 * offset. Capacity doubles, so a file written front to back in n WRITEs costs O(size) copies in
 * all, not O(n · size) as rewriting the blob per WRITE would.
 */
export class FileBuffer {
  private data: Uint8Array
  size: number
  /** Written since the last commit. */
  dirty = false

  constructor(initial: Uint8Array, public mode: string) {
    this.data = new Uint8Array(Math.max(initial.length, 4096))
    this.data.set(initial)
    this.size = initial.length
  }

  write(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length
    this.reserve(end)
    // A write past the end leaves a hole of zeros (the buffer may hold stale bytes there after a truncate).
    if (offset > this.size) this.data.fill(0, this.size, offset)
    this.data.set(bytes, offset)
    if (end > this.size) this.size = end
    this.dirty = true
  }

  truncate(size: number): void {
    if (size > this.size) {
      this.reserve(size)
      this.data.fill(0, this.size, size)
    }
    this.size = size
    this.dirty = true
  }

  read(offset: number, count: number): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0)
    return this.data.subarray(offset, Math.min(this.size, offset + count))
  }

  /** A copy of the contents, for a commit (later writes must not change what is committed). */
  snapshot(): Uint8Array {
    return this.data.slice(0, this.size)
  }

  private reserve(size: number): void {
    if (size <= this.data.length) return
    let capacity = this.data.length * 2
    while (capacity < size) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.data.subarray(0, this.size))
    this.data = next
  }
}

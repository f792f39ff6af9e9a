/**
 * Append-only storage for many small byte strings in a few large buffers, addressed by a number.
 * Millions of objects held as separate `Uint8Array`s cost three heap objects each and make every
 * major GC trace them all; in an arena they cost nothing to trace. Space of deleted entries is
 * reclaimed by copying the live ones into a fresh arena (`compactInto`).
 */
const CHUNK = 8 * 1024 * 1024
const CHUNK_BITS = 2 ** 23

export class ByteArena {
  private chunks: Uint8Array[] = []
  private fill = CHUNK // no chunk yet
  /** Bytes held, including those of entries since released. */
  bytes = 0

  /** Largest entry the arena takes; larger ones belong elsewhere. */
  static readonly MAX_ENTRY = CHUNK / 4

  /** Copies `data` in and returns its address. */
  append(data: Uint8Array): number {
    const needed = data.length + 4
    if (this.fill + needed > CHUNK) {
      this.chunks.push(new Uint8Array(CHUNK))
      this.fill = 0
    }
    const chunk = this.chunks[this.chunks.length - 1]
    const at = this.fill
    const n = data.length
    chunk[at] = n >>> 24
    chunk[at + 1] = n >>> 16
    chunk[at + 2] = n >>> 8
    chunk[at + 3] = n
    chunk.set(data, at + 4)
    this.fill += needed
    this.bytes += needed
    return (this.chunks.length - 1) * CHUNK_BITS + at
  }

  /** The bytes at `address`: a view into the arena, not a copy. */
  read(address: number): Uint8Array {
    const chunk = this.chunks[Math.floor(address / CHUNK_BITS)]
    const at = address % CHUNK_BITS
    const n = ((chunk[at] << 24) | (chunk[at + 1] << 16) | (chunk[at + 2] << 8) | chunk[at + 3]) >>> 0
    return chunk.subarray(at + 4, at + 4 + n)
  }

  /** Bytes an entry takes in the arena (for accounting released space). */
  static footprint(length: number): number {
    return length + 4
  }
}

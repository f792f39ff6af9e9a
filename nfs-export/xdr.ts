/**
 * XDR (RFC 4506): big-endian 4-byte units, opaque data padded to 4 bytes. One reader and one
 * writer, used by the RPC layer, MOUNT, NFS and the tests alike. A read past the end or a length
 * over its bound throws `GarbageArgsError`, which the RPC layer answers with GARBAGE_ARGS.
 */
import { GarbageArgsError } from './errors.js'

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

export class XdrReader {
  private view: DataView
  pos = 0
  constructor(readonly bytes: Uint8Array, start = 0) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = start
  }

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  private need(n: number): void {
    if (n > this.bytes.length - this.pos) throw new GarbageArgsError(`truncated: needs ${n} bytes at offset ${this.pos}, has ${this.bytes.length - this.pos}`)
  }

  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.pos)
    this.pos += 4
    return v
  }

  i32(): number {
    this.need(4)
    const v = this.view.getInt32(this.pos)
    this.pos += 4
    return v
  }

  u64(): bigint {
    this.need(8)
    const v = this.view.getBigUint64(this.pos)
    this.pos += 8
    return v
  }

  bool(): boolean {
    const v = this.u32()
    if (v > 1) throw new GarbageArgsError(`bool of ${v}`)
    return v === 1
  }

  /** An enum value, checked against its largest member. */
  enumOf(max: number, what: string): number {
    const v = this.u32()
    if (v > max) throw new GarbageArgsError(`${what} of ${v}`)
    return v
  }

  fixed(n: number): Uint8Array {
    this.need(n)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += (n + 3) & ~3
    if (this.pos > this.bytes.length) throw new GarbageArgsError('truncated padding')
    return out
  }

  /** Variable-length opaque of at most `max` bytes (a view into the record, not a copy). */
  opaque(max: number): Uint8Array {
    const n = this.u32()
    if (n > max) throw new GarbageArgsError(`opaque of ${n} bytes exceeds ${max}`)
    return this.fixed(n)
  }

  string(max: number): string {
    const bytes = this.opaque(max)
    try {
      return decoder.decode(bytes)
    } catch {
      throw new GarbageArgsError('a string that is not UTF-8')
    }
  }

  /** Optional data: a bool then, when true, the value. */
  optional<V>(read: () => V): V | undefined {
    return this.bool() ? read() : undefined
  }
}

export class XdrWriter {
  private buf: Uint8Array
  private view: DataView
  pos = 0
  constructor(initial = 512) {
    this.buf = new Uint8Array(initial)
    this.view = new DataView(this.buf.buffer)
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  u32(v: number): this {
    this.room(4)
    this.view.setUint32(this.pos, v >>> 0)
    this.pos += 4
    return this
  }

  i32(v: number): this {
    this.room(4)
    this.view.setInt32(this.pos, v)
    this.pos += 4
    return this
  }

  u64(v: bigint | number): this {
    this.room(8)
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      // Sizes and times are numbers: two words, no BigInt made per field.
      this.view.setUint32(this.pos, Math.floor(v / 0x1_0000_0000))
      this.view.setUint32(this.pos + 4, v >>> 0)
    } else this.view.setBigUint64(this.pos, BigInt(v))
    this.pos += 8
    return this
  }

  bool(v: boolean): this {
    return this.u32(v ? 1 : 0)
  }

  fixed(bytes: Uint8Array): this {
    const padded = (bytes.length + 3) & ~3
    this.room(padded)
    this.buf.set(bytes, this.pos)
    this.buf.fill(0, this.pos + bytes.length, this.pos + padded)
    this.pos += padded
    return this
  }

  opaque(bytes: Uint8Array): this {
    return this.u32(bytes.length).fixed(bytes)
  }

  /** A string as UTF-8 opaque data, encoded in place (a listing writes 10,000 names). */
  string(s: string): this {
    this.room(4 + s.length * 3 + 3)
    const start = this.pos + 4
    let length = s.length
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        length = encoder.encodeInto(s, this.buf.subarray(start)).written
        break
      }
      this.buf[start + i] = c
    }
    this.view.setUint32(this.pos, length)
    const padded = (length + 3) & ~3
    this.buf.fill(0, start + length, start + padded)
    this.pos = start + padded
    return this
  }

  /** The bytes written so far (a view; copy before writing more if kept). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos)
  }
}

/**
 * Git's delta format (gitformat-pack(5), "Deltified representation"): the base's size and the
 * result's size as little-endian base-128 numbers, then instructions. An instruction byte with
 * the high bit set copies from the base (bits 0-3 say which offset bytes follow, bits 4-6 which
 * size bytes; a size of 0 means 0x10000); one without inserts the next 1-127 bytes of the delta.
 */
import { CorruptObjectError } from '../../core/errors.js'

export interface DeltaSizes {
  baseSize: number
  resultSize: number
  /** Where the instructions begin. */
  start: number
}

function readSize(delta: Uint8Array, at: number): { value: number; end: number } | undefined {
  let value = 0
  let scale = 1
  for (;;) {
    if (at >= delta.length || scale > 2 ** 49) return undefined
    const byte = delta[at++]
    value += (byte & 0x7f) * scale
    scale *= 128
    if (!(byte & 0x80)) return { value, end: at }
  }
}

export function readDeltaSizes(id: string, delta: Uint8Array): DeltaSizes {
  const base = readSize(delta, 0)
  const result = base && readSize(delta, base.end)
  if (!base || !result) throw new CorruptObjectError(id, 'truncated delta header')
  return { baseSize: base.value, resultSize: result.value, start: result.end }
}

/**
 * Applies `delta` to `base`, writing the result at `out[at]` (which has room for `resultSize`
 * bytes). Any inconsistency is a `CorruptObjectError` naming `id`.
 */
export function applyDelta(id: string, base: Uint8Array, delta: Uint8Array, sizes: DeltaSizes, out: Uint8Array, at: number): void {
  if (sizes.baseSize !== base.length) throw new CorruptObjectError(id, `delta expects a base of ${sizes.baseSize} bytes, the base has ${base.length}`)
  const end = at + sizes.resultSize
  let p = sizes.start
  let q = at
  while (p < delta.length) {
    const op = delta[p++]
    if (op & 0x80) {
      let offset = 0
      let size = 0
      for (let bit = 0; bit < 4; bit++) if (op & (1 << bit)) offset += delta[p++] * 2 ** (8 * bit)
      for (let bit = 0; bit < 3; bit++) if (op & (0x10 << bit)) size |= delta[p++] << (8 * bit)
      if (size === 0) size = 0x10000
      if (p > delta.length) throw new CorruptObjectError(id, 'truncated delta copy instruction')
      if (offset + size > base.length || q + size > end) throw new CorruptObjectError(id, 'delta copies outside its base or result')
      copy(base, offset, size, out, q)
      q += size
    } else if (op !== 0) {
      if (p + op > delta.length || q + op > end) throw new CorruptObjectError(id, 'delta inserts past its end')
      copy(delta, p, op, out, q)
      q += op
      p += op
    } else {
      throw new CorruptObjectError(id, 'delta has the reserved instruction 0')
    }
  }
  if (q !== end) throw new CorruptObjectError(id, `delta produced ${q - at} bytes, expected ${sizes.resultSize}`)
}

/** Copies `size` bytes of `from` at `start` to `out` at `at`; short copies byte by byte, which beats `set` (and its `subarray`) below ~64 bytes. */
function copy(from: Uint8Array, start: number, size: number, out: Uint8Array, at: number): void {
  if (size >= 64) out.set(from.subarray(start, start + size), at)
  else for (let i = 0; i < size; i++) out[at + i] = from[start + i]
}

/** Adler-32 (RFC 1950), the checksum ending every zlib stream. */
export function adler32(data: Uint8Array, start: number, end: number): number {
  let a = 1
  let b = 0
  let i = start
  while (i < end) {
    // 5552 bytes is the most that can be summed before the 32-bit sums could overflow.
    const stop = Math.min(end, i + 5552)
    for (; i < stop; i++) {
      a += data[i]
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return ((b << 16) | a) >>> 0
}

/**
 * Lowercase hex of bytes and back: object ids are hex strings, tree entries hold raw bytes.
 * `toHex` fills a byte buffer with hex digits and decodes it in one call, so the id is a flat
 * string: built by concatenation it would be a rope that every Map lookup and regex has to
 * flatten first (measured 3-4× slower on the write and read paths).
 */
const HEX_DIGITS = new Uint8Array(512)
for (let i = 0; i < 256; i++) {
  const digits = i.toString(16).padStart(2, '0')
  HEX_DIGITS[2 * i] = digits.charCodeAt(0)
  HEX_DIGITS[2 * i + 1] = digits.charCodeAt(1)
}
const latin1 = new TextDecoder('latin1')
let scratch = new Uint8Array(40)

/** The 20 bytes at `o` as 40 hex digits: one call with the character codes as arguments (faster than a decoder call for a string this short). */
function hex20(b: Uint8Array, o: number): string {
  const H = HEX_DIGITS
  return String.fromCharCode(
    H[b[o + 0] * 2], H[b[o + 0] * 2 + 1], H[b[o + 1] * 2], H[b[o + 1] * 2 + 1], H[b[o + 2] * 2], H[b[o + 2] * 2 + 1], H[b[o + 3] * 2], H[b[o + 3] * 2 + 1],
    H[b[o + 4] * 2], H[b[o + 4] * 2 + 1], H[b[o + 5] * 2], H[b[o + 5] * 2 + 1], H[b[o + 6] * 2], H[b[o + 6] * 2 + 1], H[b[o + 7] * 2], H[b[o + 7] * 2 + 1],
    H[b[o + 8] * 2], H[b[o + 8] * 2 + 1], H[b[o + 9] * 2], H[b[o + 9] * 2 + 1], H[b[o + 10] * 2], H[b[o + 10] * 2 + 1], H[b[o + 11] * 2], H[b[o + 11] * 2 + 1],
    H[b[o + 12] * 2], H[b[o + 12] * 2 + 1], H[b[o + 13] * 2], H[b[o + 13] * 2 + 1], H[b[o + 14] * 2], H[b[o + 14] * 2 + 1], H[b[o + 15] * 2], H[b[o + 15] * 2 + 1],
    H[b[o + 16] * 2], H[b[o + 16] * 2 + 1], H[b[o + 17] * 2], H[b[o + 17] * 2 + 1], H[b[o + 18] * 2], H[b[o + 18] * 2 + 1], H[b[o + 19] * 2], H[b[o + 19] * 2 + 1],
  )
}

export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end - start === 20) return hex20(bytes, start)
  const length = (end - start) * 2
  if (scratch.length < length) scratch = new Uint8Array(length)
  for (let i = start, p = 0; i < end; i++, p += 2) {
    const x = bytes[i] * 2
    scratch[p] = HEX_DIGITS[x]
    scratch[p + 1] = HEX_DIGITS[x + 1]
  }
  return latin1.decode(scratch.subarray(0, length))
}

/** Writes the 20 bytes of a 40-digit hex id into `out` at `offset`. The id must be valid. */
export function writeHex(hex: string, out: Uint8Array, offset: number): void {
  // For "0"-"9" (0x30-0x39) and "a"-"f" (0x61-0x66): low nibble, plus 9 for letters.
  for (let i = 0, p = offset; i < hex.length; i += 2, p++) {
    const hi = hex.charCodeAt(i)
    const lo = hex.charCodeAt(i + 1)
    out[p] = (((hi & 0xf) + (hi >> 6) * 9) << 4) | ((lo & 0xf) + (lo >> 6) * 9)
  }
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  writeHex(hex, out, 0)
  return out
}

/** 40 lowercase hex digits. */
export function isObjectId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 40) return false
  for (let i = 0; i < 40; i++) {
    const c = value.charCodeAt(i)
    // Unsigned: characters below "0" or "a" wrap around to large numbers and fail too.
    if ((c - 0x30) >>> 0 > 9 && (c - 0x61) >>> 0 > 5) return false
  }
  return true
}

/**
 * UTF-8 with an ASCII fast path: tree entry names and commit headers are almost always ASCII,
 * and a TextEncoder/TextDecoder call per name costs more than the loop below.
 */
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeUtf8(text: string): Uint8Array {
  const n = text.length
  if (n < 64) {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c > 0x7f) return encoder.encode(text)
      out[i] = c
    }
    return out
  }
  return encoder.encode(text)
}

/** Decodes `bytes[start, end)`; throws a TypeError on malformed UTF-8. */
export function decodeUtf8(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end - start < 64) {
    let out = ''
    for (let i = start; i < end; i++) {
      const c = bytes[i]
      if (c > 0x7f) return decoder.decode(bytes.subarray(start, end))
      out += String.fromCharCode(c)
    }
    return out
  }
  return decoder.decode(bytes.subarray(start, end))
}

/** False for strings with lone surrogates, which have no UTF-8 encoding. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
    }
    return false
  }
  return true
}

const latin1 = new TextDecoder('latin1')

/** ASCII bytes as a flat string (one call, not a rope of concatenated characters). */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  if (end - start === 40) return ascii40(bytes, start)
  return latin1.decode(bytes.subarray(start, end))
}

/** 40 ASCII bytes (a hex id) as a string: the codes as arguments beat a decoder call this short. */
function ascii40(b: Uint8Array, o: number): string {
  return String.fromCharCode(
    b[o + 0], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5], b[o + 6], b[o + 7],
    b[o + 8], b[o + 9], b[o + 10], b[o + 11], b[o + 12], b[o + 13], b[o + 14], b[o + 15],
    b[o + 16], b[o + 17], b[o + 18], b[o + 19], b[o + 20], b[o + 21], b[o + 22], b[o + 23],
    b[o + 24], b[o + 25], b[o + 26], b[o + 27], b[o + 28], b[o + 29], b[o + 30], b[o + 31],
    b[o + 32], b[o + 33], b[o + 34], b[o + 35], b[o + 36], b[o + 37], b[o + 38], b[o + 39],
  )
}

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

/** ASCII bytes as a flat string (one decoder call: no rope of concatenated characters). */
export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  return latin1.decode(bytes.subarray(start, end))
}

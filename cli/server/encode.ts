/** Values in API responses: UTF-8 text as itself, anything else as base64. */
import type { ApiEncodedValue } from '../../web/inspector/api-types.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes)
    return true
  } catch {
    return false
  }
}

/** `bytes` for a JSON response; values larger than `limit` are left out (their size is given). */
export function encodeValue(bytes: Uint8Array, limit = Infinity): ApiEncodedValue {
  if (bytes.length > limit) return { encoding: 'omitted', size: bytes.length }
  return isUtf8(bytes)
    ? { encoding: 'utf8', value: utf8.decode(bytes), size: bytes.length }
    : { encoding: 'base64', value: Buffer.from(bytes).toString('base64'), size: bytes.length }
}

/** The image formats a browser shows in `<img>`, by their first bytes (`?` matches any byte). */
const IMAGE_MAGIC: Array<[type: string, magic: string]> = [
  ['image/png', '\x89PNG\r\n\x1a\n'],
  ['image/jpeg', '\xff\xd8\xff'],
  ['image/gif', 'GIF8'],
  ['image/webp', 'RIFF????WEBP'],
]

function startsWith(bytes: Uint8Array, magic: string): boolean {
  return magic.length <= bytes.length && [...magic].every((c, i) => c === '?' || bytes[i] === c.charCodeAt(0))
}

/**
 * The content type of a value served raw: an image by its first bytes (SVG: a `.svg` name
 * holding text), other text as plain UTF-8, anything else as bytes. The reply's sandboxing CSP
 * (http.ts) keeps an SVG's scripts from running even when the raw URL is opened itself.
 */
export function rawType(path: readonly string[], bytes: Uint8Array): string {
  const image = IMAGE_MAGIC.find(([, magic]) => startsWith(bytes, magic))
  if (image) return image[0]
  if (!isUtf8(bytes)) return 'application/octet-stream'
  return /\.svg$/i.test(path[path.length - 1] ?? '') ? 'image/svg+xml' : 'text/plain; charset=utf-8'
}

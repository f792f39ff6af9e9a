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

/**
 * Canonical JSON (object keys sorted, nothing JSON cannot represent), so that equal values
 * always encode to the same bytes and hence the same blob id; and decoding with typed errors.
 */
import { InvalidValueError } from './errors.js'
import { decodeUtf8, encodeUtf8, isWellFormed } from './utf8.js'

export function canonicalJson(value: unknown, seen: Set<object> = new Set()): string {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) throw new InvalidValueError('string contains a lone surrogate')
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidValueError(`${value} has no JSON representation`)
      return JSON.stringify(value)
    case 'object': {
      if (value === null) return 'null'
      if (seen.has(value)) throw new InvalidValueError('cyclic value has no JSON representation')
      seen.add(value)
      let out: string
      if (Array.isArray(value)) {
        out = `[${value.map(v => canonicalJson(v, seen)).join(',')}]`
      } else {
        const proto = Object.getPrototypeOf(value)
        if (proto !== Object.prototype && proto !== null) {
          throw new InvalidValueError(`${typeName(value)} is not a plain JSON object`)
        }
        const keys = Object.keys(value).sort()
        out = `{${keys.map(k => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], seen)}`).join(',')}}`
      }
      seen.delete(value)
      return out
    }
    default:
      throw new InvalidValueError(`${typeName(value)} has no JSON representation`)
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return encodeUtf8(canonicalJson(value))
}

export function decodeJson(bytes: Uint8Array): unknown {
  let text: string
  try {
    text = decodeUtf8(bytes)
  } catch {
    throw new InvalidValueError('contents are not valid UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new InvalidValueError(`contents are not JSON: ${JSON.stringify(text.slice(0, 40))}`)
  }
}

export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}


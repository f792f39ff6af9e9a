/**
 * A `Contents<T>` codec turns the values a store holds into blob bytes and back. A store is
 * opened with one; it decides what `get` returns and what `set` accepts. Encodings are
 * canonical (equal values give equal bytes, hence equal blob ids), so "unchanged" can be
 * decided by id.
 */
import { copyBytes } from './bytes.js'
import { InvalidValueError } from './errors.js'
import { decodeUtf8, encodeUtf8, isWellFormed } from './utf8.js'

export interface Contents<T> {
  /** A short name (`string`, `json`, ...): the CLI's `--contents` and error messages use it. */
  readonly name: string
  /** Throws `InvalidValueError` for values it cannot represent. */
  encode(value: T): Uint8Array
  /** Throws `InvalidValueError` for bytes that are not an encoding of a value. */
  decode(bytes: Uint8Array): T
}

const bytes: Contents<Uint8Array> = {
  name: 'bytes',
  encode(value) {
    if (!(value instanceof Uint8Array)) throw new InvalidValueError(`bytes contents take a Uint8Array, got ${typeName(value)}`)
    return value // framing the blob copies it
  },
  // A copy: callers may mutate what they get, and the cache must not see it.
  decode: copyBytes,
}

const string: Contents<string> = {
  name: 'string',
  encode(value) {
    if (typeof value !== 'string') throw new InvalidValueError(`string contents take a string, got ${typeName(value)}`)
    if (!isWellFormed(value)) throw new InvalidValueError('string contains a lone surrogate and cannot be UTF-8 encoded')
    return encodeUtf8(value)
  },
  decode(value) {
    try {
      return decodeUtf8(value)
    } catch {
      throw new InvalidValueError('contents are not valid UTF-8')
    }
  },
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** JSON with object keys sorted, so that equal values always give the same blob. */
const json: Contents<Json> = {
  name: 'json',
  encode(value) {
    return encodeUtf8(canonicalJson(value, new Set()))
  },
  decode(value) {
    let text: string
    try {
      text = decodeUtf8(value)
    } catch {
      throw new InvalidValueError('contents are not valid UTF-8')
    }
    try {
      return JSON.parse(text) as Json
    } catch {
      throw new InvalidValueError(`contents are not JSON: ${JSON.stringify(text.slice(0, 40))}`)
    }
  },
}

function canonicalJson(value: unknown, seen: Set<object>): string {
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

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return typeof value
}

export const Contents = { bytes, string, json }

/**
 * A `Contents<T>` codec turns the values a store holds into blob bytes and back. A store is
 * opened with one; it decides what `get` returns and what `set` accepts. Encodings are
 * canonical (equal values give equal bytes, hence equal blob ids), so "unchanged" can be
 * decided by id.
 */
import { copyBytes } from './bytes.js'
import { mergeableContents } from './contents-mergeable.js'
import { InvalidValueError } from './errors.js'
import { defaultMerge, type Merge } from './merge/combinators.js'
import { jsonMerge } from './merge/json-merge.js'
import { decodeJson, encodeJson, typeName } from './json.js'
import { decodeUtf8, encodeUtf8, isWellFormed } from './utf8.js'

export interface Contents<T> {
  /** A short name (`string`, `json`, ...): the CLI's `--contents` and error messages use it. */
  readonly name: string
  /** Throws `InvalidValueError` for values it cannot represent. */
  encode(value: T): Uint8Array
  /** Throws `InvalidValueError` for bytes that are not an encoding of a value. */
  decode(bytes: Uint8Array): T
  /**
   * Three-way merge of two values (the ancestor's is undefined when the key was added on both
   * sides). Absent: one side unchanged → the other; equal sides agree; anything else conflicts.
   */
  readonly merge?: Merge<T>
  /**
   * Whether merging two equal values gives that value (default true). False for counters: two
   * branches that both went from 1 to 2 made two increments, and the merge must see both, so
   * trees holding such values are merged even where both sides look the same.
   */
  readonly idempotent?: boolean
}

const bytes: Contents<Uint8Array> = {
  name: 'bytes',
  encode(value) {
    if (!(value instanceof Uint8Array)) throw new InvalidValueError(`bytes contents take a Uint8Array, got ${typeName(value)}`)
    return value // framing the blob copies it
  },
  // A copy: callers may mutate what they get, and the cache must not see it.
  decode: copyBytes,
  merge: defaultMerge(),
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
  merge: defaultMerge(),
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** JSON with object keys sorted, so that equal values always give the same blob. */
const json: Contents<Json> = {
  name: 'json',
  encode: encodeJson,
  decode: bytes => decodeJson(bytes) as Json,
  merge: jsonMerge as Merge<Json>,
}

export const Contents = { bytes, string, json, ...mergeableContents }

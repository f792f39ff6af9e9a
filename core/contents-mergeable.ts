/**
 * Contents codecs whose values merge without conflicts where the data type allows it: counters,
 * last-writer-wins registers, sets, multisets and append-only logs (what a comment thread
 * needs). All are JSON on disk, canonical, so equal values are equal blobs.
 */
import type { Contents, Json } from './contents.js'
import { InvalidValueError } from './errors.js'
import { canonicalJson, decodeJson, encodeJson, typeName } from './json.js'
import { counter as counterMerge, defaultMerge, isOk, lww as lwwMerge, map, type Merge, multiset as multisetMerge, ok, set as setMerge } from './merge/combinators.js'
import { decodeUtf8, encodeUtf8 } from './utf8.js'

/** A counter: a safe integer; concurrent increments add up (a + b − ancestor). */
const counter: Contents<number> = {
  name: 'counter',
  encode(value) {
    if (!Number.isSafeInteger(value)) throw new InvalidValueError(`a counter is a safe integer, got ${typeName(value)} ${String(value)}`)
    return encodeUtf8(String(value))
  },
  decode(bytes) {
    let text: string
    try {
      text = decodeUtf8(bytes).trim()
    } catch {
      throw new InvalidValueError('a counter is written in ASCII digits; these bytes are not UTF-8')
    }
    if (!/^-?(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidValueError(`not a counter: ${JSON.stringify(text.slice(0, 40))}`)
    return Number(text)
  },
  merge: counterMerge,
  idempotent: false,
}

export interface Timestamped<T> {
  /** When the value was written (any clock the writers share, e.g. milliseconds since the epoch). */
  readonly time: number
  readonly value: T
}

/** A last-writer-wins register: when both sides changed it, the later `time` wins; ties are broken by value. */
function lww<T extends Json = Json>(): Contents<Timestamped<T>> {
  return {
    name: 'lww',
    encode(register) {
      if (typeof register !== 'object' || register === null || !Number.isFinite(register.time)) {
        throw new InvalidValueError('an lww register is { time: number, value }')
      }
      return encodeJson({ time: register.time, value: register.value })
    },
    decode(bytes) {
      const register = decodeJson(bytes) as Timestamped<T>
      if (typeof register !== 'object' || register === null || typeof register.time !== 'number') throw new InvalidValueError('not an lww register')
      return register
    },
    merge: lwwMerge<Timestamped<T>>(
      r => r.time,
      r => canonicalJson(r.value),
    ),
  }
}

function sortedUnique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>()
  for (const item of items) byKey.set(key(item), item)
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)
}

/** A set of JSON values, stored sorted and without duplicates; merges keep every addition and removal. */
function set<T extends Json = Json>(): Contents<readonly T[]> {
  const key = (x: T) => canonicalJson(x)
  return {
    name: 'set',
    encode(items) {
      if (!Array.isArray(items)) throw new InvalidValueError(`a set is an array, got ${typeName(items)}`)
      return encodeJson(sortedUnique(items, key))
    },
    decode(bytes) {
      const items = decodeJson(bytes)
      if (!Array.isArray(items)) throw new InvalidValueError('not a set')
      return items as T[]
    },
    merge: setMerge<T>(key),
  }
}

/** A multiset: element → count (positive integers); counts merge as counters. */
const multiset: Contents<Readonly<Record<string, number>>> = {
  name: 'multiset',
  encode(counts) {
    if (typeof counts !== 'object' || counts === null || Array.isArray(counts)) throw new InvalidValueError('a multiset is { element: count }')
    for (const [element, n] of Object.entries(counts)) {
      if (!Number.isSafeInteger(n) || n < 0) throw new InvalidValueError(`count of ${JSON.stringify(element)} is not a non-negative integer`)
    }
    return encodeJson(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)))
  },
  decode(bytes) {
    const counts = decodeJson(bytes)
    if (typeof counts !== 'object' || counts === null || Array.isArray(counts) || !Object.values(counts).every(n => Number.isSafeInteger(n) && (n as number) > 0)) {
      throw new InvalidValueError('not a multiset: expected { element: positive count }')
    }
    return counts as Record<string, number>
  },
  merge: multisetMerge(),
  idempotent: false,
}

export interface LogEntry {
  /** Unique within the log: what entries are merged by. */
  readonly id: string
  /** Orders the log (ties by id). */
  readonly time: number
  readonly [field: string]: Json
}

/**
 * An append-only log (a comment thread): entries with ids, ordered by time then id. Merging
 * takes the union of what both sides added (and drops what one side removed and the other did
 * not touch), so replicas that saw the same entries converge on the same log, whatever the order
 * of merges.
 */
function log<E extends LogEntry = LogEntry>(): Contents<readonly E[]> {
  const order = (entries: readonly E[]) =>
    [...entries].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const byId = (entries: readonly E[] | undefined) => Object.fromEntries((entries ?? []).map(e => [e.id, e]))
  const entriesMerge = map<E>(defaultMerge())
  const merge: Merge<readonly E[]> = (old, a, b) => {
    const result = entriesMerge(old && byId(old), byId(a), byId(b))
    return isOk(result) ? ok(order(Object.values(result.ok))) : result
  }
  return {
    name: 'log',
    encode(entries) {
      if (!Array.isArray(entries)) throw new InvalidValueError(`a log is an array of entries, got ${typeName(entries)}`)
      const seen = new Map<string, string>()
      for (const e of entries) {
        if (typeof e !== 'object' || e === null || typeof e.id !== 'string' || !Number.isFinite(e.time)) {
          throw new InvalidValueError('a log entry is { id: string, time: number, ... }')
        }
        const text = canonicalJson(e)
        if (seen.has(e.id) && seen.get(e.id) !== text) throw new InvalidValueError(`two different log entries have id ${JSON.stringify(e.id)}`)
        seen.set(e.id, text)
      }
      return encodeJson(order(Object.values(byId(entries))))
    },
    decode(bytes) {
      const entries = decodeJson(bytes)
      if (!Array.isArray(entries)) throw new InvalidValueError('not a log')
      return entries as E[]
    },
    merge,
  }
}

/** A codec of your own: the same codec with your merge. */
function withMerge<T>(codec: Contents<T>, merge: Merge<T>, name = codec.name, idempotent = true): Contents<T> {
  return { name, encode: v => codec.encode(v), decode: b => codec.decode(b), merge, idempotent }
}

export const mergeableContents = { counter, lww, set, multiset, log, withMerge }

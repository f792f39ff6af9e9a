/**
 * Three-way merge functions as small values that combine, after Irmin's `Merge` module.
 *
 * A `Merge<T>` takes the common ancestor's value (`undefined` when the value did not exist in the
 * ancestor) and the two new values, and returns `{ ok: value }` or `{ conflict: reason }`.
 * Every combinator here keeps the basic laws: merge(o, o, o) = o, merge(o, a, o) = a and
 * merge(o, o, b) = b; the commutative ones (counter, set, multiset, map of those, log) also give
 * merge(o, a, b) = merge(o, b, a).
 */
import { deepEqual } from './equal.js'

export type MergeResult<T> = { readonly ok: T } | { readonly conflict: string }
/** `path`: where the value is, when a tree merge asks (a rule may depend on it; most ignore it). */
export type Merge<T> = (old: T | undefined, a: T, b: T, path?: readonly string[]) => MergeResult<T>

export const ok = <T>(value: T): MergeResult<T> => ({ ok: value })
export const conflict = <T = never>(reason: string): MergeResult<T> => ({ conflict: reason })
export const isOk = <T>(result: MergeResult<T>): result is { readonly ok: T } => 'ok' in result

/** If one side left the ancestor's value unchanged, the other side wins (and equal sides agree). */
export function defaultMerge<T>(equal: (a: T, b: T) => boolean = deepEqual): Merge<T> {
  return (old, a, b) => {
    if (equal(a, b)) return ok(a)
    if (old !== undefined && equal(old, a)) return ok(b)
    if (old !== undefined && equal(old, b)) return ok(a)
    return conflict(old === undefined ? 'both sides added different values' : 'both sides changed the value differently')
  }
}

/**
 * Equal sides merge to themselves (Irmin's `idempotent`); with `defaultMerge` underneath, so an
 * unchanged side still yields to the other and the merge laws hold.
 */
export function idempotent<T>(equal: (a: T, b: T) => boolean = deepEqual): Merge<T> {
  return defaultMerge(equal)
}

/** The first merge that succeeds; the last one's conflict otherwise. */
export function seq<T>(...merges: Merge<T>[]): Merge<T> {
  return (old, a, b) => {
    let last: MergeResult<T> = conflict('no merge function given')
    for (const merge of merges) {
      last = merge(old, a, b)
      if (isOk(last)) return last
    }
    return last
  }
}

/**
 * Lifts a merge of present values to values that may be absent (`undefined`): a side that
 * deleted an unchanged value wins, deleting on both sides agrees, and a deletion against a
 * modification is a conflict.
 */
export function option<T>(merge: Merge<T>, equal: (a: T, b: T) => boolean = deepEqual): Merge<T | undefined> {
  return (old, a, b) => {
    if (a === undefined && b === undefined) return ok(undefined)
    if (a === undefined || b === undefined) {
      const present = (a ?? b)!
      if (old === undefined) return ok(present) // added on one side only
      return equal(old, present) ? ok(undefined) : conflict('deleted on one side, changed on the other')
    }
    return merge(old, a, b)
  }
}

/** Integers (or any numbers) as counters: the increments of both sides add up. */
export const counter: Merge<number> = (old, a, b) => ok(a + b - (old ?? 0))

/** Componentwise merge of pairs. */
export function pair<A, B>(first: Merge<A>, second: Merge<B>): Merge<readonly [A, B]> {
  return (old, a, b) => {
    const x = first(old?.[0], a[0], b[0])
    if (!isOk(x)) return conflict(`first: ${x.conflict}`)
    const y = second(old?.[1], a[1], b[1])
    if (!isOk(y)) return conflict(`second: ${y.conflict}`)
    return ok([x.ok, y.ok] as const)
  }
}

/** Field-by-field merge of records with a fixed set of fields. */
export function record<T extends object>(fields: { [K in keyof T]: Merge<T[K]> }): Merge<T> {
  return (old, a, b) => {
    const out = {} as T
    for (const key of Object.keys(fields) as Array<keyof T>) {
      const result = fields[key](old?.[key], a[key], b[key])
      if (!isOk(result)) return conflict(`${String(key)}: ${result.conflict}`)
      out[key] = result.ok
    }
    return ok(out)
  }
}

/**
 * Key-by-key merge of maps (plain objects keyed by string): each key merges with `merge` lifted
 * by `option`, so a key added or removed on one side follows that side.
 */
export function map<V>(merge: Merge<V>, equal: (a: V, b: V) => boolean = deepEqual): Merge<Readonly<Record<string, V>>> {
  const value = option(merge, equal)
  return (old, a, b) => {
    const out: Record<string, V> = {}
    const keys = new Set([...Object.keys(old ?? {}), ...Object.keys(a), ...Object.keys(b)])
    for (const key of [...keys].sort()) {
      const get = (m: Readonly<Record<string, V>> | undefined) => (m !== undefined && Object.hasOwn(m, key) ? m[key] : undefined)
      const result = value(get(old), get(a), get(b))
      if (!isOk(result)) return conflict(`${JSON.stringify(key)}: ${result.conflict}`)
      if (result.ok !== undefined) out[key] = result.ok
    }
    return ok(out)
  }
}

/** `map` for association lists (`[key, value]` pairs), sorted by key in the result. */
export function alist<V>(merge: Merge<V>, equal: (a: V, b: V) => boolean = deepEqual): Merge<ReadonlyArray<readonly [string, V]>> {
  const merged = map(merge, equal)
  return (old, a, b) => {
    const result = merged(old && Object.fromEntries(old), Object.fromEntries(a), Object.fromEntries(b))
    return isOk(result) ? ok(Object.entries(result.ok) as Array<[string, V]>) : result
  }
}

/**
 * Sets as sorted arrays of distinct elements (identified by `key`): the ancestor's elements,
 * minus what either side removed, plus what either side added.
 */
export function set<T>(key: (element: T) => string = canonicalKey): Merge<readonly T[]> {
  return (old, a, b) => {
    const index = (items: readonly T[] | undefined) => new Map((items ?? []).map(x => [key(x), x]))
    const [o, x, y] = [index(old), index(a), index(b)]
    const out = new Map<string, T>()
    for (const [k, v] of o) if (x.has(k) && y.has(k)) out.set(k, v)
    for (const side of [x, y]) for (const [k, v] of side) if (!o.has(k)) out.set(k, v)
    return ok([...out].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)).map(([, v]) => v))
  }
}

/**
 * Multisets as element → count maps: counts merge as counters, and zero counts disappear. Two
 * sides removing the same copies would go below zero; the count stops at zero (removed).
 */
export function multiset(): Merge<Readonly<Record<string, number>>> {
  return (old, a, b) => {
    const out: Record<string, number> = {}
    const keys = new Set([...Object.keys(old ?? {}), ...Object.keys(a), ...Object.keys(b)])
    for (const k of [...keys].sort()) {
      const n = (a[k] ?? 0) + (b[k] ?? 0) - (old?.[k] ?? 0)
      if (n > 0) out[k] = n
    }
    return ok(out)
  }
}

/**
 * Last writer wins: when both sides changed the value, the one with the later timestamp. Equal
 * timestamps are broken by comparing `tieBreak` keys (canonical JSON by default), so every
 * replica picks the same winner. A side that left the value unchanged yields to the other.
 */
export function lww<T>(timestamp: (value: T) => number, tieBreak: (value: T) => string = canonicalKey): Merge<T> {
  const later: Merge<T> = (_old, a, b) => {
    const ta = timestamp(a)
    const tb = timestamp(b)
    if (ta !== tb) return ok(ta > tb ? a : b)
    return ok(tieBreak(a) >= tieBreak(b) ? a : b)
  }
  return seq(defaultMerge(), later)
}

/** A stable text key for any JSON-like value: object keys sorted. */
export function canonicalKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined'
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`
  if (value instanceof Uint8Array) return `bytes:${Array.from(value).join(',')}`
  const entries = Object.keys(value)
    .sort()
    .map(k => `${JSON.stringify(k)}:${canonicalKey((value as Record<string, unknown>)[k])}`)
  return `{${entries.join(',')}}`
}

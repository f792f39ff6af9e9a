/**
 * The merge of `Contents.json`: objects merge key by key, recursively; any other value (arrays
 * included) merges only when one side left it unchanged or both sides agree; a change of type on
 * both sides is a conflict. Objects added on both sides merge against an empty object.
 */
import { conflict, defaultMerge, isOk, type Merge, ok } from './combinators.js'
import { deepEqual } from './equal.js'

type JsonObject = { readonly [key: string]: unknown }

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const unchanged = defaultMerge<unknown>()

export const jsonMerge: Merge<unknown> = (old, a, b) => {
  const simple = unchanged(old, a, b)
  if (isOk(simple)) return simple
  if (!isObject(a) || !isObject(b)) return simple
  const base: JsonObject = isObject(old) ? old : {}
  if (old !== undefined && !isObject(old)) return conflict('both sides replaced the value with an object differently')
  const out: Record<string, unknown> = {}
  const keys = [...new Set([...Object.keys(base), ...Object.keys(a), ...Object.keys(b)])].sort()
  for (const key of keys) {
    const has = (o: JsonObject) => Object.hasOwn(o, key)
    const [o, x, y] = [has(base) ? base[key] : undefined, has(a) ? a[key] : undefined, has(b) ? b[key] : undefined]
    let merged: unknown
    if (x === undefined || y === undefined) {
      const present = x ?? y
      if (x === undefined && y === undefined) continue
      if (o === undefined) merged = present
      else if (deepEqual(o, present)) continue // deleted on one side, unchanged on the other
      else return conflict(`${JSON.stringify(key)}: deleted on one side, changed on the other`)
    } else {
      const result = jsonMerge(o, x, y)
      if (!isOk(result)) return conflict(`${JSON.stringify(key)}: ${result.conflict}`)
      merged = result.ok
    }
    out[key] = merged
  }
  return ok(out)
}

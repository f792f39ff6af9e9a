/**
 * sharedEnds (the runs of entries two versions of a directory share at either end), and the
 * comparison and delta built on it, on nearby versions whose ids hold bytes that read as entry
 * syntax (spaces, NULs, modes) and names that hold an entry's start: equal trailing bytes may
 * then start inside an entry.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { serializeTreeEntries } from '../../index.js'
import { changedEntries } from '../../sync/server/tree-changes.js'
import { applyTreeDelta, encodeTreeDelta } from '../../sync/tree-delta.js'
import { equalPrefix, equalSuffix, scanTree, sharedEnds } from '../../sync/tree-entries.js'

const MODE = { file: '100644', tree: '40000' } as const
type Entry = { kind: keyof typeof MODE; id: string }
/** Ids whose bytes read as `100644 a\0`, spaces, NULs, or a plain id. */
const IDS = ['313030363434206100' + '11'.repeat(11), '00'.repeat(20), '20'.repeat(20), '11'.repeat(20), '3430303030206200' + '20'.repeat(12)]
const entry = fc.record({ kind: fc.constantFrom('file' as const, 'tree' as const), id: fc.constantFrom(...IDS) })
/** Names, some holding what reads as another entry's start (git allows spaces in names). */
const name = fc.constantFrom('a', 'b', 'ab', 'z 100644 a', 'z 40000 b', 'y 100644 a')
const tree = fc.dictionary(name, entry, { maxKeys: 6 })
/** A version and the next: a few entries set or removed. */
const versions = fc.tuple(tree, fc.array(fc.tuple(name, fc.option(entry, { nil: undefined })), { maxLength: 3 })).map(([before, edits]) => {
  const after: Record<string, Entry> = { ...before }
  for (const [n, e] of edits) {
    if (e === undefined) delete after[n]
    else after[n] = e
  }
  return [after, before] as const
})
const body = (t: Record<string, Entry>) => {
  const framed = serializeTreeEntries(Object.entries(t).map(([n, e]) => ({ name: n, mode: MODE[e.kind], id: e.id })))
  return framed.subarray(framed.indexOf(0) + 1)
}
const entryBytes = (b: Uint8Array, s: ReturnType<typeof scanTree>, i: number) => [...b.subarray(s.starts[i], s.nuls[i] + 21)].join()

describe('sharedEnds', () => {
  it('names runs of equal entries at both ends, and comparisons and deltas built on it are right', () => {
    fc.assert(
      fc.property(versions, ([mine, theirs]) => {
        const a = body(mine)
        const b = body(theirs)
        const as = scanTree(a)
        const bs = scanTree(b)
        const { head, mineTail, theirsTail } = sharedEnds(a, as, b, bs)
        expect(head).toBeLessThanOrEqual(mineTail)
        expect(head).toBeLessThanOrEqual(theirsTail)
        expect(as.starts.length - mineTail).toBe(bs.starts.length - theirsTail)
        for (let i = 0; i < head; i++) expect(entryBytes(a, as, i)).toBe(entryBytes(b, bs, i))
        for (let k = 0; mineTail + k < as.starts.length; k++) expect(entryBytes(a, as, mineTail + k)).toBe(entryBytes(b, bs, theirsTail + k))
        const changed = Object.entries(mine).filter(([n, e]) => !(theirs[n]?.kind === e.kind && theirs[n].id === e.id))
        expect(changedEntries(a, b).length).toBe(changed.length)
        const delta = encodeTreeDelta(a, b)
        if (delta !== undefined) expect(applyTreeDelta(b, delta)).toEqual(a)
      }),
      { numRuns: 2000 },
    )
  })

  it('does not take equal trailing bytes that start inside an entry for shared entries', () => {
    const id = '11'.repeat(20)
    // "100644 a\0<id>" is the last 29 bytes of both; in the second they start inside the name.
    const a = body({ a: { kind: 'file', id } })
    const b = body({ 'z 100644 a': { kind: 'file', id } })
    const as = scanTree(a)
    const bs = scanTree(b)
    expect(sharedEnds(a, as, b, bs)).toEqual({ head: 0, mineTail: 1, theirsTail: 1 })
    expect(changedEntries(a, b)).toHaveLength(1)
    expect(applyTreeDelta(b, encodeTreeDelta(a, b) ?? Uint8Array.of(2, 0, 0, 0, a.length, ...a))).toEqual(a)
  })
})

describe('equal ends of two byte strings', () => {
  it('match a byte-by-byte count, at any alignment and length', () => {
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 80 })
    fc.assert(
      fc.property(bytes, bytes, bytes, fc.nat(7), fc.nat(7), (shared, x, y, ax, bx) => {
        // Views at odd offsets of buffers that share a middle run.
        const a = new Uint8Array(ax + x.length + shared.length + y.length).subarray(ax)
        a.set(x)
        a.set(shared, x.length)
        a.set(y, x.length + shared.length)
        const b = new Uint8Array(bx + shared.length + y.length).subarray(bx)
        b.set(shared)
        b.set(y, shared.length)
        for (const [p, q] of [[a, b], [b, a], [a, a.slice()]] as const) {
          const limit = Math.min(p.length, q.length)
          let prefix = 0
          while (prefix < limit && p[prefix] === q[prefix]) prefix++
          let suffix = 0
          while (suffix < limit && p[p.length - 1 - suffix] === q[q.length - 1 - suffix]) suffix++
          expect(equalPrefix(p, q, limit)).toBe(prefix)
          expect(equalSuffix(p, q, limit)).toBe(suffix)
          expect(equalSuffix(p, q, Math.floor(limit / 2))).toBe(Math.min(suffix, Math.floor(limit / 2)))
        }
      }),
      { numRuns: 500 },
    )
  })
})

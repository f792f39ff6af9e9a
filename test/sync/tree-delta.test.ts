/** Tree deltas: applying the delta of any two trees to the base gives the tree back; bad deltas are typed errors. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { frameObject, serializeTreeEntries } from '../../index.js'
import { MalformedStreamError } from '../../sync/index.js'
import { applyTreeDelta, applyTreeDeltaFramed, encodeTreeDelta, entryEnds } from '../../sync/tree-delta.js'

const MODE = { file: '100644', tree: '40000', link: '160000' } as const
const trees = fc.dictionary(
  fc.stringMatching(/^[a-c]{1,3}(\.[a-c])?$/),
  fc.record({ kind: fc.constantFrom('file' as const, 'tree' as const, 'link' as const), id: fc.constantFrom('1'.repeat(40), '2'.repeat(40), 'a'.repeat(40)) }),
  { maxKeys: 14 },
)
const body = (tree: Record<string, { kind: keyof typeof MODE; id: string }>) => {
  const framed = serializeTreeEntries(Object.entries(tree).map(([name, e]) => ({ name, mode: MODE[e.kind], id: e.id })))
  return framed.subarray(framed.indexOf(0) + 1)
}

describe('tree deltas', () => {
  it('apply(base, encode(tree, base)) is the tree, whenever a delta is made', () => {
    fc.assert(
      fc.property(trees, trees, (mine, theirs) => {
        const delta = encodeTreeDelta(body(mine), body(theirs))
        if (delta === undefined) return
        expect(delta.length).toBeLessThan(body(mine).length)
        expect(applyTreeDelta(body(theirs), delta)).toEqual(body(mine))
        // The receiver's form: framed, with the rebuilt tree's entry ends (its next delta's base).
        const rebuilt = applyTreeDeltaFramed(body(theirs), entryEnds(body(theirs)), delta)
        expect(rebuilt.framed).toEqual(frameObject('tree', body(mine)))
        expect(rebuilt.ends).toEqual(entryEnds(body(mine)))
      }),
      { numRuns: 1000 },
    )
  })

  it('a small change of a large tree is a small delta', () => {
    const big = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`file${i}`, { kind: 'file' as const, id: '1'.repeat(40) }]))
    const changed = { ...big, file77: { kind: 'file' as const, id: '2'.repeat(40) } }
    const delta = encodeTreeDelta(body(changed), body(big))!
    expect(delta.length).toBeLessThan(60)
    expect(applyTreeDelta(body(big), delta)).toEqual(body(changed))
  })

  it('a delta that does not fit its base, or is cut, is MalformedStreamError', () => {
    const base = body({ a: { kind: 'file', id: '1'.repeat(40) } })
    expect(() => applyTreeDelta(base, Uint8Array.of(0, 0, 0, 0, 5))).toThrow(MalformedStreamError)
    expect(() => applyTreeDelta(base, Uint8Array.of(2, 0, 0, 0, 50, 1))).toThrow(MalformedStreamError)
    expect(() => applyTreeDelta(base, Uint8Array.of(9, 0, 0, 0, 1))).toThrow(MalformedStreamError)
    expect(() => applyTreeDelta(base, Uint8Array.of(0, 0))).toThrow(MalformedStreamError)
  })
})

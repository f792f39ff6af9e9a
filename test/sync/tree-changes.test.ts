/** changedEntries (the fetch walk's byte-level directory comparison) against a plain Map model. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { serializeTreeEntries } from '../../index.js'
import { changedEntries } from '../../sync/server/tree-changes.js'

type Entry = { kind: 'file' | 'tree' | 'link'; id: string }
const MODE = { file: '100644', tree: '40000', link: '160000' } as const

const entries = fc.dictionary(
  fc.stringMatching(/^[a-c]{1,3}(\.[a-c])?$/),
  fc.record({ kind: fc.constantFrom('file' as const, 'tree' as const, 'link' as const), id: fc.constantFrom(...['1', '2', '3'].map(c => c.repeat(40))) }),
  { maxKeys: 12 },
)

/** The tree's body (serializeTreeEntries frames it: the header goes). */
const body = (tree: Record<string, Entry>) => unframe(serializeTreeEntries(Object.entries(tree).map(([name, e]) => ({ name, mode: MODE[e.kind], id: e.id }))))
const unframe = (framed: Uint8Array) => framed.subarray(framed.indexOf(0) + 1)

describe('changedEntries', () => {
  it('is the entries that differ from the same name and kind in the reference, with the reference subtree', () => {
    fc.assert(
      fc.property(entries, fc.option(entries, { nil: undefined }), (mine, theirs) => {
        const expected = Object.entries(mine)
          .filter(([name, e]) => !(theirs && theirs[name]?.kind === e.kind && theirs[name].id === e.id))
          .map(([name, e]) => {
            const before = theirs?.[name]
            return { name, id: e.id, isTree: e.kind === 'tree', isGitlink: e.kind === 'link', before: e.kind === 'tree' && before?.kind === 'tree' ? before.id : undefined }
          })
        const actual = changedEntries(body(mine), theirs && body(theirs))
        const key = (e: { id: string; isTree: boolean; isGitlink: boolean; before?: string }) => `${e.id}/${e.isTree}/${e.isGitlink}/${e.before ?? ''}`
        expect(actual.map(key).sort()).toEqual(expected.map(key).sort())
      }),
      { numRuns: 500 },
    )
  })
})

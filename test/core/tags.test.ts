/**
 * Annotated tags on every store (issue 9, defect 3): GC keeps what a chain of tags names, with
 * the window applied to a tagged commit as to a branch; fsck calls a healthy tag healthy and a
 * tag naming a missing object damage. The tag model round-trips what git writes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { parseTag, serializeTag } from '../../core/objects/git-tag.js'
import { unframeObject } from '../../core/objects/frame.js'
import { InvalidArgumentError } from '../../core/errors.js'

async function storeTag(repo: Repo<string>, object: string, type: 'commit' | 'tag' | 'tree' | 'blob', name: string): Promise<string> {
  const framed = serializeTag({ object, type, name, tagger: 'Ada <ada@example.org> 1700000000 +0000', message: `${name}\n` })
  const id = repo.objects.hash(framed)
  await repo.objects.write([[id, framed]])
  return id
}

describe('annotated tags', () => {
  it('GC keeps a commit named by a tag of a tag, outside every branch window; fsck is clean', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const main = repo.branch('main')
    const tagged = (await main.set(['k'], 'tagged value'))!
    for (let i = 0; i < 5; i++) await main.set(['k'], `later ${i}`)
    const inner = await storeTag(repo, tagged.id, 'commit', 'v1')
    const outer = await storeTag(repo, inner, 'tag', 'v1-outer')
    expect(await repo.backend.casRef('refs/tags/v1-outer', undefined, outer)).toBe(true)
    expect((await repo.fsck()).damage).toEqual([])
    const report = await repo.gc({ keepCommits: 1 })
    expect(report.removed).toBeGreaterThan(0)
    expect(report.boundary).toHaveLength(1) // main's window; the tagged commit is a root commit
    expect(await repo.commit(tagged.id).get(['k'])).toBe('tagged value')
    const check = await repo.fsck()
    expect(check.damage).toEqual([])
    expect(check.reachable).toBeGreaterThanOrEqual(2 + 2 * 2) // two tags, two commits with their trees
  })

  it('fsck: a tag naming a missing object is damage; a branch naming a tag is not a commit', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    await repo.branch('main').set(['k'], 'v')
    const missing = 'f'.repeat(40)
    const dangling = await storeTag(repo, missing, 'commit', 'gone')
    await repo.backend.casRef('refs/tags/gone', undefined, dangling)
    await repo.backend.casRef('refs/heads/tagged', undefined, dangling)
    const damage = (await repo.fsck()).damage
    expect(damage).toContainEqual(expect.objectContaining({ kind: 'missing', id: missing }))
    expect(damage).toContainEqual(expect.objectContaining({ kind: 'not-a-commit', ref: 'refs/heads/tagged' }))
  })

  it('parse ∘ serialize is the identity on tags git could write', () => {
    const line = fc.string({ minLength: 1, maxLength: 20 }).filter(s => !/[\n\0]/.test(s))
    fc.assert(
      fc.property(
        fc.record({
          object: fc.stringMatching(/^[0-9a-f]{40}$/),
          type: fc.constantFrom('blob' as const, 'tree' as const, 'commit' as const, 'tag' as const),
          name: line,
          tagger: fc.option(line, { nil: undefined }),
          message: fc.string({ maxLength: 40 }).filter(s => !s.includes('\0')),
        }),
        tag => {
          const framed = serializeTag(tag)
          expect(parseTag('0'.repeat(40), unframeObject('0'.repeat(40), framed).body)).toEqual(tag)
        },
      ),
    )
    expect(() => serializeTag({ object: 'nope', type: 'commit', name: 'x', message: '' })).toThrow(InvalidArgumentError)
  })
})

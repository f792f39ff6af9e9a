/** History walks (order, depth, limits, shallow ends) and lowest common ancestors against git. */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { git, importFromGit, initBareRepo, removeDir } from '../helpers/git.js'

describe('history', () => {
  it('walks newest first, honours depth and limit, and ends at absent parents', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push((await main.set(['k'], `${i}`, { message: `c${i}`, date: 1_000 + i }))!.id)
    const all: string[] = []
    for await (const c of main.history()) all.push(c.id)
    expect(all).toEqual([...ids].reverse())
    const depth3: string[] = []
    for await (const c of main.history({ depth: 3 })) depth3.push(c.message)
    expect(depth3).toEqual(['c9', 'c8', 'c7'])
    const limited: string[] = []
    for await (const c of repo.history(ids[5], { limit: 2 })) limited.push(c.message)
    expect(limited).toEqual(['c5', 'c4'])
    // Drop c3: history stops at c4, as a shallow clone's would.
    await backend.deleteObjects([ids[3]])
    const fresh = await Repo.open({ backend, contents: Contents.string })
    const shallow: string[] = []
    for await (const c of fresh.branch('main').history()) shallow.push(c.message)
    expect(shallow).toEqual(['c9', 'c8', 'c7', 'c6', 'c5', 'c4'])
  })
})

describe('lowestCommonAncestors equals git merge-base --all', () => {
  let gitDir: string
  beforeAll(() => {
    gitDir = initBareRepo()
  })
  afterAll(() => removeDir(gitDir))

  // A random DAG: each commit picks 1–3 parents among earlier commits (criss-crosses included).
  const dag = fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 40 })

  it('on random DAGs, for random pairs', async () => {
    const emptyTree = git(gitDir, ['mktree'], '').trim()
    await fc.assert(
      fc.asyncProperty(dag, fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 8 }), fc.boolean(), async (shape, pairs, sameDates) => {
        const ids: string[] = []
        for (const [i, parentPicks] of shape.entries()) {
          const parents = i === 0 ? [] : [...new Set(parentPicks.map(p => ids[p % i]))]
          const date = `${sameDates ? 1_600_000_000 : 1_600_000_000 + i * 60} +0000`
          ids.push(
            git(gitDir, ['commit-tree', emptyTree, ...parents.flatMap(p => ['-p', p]), '-m', `c${i}`], undefined, {
              GIT_AUTHOR_DATE: date,
              GIT_COMMITTER_DATE: date,
            }).trim(),
          )
        }
        const backend = openMemoryBackend()
        await importFromGit(gitDir, backend)
        const repo = await Repo.open({ backend, contents: Contents.string })
        for (const [x, y] of pairs) {
          const a = ids[x % ids.length]
          const b = ids[y % ids.length]
          const expected = git(gitDir, ['merge-base', '--all', a, b]).trim().split('\n').sort()
          const actual = (await repo.lowestCommonAncestors(a, b)).map(c => c.id).sort()
          expect(actual).toEqual(expected)
        }
      }),
      { numRuns: 40 },
    )
  })

  it('unrelated histories have no common ancestor', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const a = await repo.branch('a').set(['x'], '1')
    const b = await repo.branch('b').set(['y'], '2')
    expect(await repo.lowestCommonAncestors(a!.id, b!.id)).toEqual([])
    expect((await repo.lowestCommonAncestors(a!.id, a!.id)).map(c => c.id)).toEqual([a!.id])
  })
})

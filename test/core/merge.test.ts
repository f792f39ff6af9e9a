/**
 * Branch merges: fast-forward, up-to-date, three-way with structured conflicts and their
 * resolutions, criss-cross (recursive virtual ancestor), unrelated histories, the concurrent
 * writers' merge strategy, and parity with `git merge-tree --write-tree` on disjoint edits.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Contents, MergeConflictError, openMemoryBackend, Repo, type Backend } from '../../index.js'
import { exportToGit, git, initBareRepo, removeDir } from '../helpers/git.js'

async function openRepo<T>(contents: typeof Contents.string | typeof Contents.counter | ReturnType<typeof Contents.set> = Contents.string as never) {
  const backend = openMemoryBackend()
  return { backend, repo: await Repo.open({ backend, contents: contents as typeof Contents.string }) as unknown as Repo<T> }
}

async function headOf<T>(repo: Repo<T>, branch: string) {
  return (await repo.branch(branch).head())!
}

/** main and other, diverged so that merging them meets a content, a delete-modify and a file-directory conflict. */
async function conflictingBranches(repo: Repo<string>): Promise<void> {
  const main = repo.branch('main')
  await main.batch(tx => {
    tx.set(['same'], 'base')
    tx.set(['gone'], 'base')
    tx.set(['clash'], 'file')
  })
  await repo.createBranch('other')
  await main.batch(tx => {
    tx.set(['same'], 'ours')
    tx.remove(['gone'])
    tx.set(['clash'], 'still a file')
  })
  await repo.branch('other').batch(tx => {
    tx.set(['same'], 'theirs')
    tx.set(['gone'], 'theirs changed it')
    tx.set(['clash', 'now'], 'a directory')
  })
}

describe('merging branches', () => {
  it('fast-forwards, reports up-to-date, and merges diverged branches with a two-parent commit', async () => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await main.set(['a'], '1')
    await repo.createBranch('feature')
    await repo.branch('feature').set(['b'], '2')
    const ff = await repo.merge('feature', { into: 'main' })
    expect(ff.kind).toBe('fast-forward')
    expect(ff.head.id).toBe((await headOf(repo, 'feature')).id)
    expect((await repo.merge('feature', { into: 'main' })).kind).toBe('up-to-date')
    expect((await repo.merge('main', { into: 'feature' })).kind).toBe('up-to-date')

    const mainBefore = await main.set(['a'], 'main changed a')
    await repo.branch('feature').set(['c'], '3')
    const merged = await repo.merge('feature', { into: 'main', message: 'bring in c', author: 'M <m@example.org>' })
    expect(merged.kind).toBe('merge')
    expect(merged.head.parents).toEqual([mainBefore!.id, (await headOf(repo, 'feature')).id])
    expect(merged.head.message).toBe('bring in c')
    expect(await main.list()).toEqual(['a', 'b', 'c'])
    expect(await main.get(['a'])).toBe('main changed a')
    const noFf = await repo.branch('feature').mergeWithBranch('main', { fastForward: false })
    expect(noFf.kind).toBe('merge')
    expect(noFf.head.parents).toHaveLength(2)
  })

  it('a conflict lists path, kind and the three versions, and changes nothing', async () => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await conflictingBranches(repo)
    await main.set(['fine'], 'ours only')
    const before = await main.head()
    const error = (await repo.merge('other', { into: 'main' }).catch((e: unknown) => e)) as MergeConflictError
    expect(error).toBeInstanceOf(MergeConflictError)
    expect(error.code).toBe('ECONFLICT')
    expect(error.conflicts).toEqual([
      { path: ['clash'], kind: 'file-directory', reason: expect.any(String), base: 'file', ours: 'still a file' },
      { path: ['gone'], kind: 'delete-modify', reason: expect.stringContaining('deleted by ours'), base: 'base', theirs: 'theirs changed it' },
      { path: ['same'], kind: 'content', reason: expect.any(String), base: 'base', ours: 'ours', theirs: 'theirs' },
    ])
    expect(error.message).toMatch(/3 conflicts|merge conflicts/)
    expect((await main.head())!.id).toBe(before!.id)

    const ours = await repo.merge('other', { into: 'main', conflicts: 'ours' })
    expect(ours.conflicts).toHaveLength(3)
    expect(await main.get(['same'])).toBe('ours')
    expect(await main.find(['gone'])).toBeUndefined()
    expect(await main.get(['clash'])).toBe('still a file')
  })

  it.each([
    ['theirs', { same: 'theirs', gone: 'theirs changed it', 'clash/now': 'a directory' }],
    ['keep-both', { same: 'ours', 'same~theirs': 'theirs', gone: 'theirs changed it', 'clash/now': 'a directory', 'clash~ours': 'still a file' }],
    ['base', { same: 'base', gone: 'base', clash: 'file' }],
  ] as const)('conflicts: %s resolves every conflict that way', async (resolution, expected) => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await conflictingBranches(repo)
    await repo.merge('other', { into: 'main', conflicts: resolution })
    const values: Record<string, string> = {}
    for await (const [path, value] of (await main.tree()).walk()) values[path.join('/')] = value
    expect(values).toEqual(expected)
  })

  it('deleteModify lets the deletion or the modification win', async () => {
    for (const [policy, expected] of [
      ['delete', undefined],
      ['modify', 'changed'],
    ] as const) {
      const { repo } = await openRepo<string>()
      await repo.branch('main').set(['k'], 'base')
      await repo.createBranch('other')
      await repo.branch('main').remove(['k'])
      await repo.branch('other').set(['k'], 'changed')
      await repo.merge('other', { into: 'main', deleteModify: policy })
      expect(await repo.branch('main').find(['k'])).toBe(expected)
    }
  })

  it('counters merge by adding increments; unrelated histories merge against the empty tree', async () => {
    const { repo } = await openRepo<number>(Contents.counter)
    await repo.branch('main').set(['hits'], 10)
    await repo.createBranch('a')
    await repo.branch('a').set(['hits'], 15)
    await repo.branch('main').set(['hits'], 13)
    await repo.merge('a', { into: 'main' })
    expect(await repo.branch('main').get(['hits'])).toBe(18)
    await repo.branch('lonely').set(['other'], 1)
    const unrelated = await repo.merge('lonely', { into: 'main' })
    expect(unrelated.kind).toBe('merge')
    expect(await repo.branch('main').list()).toEqual(['hits', 'other'])
  })

  it('criss-cross merges use a virtual ancestor built from both lowest common ancestors', async () => {
    const { repo } = await openRepo<number>(Contents.counter)
    const [a, b] = [repo.branch('a'), repo.branch('b')]
    await a.set(['n'], 0)
    await repo.createBranch('b', (await a.head())!.id)
    await a.set(['n'], 1) // +1 on a
    await b.set(['n'], 10) // +10 on b
    const aHead = (await a.head())!.id
    const bHead = (await b.head())!.id
    // Criss-cross: each side merges the other's pre-merge head.
    await a.mergeWithCommit(bHead)
    await b.mergeWithCommit(aHead)
    expect(await a.get(['n'])).toBe(11)
    expect(await b.get(['n'])).toBe(11)
    await a.set(['n'], 111) // +100 on a
    await b.set(['n'], 1011) // +1000 on b
    expect((await repo.lowestCommonAncestors((await a.head())!.id, (await b.head())!.id)).length).toBe(2)
    await repo.merge('b', { into: 'a' })
    // Every increment counted once: 1 + 10 + 100 + 1000.
    expect(await a.get(['n'])).toBe(1111)
  })

  it('gives up with a typed error past maxDepth', async () => {
    const { repo } = await openRepo<string>()
    await repo.branch('main').set(['k'], '0')
    await repo.createBranch('x')
    for (let i = 1; i <= 30; i++) {
      await repo.branch('main').set(['k'], `m${i}`)
      await repo.branch('x').set(['j'], `x${i}`)
    }
    await expect(repo.merge('x', { into: 'main', maxDepth: 10 })).rejects.toMatchObject({ code: 'ETOODEEP' })
    await expect(repo.merge('x', { into: 'main', maxDepth: 1000 })).resolves.toMatchObject({ kind: 'merge' })
    await expect(repo.merge('missing', { into: 'main' })).rejects.toMatchObject({ code: 'ENOTFOUND' })
    await expect(repo.branch('main').mergeWithCommit('f'.repeat(40))).rejects.toMatchObject({ code: 'ENOTFOUND' })
  })
})

describe("concurrent writers' merge strategy", () => {
  it('a batch that lost the race is merged onto the new head, not run again', async () => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await main.set(['seed'], 'x')
    let runs = 0
    let release!: () => void
    const gate = new Promise<void>(resolve => (release = resolve))
    const slow = main.batch(async tx => {
      runs++
      await gate
      tx.set(['slow'], 'done')
    })
    await new Promise(resolve => setTimeout(resolve, 5))
    await main.set(['fast'], 'first') // moves the head while the batch is waiting
    release()
    await slow
    expect(runs).toBe(1)
    expect(await main.list()).toEqual(['fast', 'seed', 'slow'])
    let commits = 0
    for await (const c of main.history()) {
      commits++
      expect(c.parents.length).toBeLessThanOrEqual(1) // linear: merged onto the head, no merge commit
    }
    expect(commits).toBe(3)
  })

  it("replays a batch that read nothing over a conflicting change without running it again; 'reapply' runs it again", async () => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await main.set(['k'], 'base')
    for (const strategy of ['merge', 'reapply'] as const) {
      let runs = 0
      let release!: () => void
      const gate = new Promise<void>(resolve => (release = resolve))
      const slow = main.batch(
        async tx => {
          runs++
          if (runs === 1) await gate
          tx.set(['k'], `from the batch (${strategy})`)
        },
        { strategy },
      )
      await new Promise(resolve => setTimeout(resolve, 5))
      await main.set(['k'], 'concurrent')
      release()
      await slow
      expect(runs).toBe(strategy === 'merge' ? 1 : 2)
      expect(await main.get(['k'])).toBe(`from the batch (${strategy})`)
    }
  })
})

describe('tree merges agree with git merge-tree --write-tree on disjoint edits', () => {
  let gitDir: string
  beforeAll(() => {
    gitDir = initBareRepo()
  })
  afterAll(() => removeDir(gitDir))

  const name = fc.constantFrom('a', 'b', 'c', 'd', 'e')
  const path = fc.array(name, { minLength: 1, maxLength: 3 })
  // Random 64-hex-digit contents: distinct enough that git's rename detection pairs nothing.
  const content = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })

  it('random base trees and disjoint edits on each side', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(path, content), { minLength: 1, maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(), fc.option(content, { nil: null })), { maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.option(content, { nil: null })), { maxLength: 8 }),
        fc.array(fc.tuple(path, content), { maxLength: 4 }),
        async (files, oursEdits, theirsEdits, additions) => {
          const backend: Backend = openMemoryBackend()
          const repo = await Repo.open({ backend, contents: Contents.string })
          const main = repo.branch('main')
          await main.batch(tx => files.forEach(([p, v]) => tx.set(p, v)))
          const paths: string[][] = []
          for await (const [p] of (await main.tree()).walk()) paths.push([...p])
          await repo.createBranch('theirs')
          // Each side edits its own half of the existing paths, and adds files under its own directory.
          const edit = (edits: Array<[number, string | null]>, parity: number) =>
            edits.map(([i, v]) => [paths.filter((_, k) => k % 2 === parity)[i % Math.max(1, Math.ceil((paths.length - parity) / 2))], v] as const).filter(([p]) => p)
          await main.batch(tx => {
            for (const [p, v] of edit(oursEdits, 0)) v === null ? tx.remove(p!) : tx.set(p!, v)
            for (const [p, v] of additions) tx.set(['ours-new', ...p], v)
          })
          await repo.branch('theirs').batch(tx => {
            for (const [p, v] of edit(theirsEdits, 1)) v === null ? tx.remove(p!) : tx.set(p!, v)
            for (const [p, v] of additions) tx.set(['theirs-new', ...p], v)
          })
          await exportToGit(backend, gitDir)
          const expected = git(gitDir, ['merge-tree', '--write-tree', 'main', 'theirs']).split('\n')[0]
          const outcome = await repo.merge('theirs', { into: 'main' })
          expect(outcome.kind === 'merge' ? outcome.head.tree : outcome.head.tree).toBe(expected)
          await repo.close()
        },
      ),
      { numRuns: 40 },
    )
  })
})

describe('revert', () => {
  it('undoes what a commit did, keeps what came after, and reports conflicts', async () => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await main.set(['a'], '1')
    const change = await main.batch(tx => {
      tx.set(['a'], '2')
      tx.set(['b'], 'added')
    })
    await main.set(['c'], 'later')
    const reverted = await main.revert(change!.id)
    expect(reverted!.message).toMatch(/^revert [0-9a-f]{12}: batch/)
    expect(await main.get(['a'])).toBe('1')
    expect(await main.find(['b'])).toBeUndefined()
    expect(await main.get(['c'])).toBe('later')
    // Reverting the revert brings the change back.
    await main.revert(reverted!.id)
    expect(await main.get(['b'])).toBe('added')
    // A later change to the same path conflicts.
    const touched = await main.set(['c'], 'changed')
    await main.set(['c'], 'changed again')
    await expect(main.revert(touched!.id)).rejects.toMatchObject({ code: 'ECONFLICT' })
    await main.revert(touched!.id, { conflicts: 'theirs' })
    expect(await main.get(['c'])).toBe('later')
    await expect(main.revert('0'.repeat(40))).rejects.toMatchObject({ code: 'ENOTFOUND' })
  })
})

describe('a directory deleted on one side', () => {
  it('conflicts per file changed on the other side, and lets unchanged files go', async () => {
    const { repo } = await openRepo<string>()
    const main = repo.branch('main')
    await main.batch(tx => {
      tx.set(['docs', 'a'], 'a')
      tx.set(['docs', 'b'], 'b')
    })
    await repo.createBranch('other')
    await main.remove(['docs'])
    await repo.branch('other').batch(tx => {
      tx.set(['docs', 'b'], 'b changed')
      tx.set(['docs', 'new'], 'added')
    })
    const error = (await repo.merge('other', { into: 'main' }).catch((e: unknown) => e)) as MergeConflictError
    expect(error.conflicts.map(c => [c.path.join('/'), c.kind])).toEqual([['docs/b', 'delete-modify']])
    await repo.merge('other', { into: 'main', conflicts: 'theirs' })
    expect(await main.list(['docs'])).toEqual(['b', 'new'])
    expect(await main.get(['docs', 'b'])).toBe('b changed')
  })
})

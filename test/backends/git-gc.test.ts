/**
 * irminsule's GC and git's own `git gc` on one repository: after irminsule drops history outside
 * a window, `git fsck --strict` passes (the boundary is in git's `shallow` file) and `git log`
 * ends where irminsule's history does; after `git gc --prune=now`, irminsule reads everything.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Contents, openGitBackend, Repo } from '../../index.js'
import { PackWriter } from '../../backends/git/pack-writer.js'
import { PackSet } from '../../backends/git/pack-set.js'
import { idKey } from '../../backends/git/pack-index.js'
import { frameObject } from '../../core/objects/frame.js'
import { git, gitStatus, removeDir, tempDir } from '../helpers/git.js'

const dirs: string[] = []
afterAll(() => dirs.forEach(removeDir))

describe('GC on the git backend', () => {
  it('keeps git happy, and survives git gc', async () => {
    const dir = tempDir('irmin-git-gc-')
    dirs.push(dir)
    let repo = await Repo.open({ backend: await openGitBackend(dir, { create: true }), contents: Contents.string })
    const main = repo.branch('main')
    for (let i = 0; i < 12; i++) {
      await main.batch(tx => {
        for (let k = 0; k < 5; k++) tx.set([`d${k}`, `k${i % 3}`], `commit ${i} key ${k}`)
      })
    }
    await repo.createBranch('side')
    await repo.branch('side').set(['side'], 'only here')
    await repo.branch('scratch').set(['junk'], 'garbage soon')
    await repo.deleteBranch('scratch')
    const report = await repo.gc({ keepCommits: 4, pruneExpire: new Date() })
    expect(report.removed).toBeGreaterThan(0)
    expect(report.boundary).toHaveLength(1)
    expect(git(dir, ['cat-file', '-p', 'HEAD']).length).toBeGreaterThan(0)
    expect(git(dir, ['rev-parse', '--is-shallow-repository']).trim()).toBe('true')
    const fsck = gitStatus(dir, ['fsck', '--strict', '--no-dangling'])
    expect(fsck.status, fsck.stderr).toBe(0)
    const ours: string[] = []
    for await (const c of main.history()) ours.push(c.id)
    expect(git(dir, ['log', '--format=%H', 'main']).trim().split('\n')).toEqual(ours)
    expect((await repo.fsck()).damage).toEqual([])
    await repo.close()

    // git's own gc repacks and prunes; irminsule still reads every kept commit and the boundary.
    git(dir, ['gc', '--prune=now', '--quiet'])
    repo = await Repo.open({ backend: await openGitBackend(dir), contents: Contents.string })
    const after: string[] = []
    for await (const c of repo.branch('main').history()) after.push(c.id)
    expect(after).toEqual(ours)
    expect(await repo.branch('main').get(['d3', 'k2'])).toBe('commit 11 key 3')
    expect(await repo.branch('side').get(['side'])).toBe('only here')
    expect((await repo.fsck()).damage).toEqual([])
    // A full GC with no window keeps everything reachable; git still agrees.
    await repo.gc()
    expect(gitStatus(dir, ['fsck', '--strict', '--no-dangling']).status).toBe(0)
    await repo.close()
  })

  it('rewrites a pack once per collection: 20,000 garbage objects in one pack make one new pack', async () => {
    const dir = tempDir('irmin-git-gc-once-')
    dirs.push(dir)
    const repo = await Repo.open({ backend: await openGitBackend(dir, { create: true }), contents: Contents.string })
    const main = repo.branch('main')
    await main.batch(tx => {
      tx.set(['keep'], 'kept')
      for (let i = 0; i < 20_000; i++) tx.set(['junk', `d${i % 100}`, `k${i}`], `garbage ${i}`)
    })
    await main.remove(['junk'])
    const packs = () => readdirSync(join(dir, 'objects', 'pack')).filter(name => name.endsWith('.pack'))
    expect(packs()).toHaveLength(2) // the big commit's pack, the small one's
    const created = vi.spyOn(PackWriter, 'create')
    try {
      const report = await repo.gc({ keepCommits: 1, pruneExpire: new Date() })
      expect(report.removed).toBeGreaterThan(20_000)
      expect(created).toHaveBeenCalledTimes(1)
    } finally {
      created.mockRestore()
    }
    expect(packs()).toHaveLength(2)
    expect(await main.get(['keep'])).toBe('kept')
    expect((await repo.fsck()).damage).toEqual([])
    expect(gitStatus(dir, ['fsck', '--strict', '--no-dangling']).status).toBe(0)
    await repo.close()
  })

  it('a put of an object that a deletion under way is dropping from its pack stores it again', async () => {
    const dir = tempDir('irmin-git-gc-put-')
    dirs.push(dir)
    const backend = await openGitBackend(dir, { create: true })
    const blob = (text: string) => {
      const framed = frameObject('blob', new TextEncoder().encode(text))
      return [git(dir, ['hash-object', '--stdin'], text).trim(), framed] as const
    }
    const doomed = blob('doomed')
    const other = blob('other')
    await backend.putObjects([doomed, other])
    const deleting = backend.deleteObjects([doomed[0]])
    await backend.putObjects([doomed]) // called after the deletion: it must win
    await deleting
    expect(await backend.hasObjects([doomed[0], other[0]])).toEqual([true, true])
    await backend.close()
  })

  it('a pack whose doomed ids were all stored again while earlier packs were rewritten keeps its objects', async () => {
    // The collection rewrites the packs holding doomed ids one after another. A put during the
    // first rewrites rescues the last pack's only doomed id: that pack's rewrite then drops
    // nothing, gives the same bytes under the same name, and must not be deleted as a source.
    const dir = tempDir('irmin-git-gc-same-pack-')
    dirs.push(dir)
    const backend = await openGitBackend(dir, { create: true, maxPacks: 100_000 })
    const blob = (text: string) => {
      const bytes = new TextEncoder().encode(text)
      return [git(dir, ['hash-object', '--stdin'], text).trim(), frameObject('blob', bytes)] as const
    }
    const packs = Array.from({ length: 12 }, (_, i) => [blob(`kept ${i}`), blob(`doomed ${i}`)] as const)
    for (const pack of packs) await backend.putObjects(pack)
    const deletions = backend.beginDeletions()
    await deletions.delete(packs.map(([, doomed]) => doomed[0]))
    const finishing = deletions.finish()
    // Rescue every doomed id but the first pack's, while the first rewrites run.
    await new Promise(resolve => setImmediate(resolve))
    await backend.putObjects(packs.slice(1).map(([, doomed]) => doomed))
    await finishing
    const kept = packs.map(([kept]) => kept[0])
    expect(await backend.hasObjects(kept)).toEqual(kept.map(() => true))
    expect(await backend.hasObjects(packs.map(([, doomed]) => doomed[0]))).toEqual(packs.map((_, i) => i > 0))
    const fsck = gitStatus(dir, ['fsck', '--strict', '--no-dangling'])
    expect(fsck.status, fsck.stderr).toBe(0)
    await backend.close()
  })

  it('pending deletions read as done: absent before finish, present again once stored again', async () => {
    // Deferred on disk only: a read during the sweep must not load (and a cache keep) a doomed
    // object that a write could build on after the sweep, when it is gone for good.
    const dir = tempDir('irmin-git-gc-pending-')
    dirs.push(dir)
    const backend = await openGitBackend(dir, { create: true })
    const blob = (text: string) => [git(dir, ['hash-object', '--stdin'], text).trim(), frameObject('blob', new TextEncoder().encode(text))] as const
    const [kept, doomed, back] = [blob('kept'), blob('doomed'), blob('stored again')]
    await backend.putObjects([kept, doomed, back])
    const deletions = backend.beginDeletions()
    await deletions.delete([doomed[0], back[0]])
    expect(await backend.getObjects([kept[0], doomed[0], back[0]])).toEqual([kept[1], undefined, undefined])
    expect(await backend.hasObjects([kept[0], doomed[0], back[0]])).toEqual([true, false, false])
    await backend.putObjects([back])
    expect(await backend.getObjects([back[0]])).toEqual([back[1]])
    await deletions.finish()
    expect(await backend.hasObjects([kept[0], doomed[0], back[0]])).toEqual([true, false, true])
    expect(gitStatus(dir, ['fsck', '--strict', '--no-dangling']).status).toBe(0)
    await backend.close()
  })

  it('a pack being discarded is not loaded again by a lookup that rescans meanwhile', async () => {
    // A miss makes a lookup rescan the pack directory; one while a discarded pack's index is
    // still on disk must not bring the pack back, answering for objects that are being deleted.
    const dir = tempDir('irmin-git-gc-discard-')
    dirs.push(dir)
    const backend = await openGitBackend(dir, { create: true })
    const blob = (text: string) => [git(dir, ['hash-object', '--stdin'], text).trim(), frameObject('blob', new TextEncoder().encode(text))] as const
    const [first, second] = [blob('first'), blob('second')]
    await backend.putObjects([first])
    await backend.putObjects([second])
    await backend.close()
    const packs = new PackSet(join(dir, 'objects', 'pack'))
    packs.rescan()
    const doomed = packs.all.find(pack => pack.index.find(idKey(first[0])) >= 0)!
    const discarding = packs.discard([doomed])
    packs.rescan()
    await discarding
    expect(packs.has(first[0])).toBe(false)
    expect(packs.all.map(pack => pack.name)).toEqual(readdirSync(join(dir, 'objects', 'pack')).filter(f => f.endsWith('.idx')).map(f => f.slice(0, -4)))
    packs.close()
  })
})

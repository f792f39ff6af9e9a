/**
 * Trees are lazy (read only what a path goes through), write only the objects on changed paths,
 * build each changed directory once per batch, batch their reads, and diff by id.
 */
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, type Backend } from '../../index.js'
import { countingBackend } from '../helpers/counting-backend.js'

/** A store with keys a<i>/b<j>/k<k>, 10 × 10 × 10, written in one commit. */
async function threeLevelStore(): Promise<Backend> {
  const backend = openMemoryBackend()
  const repo = await Repo.open({ backend, contents: Contents.string })
  await repo.branch('main').batch(tx => {
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) for (let k = 0; k < 10; k++) tx.set([`a${i}`, `b${j}`, `k${k}`], `${i}.${j}.${k}`)
  })
  return backend
}

describe('lazy trees', () => {
  it('opening a commit reads only the commit; a read loads the directories on its path once', async () => {
    const { backend, counts, reset } = countingBackend(await threeLevelStore())
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    reset()
    await main.head()
    expect(counts.objectsRead).toBe(1)
    await main.tree()
    expect(counts.objectsRead).toBe(1)
    expect(await main.get(['a1', 'b2', 'k3'])).toBe('1.2.3')
    expect(counts.objectsRead).toBe(1 + 4) // root, a1, a1/b2, the blob
    expect(await main.get(['a1', 'b2', 'k3'])).toBe('1.2.3')
    expect(counts.objectsRead).toBe(5) // cached
    expect(await main.get(['a1', 'b2', 'k4'])).toBe('1.2.4')
    expect(counts.objectsRead).toBe(6) // only the new blob
    expect(await main.list(['a7'])).toHaveLength(10)
    expect(counts.objectsRead).toBe(7) // a7 alone
  })

  it('a one-key change writes the objects on its path and nothing else, in one batch', async () => {
    const { backend, counts, reset } = countingBackend(await threeLevelStore())
    const repo = await Repo.open({ backend, contents: Contents.string })
    reset()
    await repo.branch('main').set(['a3', 'b3', 'k3'], 'changed')
    expect(counts.putCalls).toBe(1)
    expect(counts.objectsWritten).toBe(5) // blob, a3/b3, a3, root, commit
    reset()
    await repo.branch('main').set(['a3', 'b3', 'new', 'deeper'], 'x')
    expect(counts.objectsWritten).toBe(6)
  })

  it('a batch builds each changed directory once', async () => {
    const { backend, counts, reset } = countingBackend(await threeLevelStore())
    const repo = await Repo.open({ backend, contents: Contents.string })
    reset()
    await repo.branch('main').batch(tx => {
      for (let k = 0; k < 100; k++) tx.set(['a0', 'b0', `n${k}`], `new ${k}`)
      for (let k = 0; k < 100; k++) tx.set(['a9', `c${k % 5}`, `n${k}`], `other ${k}`)
    })
    // 200 blobs; directories a0/b0, a0, a9/c0..c4, a9, root; the commit.
    expect(counts.objectsWritten).toBe(200 + 2 + 6 + 1 + 1)
    expect(new Set(counts.written).size).toBe(counts.objectsWritten)
  })

  it('cold reads of many paths are batched', async () => {
    const { backend, counts, reset } = countingBackend(await threeLevelStore())
    const repo = await Repo.open({ backend, contents: Contents.string })
    reset()
    const values: string[] = []
    for await (const [, v] of (await repo.branch('main').tree()).walk()) values.push(v)
    expect(values).toHaveLength(1000)
    expect(counts.objectsRead).toBe(1 + 1 + 10 + 100 + 1000)
    expect(counts.getCalls).toBeLessThan(250) // one batch per directory level or per directory's values, not per object
  })

  it('diff reads only what differs and reports values on both sides', async () => {
    const { backend, counts, reset } = countingBackend(await threeLevelStore())
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const before = await main.tree()
    await main.batch(tx => {
      tx.set(['a2', 'b2', 'k2'], 'updated')
      tx.remove(['a4', 'b4', 'k4'])
      tx.set(['a5', 'new'], 'added')
    })
    const after = await main.tree()
    repo.objects.clearCache()
    reset()
    const changes = await before.diff(after)
    expect(changes).toEqual([
      { path: ['a2', 'b2', 'k2'], kind: 'updated', before: '2.2.2', after: 'updated' },
      { path: ['a4', 'b4', 'k4'], kind: 'removed', before: '4.4.4' },
      { path: ['a5', 'new'], kind: 'added', after: 'added' },
    ])
    expect(counts.objectsRead).toBeLessThan(20)
    expect(await after.diff(after)).toEqual([])
  })

  it('a file replaced by a directory diffs as a removal and additions', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const t0 = await repo.emptyTree().set(['x'], 'file')
    const t1 = await t0.update([
      { op: 'set', path: ['x', 'a'], value: '1' },
      { op: 'set', path: ['x', 'b', 'c'], value: '2' },
    ])
    expect(await t0.diff(t1)).toEqual([
      { path: ['x'], kind: 'removed', before: 'file' },
      { path: ['x', 'a'], kind: 'added', after: '1' },
      { path: ['x', 'b', 'c'], kind: 'added', after: '2' },
    ])
  })
})

describe('tree values', () => {
  it('are immutable: a change returns a new tree and leaves the old one as it was', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const t0 = repo.emptyTree()
    const t1 = await t0.set(['a', 'b'], 'one')
    const t2 = await t1.set(['a', 'c'], 'two')
    const t3 = await t2.remove(['a', 'b'])
    expect(await t0.list()).toEqual([])
    expect(await t1.list(['a'])).toEqual(['b'])
    expect(await t2.list(['a'])).toEqual(['b', 'c'])
    expect(await t3.list(['a'])).toEqual(['c'])
    expect(await t3.kind(['a'])).toBe('dir')
    expect(await t3.kind(['a', 'c'])).toBe('file')
    expect(await t3.kind(['zz'])).toBeUndefined()
    expect(t0.hash()).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904') // git's empty tree
    expect(t2.hash()).not.toBe(t3.hash())
    expect((await t3.remove(['a', 'c'])).hash()).toBe(t0.hash()) // emptied directories disappear
  })

  it('setTree grafts a subtree, getTree/findTree read one, and an empty graft removes', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const main = repo.branch('main')
    await main.batch(tx => {
      tx.set(['src', 'x'], '1')
      tx.set(['src', 'y', 'z'], '2')
    })
    const sub = await main.getTree(['src'])
    await main.setTree(['copy', 'of'], sub)
    expect(await main.get(['copy', 'of', 'y', 'z'])).toBe('2')
    expect((await main.getTree(['copy', 'of'])).hash()).toBe(sub.hash())
    expect(await main.findTree(['src', 'x'])).toBeUndefined()
    await expect(main.getTree(['nope'])).rejects.toMatchObject({ code: 'ENOTFOUND' })
    await main.setTree(['src'], repo.emptyTree())
    expect(await main.list()).toEqual(['copy'])
    await main.withTree(['copy'], t => t!.set(['added'], '3'))
    expect(await main.list(['copy'])).toEqual(['added', 'of'])
    await main.withTree(['copy'], () => undefined)
    expect(await main.list()).toEqual([])
  })

  it('lists names in code-point order and reads through a batch', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.json })
    const main = repo.branch('main')
    await main.batch(async tx => {
      for (const name of ['b', 'a.b', 'a-b', 'a', 'é', 'Z']) tx.set(['d', name], { name })
      expect(await tx.get(['d', 'é'])).toEqual({ name: 'é' })
      tx.remove(['d', 'Z'])
      expect(await tx.find(['d', 'Z'])).toBeUndefined()
      expect(await tx.list(['d'])).toEqual(['a', 'a-b', 'a.b', 'b', 'é'])
    })
    expect(await main.list(['d'])).toEqual(['a', 'a-b', 'a.b', 'b', 'é'])
    expect(await main.get(['d', 'a-b'])).toEqual({ name: 'a-b' })
  })
})

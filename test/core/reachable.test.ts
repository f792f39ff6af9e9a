/** The reachability walk: counts, damage (missing objects) and history boundaries (absent parents). */
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { reachable } from '../../core/reachable.js'

describe('reachable', () => {
  it('visits each object once, reports absent trees and blobs as missing and absent parents as boundaries', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const c1 = await main.set(['a', 'x'], 'same')
    const c2 = await main.set(['b', 'y'], 'same') // the same blob again
    const c3 = await main.set(['a', 'z'], 'other')
    const all = await reachable(repo.objects, [c3!.id, c3!.id], { readBlobs: true })
    expect([all.commits, all.blobs, all.missing, all.boundary]).toEqual([3, 2, [], []])
    expect(all.trees).toBe(1 + 1 + 1 + 1 + 1 + 1) // roots c1..c3, a@c1, b@c2, a@c3
    let total = 0
    for await (const _ of backend.objectIds()) total++
    expect(all.seen.size).toBe(total)

    // Cut history below c2, and lose a blob: one is a boundary, the other damage.
    await backend.deleteObjects([c1!.id])
    const blobZ = await (await main.tree()).findId(['a', 'z'])
    await backend.deleteObjects([blobZ!])
    const fresh = await Repo.open({ backend, contents: Contents.string })
    const cut = await reachable(fresh.objects, [c3!.id])
    expect(cut.boundary).toEqual([c2!.id])
    expect(cut.missing).toEqual([blobZ])
    expect(cut.commits).toBe(2)
    await expect(reachable(fresh.objects, ['0'.repeat(40)])).resolves.toMatchObject({ missing: ['0'.repeat(40)] })
  })
})

/** File times come from the commit that last changed each file. */
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { CommitTimes } from '../../nfs-export/commit-times.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('commit times', () => {
  it('gives each name the date of the commit that made its current version', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
    const main = repo.branch('main')
    const day = (n: number) => new Date(Date.UTC(2024, 0, n))
    await main.batch(tx => { tx.set(['d', 'a'], enc('1')); tx.set(['d', 'b'], enc('1')); tx.set(['d', 'c'], enc('1')) }, { date: day(1) })
    await main.set(['d', 'b'], enc('2'), { date: day(2) })
    await main.set(['elsewhere'], enc('x'), { date: day(3) })
    await main.set(['d', 'c'], enc('2'), { date: day(4) })
    await main.set(['d', 'c'], enc('1'), { date: day(5) }) // back to an old version: still a change
    await main.set(['d', 'sub', 'x'], enc('1'), { date: day(6) })
    const times = new CommitTimes(repo, main)
    const head = await main.headId()
    expect(await times.of(head, ['d'], 'a')).toBe(day(1).getTime())
    expect(await times.of(head, ['d'], 'b')).toBe(day(2).getTime())
    expect(await times.of(head, ['d'], 'c')).toBe(day(5).getTime())
    expect(await times.of(head, ['d'], 'sub')).toBe(day(6).getTime())
    expect(await times.of(head, [], 'd')).toBe(day(6).getTime())
    expect(await times.of(head, [], 'elsewhere')).toBe(day(3).getTime())
    expect(await times.of(head, ['d'], 'missing')).toBeUndefined()
    const shallow = new CommitTimes(repo, main, 3)
    expect(await shallow.of(head, ['d'], 'a')).toBe(day(4).getTime()) // unchanged in the walk: the oldest date it reached
    // One commit on: the times carry over, and what it changed gets its date.
    await main.set(['d', 'a'], enc('3'), { date: day(7) })
    const next = await main.headId()
    expect(await times.of(next, ['d'], 'a')).toBe(day(7).getTime())
    expect(await times.of(next, ['d'], 'b')).toBe(day(2).getTime())
    await main.remove(['d', 'b'], { date: day(8) })
    expect(await times.of(await main.headId(), ['d'], 'b')).toBeUndefined()
    expect(await times.of(await main.headId(), ['d'], 'c')).toBe(day(5).getTime())
    // The export's own commits name the paths they changed: the same times, with no diff.
    const hinted = async (date: Date, paths: string[][], change: () => Promise<unknown>) => {
      await change()
      const id = (await main.headId())!
      times.changed(id, paths)
      return id
    }
    let id = await hinted(day(9), [['d', 'a'], ['d', 'c']], () => main.batch(tx => { tx.set(['d', 'a'], enc('4')); tx.set(['d', 'c'], enc('1')) }, { date: day(9) }))
    expect(await times.of(id, ['d'], 'a')).toBe(day(9).getTime())
    expect(await times.of(id, ['d'], 'c')).toBe(day(5).getTime()) // set to what it was: unchanged
    id = await hinted(day(10), [['d', 'sub', 'y']], () => main.set(['d', 'sub', 'y'], enc('1'), { date: day(10) }))
    expect(await times.of(id, ['d'], 'sub')).toBe(day(10).getTime())
    expect(await times.of(id, ['d'], 'a')).toBe(day(9).getTime())
    // A commit that replaced the directory itself: diffed as before.
    id = await hinted(day(11), [['d']], () => main.batch(tx => { tx.remove(['d']); tx.set(['d', 'a'], enc('4')) }, { date: day(11) }))
    expect(await times.of(id, ['d'], 'a')).toBe(day(9).getTime())
    expect(await times.of(id, ['d'], 'c')).toBeUndefined()
    await repo.close()
  })
})

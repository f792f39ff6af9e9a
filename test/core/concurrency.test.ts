/**
 * Concurrent writers on one branch: every write moves the branch by compare-and-swap and, on a
 * lost race, re-applies itself to the new head, so nothing is lost.
 */
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, type Backend } from '../../index.js'

describe('concurrent writers', () => {
  it('8 writers × 200 sets on one branch: every value present, one commit per set', async () => {
    const backend = openMemoryBackend()
    // Two repos on one backend, as two parts of an app would have: their caches are separate.
    const repos = await Promise.all([0, 1].map(() => Repo.open({ backend, contents: Contents.string })))
    const writer = async (w: number) => {
      const store = repos[w % 2].branch('main')
      for (let i = 0; i < 200; i++) await store.set([`w${w}`, `k${i}`], `${w}:${i}`, { message: `writer ${w} set ${i}` })
    }
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)))
    const main = repos[0].branch('main')
    for (let w = 0; w < 8; w++) {
      expect(await main.list([`w${w}`])).toHaveLength(200)
      for (let i = 0; i < 200; i++) expect(await main.get([`w${w}`, `k${i}`])).toBe(`${w}:${i}`)
    }
    const messages = new Set<string>()
    for await (const c of main.history()) messages.add(c.message)
    expect(messages.size).toBe(1600)
  })

  it('concurrent testAndSet increments: exactly one wins each round, none lost', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.json })
    const main = repo.branch('main')
    const increment = async () => {
      for (;;) {
        const current = (await main.find(['counter'])) as number | undefined
        if (await main.testAndSet(['counter'], current, (current ?? 0) + 1)) return
      }
    }
    await Promise.all(Array.from({ length: 50 }, increment))
    expect(await main.get(['counter'])).toBe(50)
    let commits = 0
    for await (const _ of main.history()) commits++
    expect(commits).toBe(50)
  })

  it('concurrent batches on several branches keep each branch consistent', async () => {
    const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.string })
    const work = async (branch: string, w: number) => {
      for (let i = 0; i < 30; i++) {
        await repo.branch(branch).batch(tx => {
          tx.set(['a', `${w}-${i}`], 'x')
          tx.set(['b', `${w}-${i}`], 'y')
        })
      }
    }
    await Promise.all(['one', 'two'].flatMap(b => [0, 1, 2].map(w => work(b, w))))
    for (const b of ['one', 'two']) {
      expect(await repo.branch(b).list(['a'])).toHaveLength(90)
      expect(await repo.branch(b).list(['b'])).toHaveLength(90)
    }
  })

  it('a write that fails leaves the branch as it was', async () => {
    const inner = openMemoryBackend()
    let failPuts = false
    const backend: Backend = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
      putObjects: async (objects: Parameters<Backend['putObjects']>[0]) => {
        if (failPuts) throw new Error('disk full')
        return inner.putObjects(objects)
      },
    })
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const head = await main.set(['a'], '1')
    failPuts = true
    await expect(main.set(['a'], '2')).rejects.toThrow('disk full')
    expect((await main.head())!.id).toBe(head!.id)
    expect(await main.get(['a'])).toBe('1')
    failPuts = false
    await main.set(['a'], '3')
    expect(await main.get(['a'])).toBe('3')
  })

  it('gives up with a typed error when the branch never stops moving', async () => {
    const inner = openMemoryBackend()
    const backend: Backend = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, { casRef: async () => false })
    const repo = await Repo.open({ backend, contents: Contents.string, maxAttempts: 5 })
    await expect(repo.branch('main').set(['a'], '1')).rejects.toMatchObject({ code: 'ECONCURRENT', attempts: 5 })
  })
})

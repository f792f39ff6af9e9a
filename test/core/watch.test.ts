/** Watches report each change under their path, in order, from any repo sharing the backend. */
import { describe, expect, it } from 'vitest'
import { Contents, openMemoryBackend, Repo, type WatchEvent } from '../../index.js'
import { countingBackend } from '../helpers/counting-backend.js'

function recorder<T>() {
  const events: WatchEvent<T>[] = []
  let wake: (() => void) | undefined
  return {
    events,
    listener: (e: WatchEvent<T>) => {
      events.push(e)
      wake?.()
    },
    async until(count: number) {
      while (events.length < count) await new Promise<void>(resolve => (wake = resolve))
    },
  }
}

describe('watch', () => {
  it('reports changes under its path with values, and nothing else', async () => {
    const backend = openMemoryBackend()
    const repo = await Repo.open({ backend, contents: Contents.string })
    const main = repo.branch('main')
    const r = recorder<string>()
    const stop = main.watch(['a'], r.listener)
    await main.set(['a', 'x'], '1')
    await main.set(['b'], 'elsewhere')
    await main.set(['a', 'x'], '2')
    await main.remove(['a', 'x'])
    await r.until(3)
    expect(r.events.map(e => e.changes)).toEqual([
      [{ path: ['a', 'x'], kind: 'added', after: '1' }],
      [{ path: ['a', 'x'], kind: 'updated', before: '1', after: '2' }],
      [{ path: ['a', 'x'], kind: 'removed', before: '2' }],
    ])
    expect(r.events[1].branch).toBe('main')
    expect(r.events[1].after!.message).toBe('set a/x')
    stop()
    await main.set(['a', 'y'], 'after stop')
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(r.events).toHaveLength(3)
  })

  it('watches a single key, and sees writes made through another repo on the same backend', async () => {
    const backend = openMemoryBackend()
    const watching = await Repo.open({ backend, contents: Contents.string })
    const writing = await Repo.open({ backend, contents: Contents.string })
    const r = recorder<string>()
    watching.branch('main').watch(['k'], r.listener)
    await writing.branch('main').set(['k'], 'v1')
    await writing.branch('other').set(['k'], 'not this branch')
    await writing.branch('main').set(['k', 'sub'], 'k is now a directory')
    await r.until(2)
    expect(r.events.map(e => e.changes)).toEqual([
      [{ path: ['k'], kind: 'added', after: 'v1' }],
      [
        { path: ['k'], kind: 'removed', before: 'v1' },
        { path: ['k', 'sub'], kind: 'added', after: 'k is now a directory' },
      ],
    ])
  })

  it('without backend support, the repo reports its own writes', async () => {
    const { backend } = countingBackend(openMemoryBackend()) // the wrapper has no watchRefs
    const repo = await Repo.open({ backend, contents: Contents.string })
    const r = recorder<string>()
    repo.branch('main').watch(r.listener)
    await repo.branch('main').set(['a'], '1')
    await repo.branch('main').batch(tx => {
      tx.set(['b'], '2')
      tx.set(['c'], '3')
    })
    await r.until(2)
    expect(r.events[1].changes.map(c => c.path)).toEqual([['b'], ['c']])
  })
})

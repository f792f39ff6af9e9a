/**
 * Merge pushes against a server in-process: the listing starts from what the remote branch was
 * when last heard from (its tracking ref), falling back to the remote's refs when the remote no
 * longer holds that commit; and a branch that moves between the server's look and its swap is
 * merged again instead of answered ESTALE.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SyncTransport } from '../../sync/index.js'
import { bytes, closeServers, contentsOf, openRepo, serveRepo } from './helpers.js'

afterEach(closeServers)

async function served() {
  const server = await openRepo()
  for (let i = 0; i < 20; i++) await server.branch('main').set(['history', String(i)], bytes(`h${i}`))
  const url = await serveRepo(server)
  const alice = await openRepo()
  await alice.clone(url)
  const bob = await openRepo()
  await bob.clone(url)
  return { server, url, alice, bob }
}

/** A transport that records how many ids each `has` asked about. */
function countingHas(url: string): { transport: SyncTransport; asked: number[] } {
  const transport = new SyncTransport(url)
  const asked: number[] = []
  const post = transport.postJson.bind(transport)
  transport.postJson = (route, body) => {
    if (route === 'has') asked.push((body as { ids: string[] }).ids.length)
    return post(route, body)
  }
  return { transport, asked }
}

describe('merge pushes', () => {
  it('list only what the tracking ref does not reach when the remote moved to a head this store lacks', async () => {
    const { server, url, alice, bob } = await served()
    await bob.branch('main').set(['bob'], bytes('b'))
    await bob.push(url, 'main')
    await alice.branch('main').set(['alice'], bytes('a'))
    const { transport, asked } = countingHas(url)
    const result = await alice.push('origin', 'main', { mode: 'merge', transport })
    expect(result.merged).toBe(true)
    // The tracked commit, then alice's commit, its root tree and blob: not the 20 commits before.
    expect(asked).toEqual([4])
    expect(result.objects).toBe(3)
    expect(await contentsOf(server)).toContainEqual(['alice', 'a'])
    expect(await contentsOf(server)).toContainEqual(['bob', 'b'])
    expect((await server.fsck()).damage).toEqual([])
  })

  it('fall back to the remote refs when the remote does not hold the tracked commit', async () => {
    const { server, url, alice, bob } = await served()
    await bob.branch('main').set(['bob'], bytes('b'))
    await bob.push(url, 'main')
    // The tracking ref names a commit only alice has (as after a forced push and a collection there).
    const lost = (await alice.branch('side').set(['lost'], bytes('l')))!.id
    await alice.backend.casRef('refs/remotes/origin/main', await alice.backend.getRef('refs/remotes/origin/main'), lost)
    await alice.branch('main').set(['alice'], bytes('a'))
    const { transport, asked } = countingHas(url)
    const result = await alice.push('origin', 'main', { mode: 'merge', transport })
    expect(result.merged).toBe(true)
    expect(asked.length).toBe(2)
    expect(asked[1]).toBeGreaterThan(20)
    expect(await contentsOf(server)).toContainEqual(['alice', 'a'])
    expect(await contentsOf(server)).not.toContainEqual(['lost', 'l'])
    expect((await server.fsck()).damage).toEqual([])
  })

  it('merge again on the server when the branch moves between its look and its swap', async () => {
    const { server, url, alice } = await served()
    await alice.branch('main').set(['alice'], bytes('a'))
    const cas = server.backend.casRef.bind(server.backend)
    let moves = 3
    let inside = false
    server.backend.casRef = async (ref, expected, next) => {
      // Another writer lands just before each of the push's first three swaps.
      if (ref === 'refs/heads/main' && moves > 0 && !inside) {
        moves--
        inside = true
        await server.branch('main').set(['intruder', String(moves)], bytes('i')).finally(() => (inside = false))
      }
      return cas(ref, expected, next)
    }
    const { transport } = countingHas(url)
    const result = await alice.push('origin', 'main', { mode: 'merge', transport, retries: 0 })
    expect(result.merged).toBe(true)
    expect(moves).toBe(0)
    const contents = await contentsOf(server)
    expect(contents).toEqual(expect.arrayContaining([['alice', 'a'], ['intruder/0', 'i'], ['intruder/1', 'i'], ['intruder/2', 'i']]))
    expect(transport.requests).toBe(5) // refs, has, push, then refs and fetch of the merge: no second attempt
    expect((await server.fsck()).damage).toEqual([])
  })
})

/**
 * Clone and fetch against a server in-process: full, depth (SHALLOW), every filter, incremental
 * fetch sending only new objects, a no-op fetch in one round trip, remotes and tracking refs.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MissingObjectError, NotFoundError } from '../../index.js'
import { addRemote, clone, fetchRemote, listRemotes, REMOTES_REF, removeRemote, SyncTransport } from '../../sync/index.js'
import { bytes, closeServers, contentsOf, makeHistory, objectIds, openRepo, serveRepo } from './helpers.js'

afterEach(closeServers)

async function served(commits = 6) {
  const server = await openRepo()
  await makeHistory(server, commits)
  await server.branch('side').set(['side.txt'], bytes('side'))
  return { server, url: await serveRepo(server) }
}

describe('clone', () => {
  it('full: every branch, the same contents, remote origin with tracking refs, fsck clean', async () => {
    const { server, url } = await served()
    const repo = await openRepo()
    const result = await repo.clone(url)
    expect(await repo.branches()).toEqual(['main', 'side'])
    expect(await contentsOf(repo)).toEqual(await contentsOf(server))
    expect(await contentsOf(repo, 'side')).toEqual(await contentsOf(server, 'side'))
    expect(await repo.backend.getRef('refs/remotes/origin/main')).toBe(await server.branch('main').headId())
    expect(await listRemotes(repo)).toEqual([{ name: 'origin', url }])
    // Everything reachable, nothing else: the object sets are equal (but for the remotes record).
    const remotes = await repo.backend.getRef(REMOTES_REF)
    expect(new Set([...(await objectIds(repo.backend))].filter(id => id !== remotes))).toEqual(await objectIds(server.backend))
    expect(result.objects).toBe((await objectIds(server.backend)).size)
    expect((await repo.fsck()).damage).toEqual([])
    const log = []
    for await (const c of repo.branch('main').history()) log.push(c.message)
    expect(log).toHaveLength(6)
  })

  it('depth 2: two commits per line, the boundary recorded as SHALLOW, fsck clean, GC keeps it', async () => {
    const { server, url } = await served(5)
    const repo = await openRepo()
    await clone(repo, url, { depth: 2 })
    const log = []
    for await (const c of repo.branch('main').history()) log.push(c.message)
    expect(log).toEqual(['commit 4', 'commit 3'])
    const third = (await server.branch('main').head())!.parents[0]
    const shallow = await import('../../core/index.js').then(core => core.readShallow(repo.objects))
    expect(shallow).toContain(third)
    expect((await repo.fsck()).damage).toEqual([])
    await repo.gc()
    expect((await repo.fsck()).damage).toEqual([])
    expect(await contentsOf(repo)).toEqual(await contentsOf(server))
  })

  it('path: holds only the subtree (and the trees on the way); elsewhere is missing', async () => {
    const { server, url } = await served()
    const repo = await openRepo()
    await clone(repo, url, { path: 'src/lib' })
    const main = repo.branch('main')
    expect(await main.list(['src', 'lib'])).toEqual(await server.branch('main').list(['src', 'lib']))
    for (const name of await main.list(['src', 'lib'])) expect(await main.get(['src', 'lib', name])).toEqual(await server.branch('main').get(['src', 'lib', name]))
    await expect(main.get(['readme'])).rejects.toBeInstanceOf(MissingObjectError)
    await expect(main.list(['docs'])).rejects.toBeInstanceOf(MissingObjectError)
    // Only src/lib's blobs, of every commit: none of docs/ or readme.
    const serverTree = await server.branch('main').tree()
    const readme = await serverTree.findId(['readme'])
    const held = await objectIds(repo.backend)
    expect(held.has(readme!)).toBe(false)
    expect(held.has((await serverTree.findId(['docs']))!)).toBe(false)
    expect(held.has((await serverTree.findId(['src', 'lib', 'm0.ts']))!)).toBe(true)
  })
})

describe('fetch filters', () => {
  it('blob:none sends commits and trees, tree:0 commits only', async () => {
    const { server, url } = await served(3)
    const counts = { commit: 0, tree: 0, blob: 0 }
    for await (const id of server.backend.objectIds()) {
      const [framed] = await server.backend.getObjects([id])
      counts[new TextDecoder().decode(framed!.subarray(0, 6)).split(' ')[0] as 'commit' | 'tree' | 'blob']++
    }
    const blobless = await openRepo()
    const a = await fetchRemote(blobless, url, { filter: 'blob:none' })
    expect(a.objects).toBe(counts.commit + counts.tree)
    const commitsOnly = await openRepo()
    const b = await fetchRemote(commitsOnly, url, { filter: 'tree:0' })
    expect(b.objects).toBe(counts.commit)
    // Reachable commits only, so fsck on a non-lazy store calls the rest missing.
    expect((await commitsOnly.fsck()).damage.every(d => d.kind === 'missing')).toBe(true)
  })
})

describe('fetch', () => {
  it('incremental: sends only the new commit, its changed trees and its new blob (counted)', async () => {
    const { server, url } = await served()
    const repo = await openRepo()
    await repo.clone(url)
    await server.branch('main').set(['src', 'lib', 'new.ts'], bytes('new file'))
    const result = await repo.fetch('origin', 'main')
    // commit + root + src + src/lib + the blob
    expect(result.objects).toBe(5)
    expect(await repo.backend.getRef('refs/remotes/origin/main')).toBe(await server.branch('main').headId())
    // The local branch is left alone (pull moves it).
    expect(await repo.backend.getRef('refs/heads/main')).not.toBe(await server.branch('main').headId())
    expect((await repo.fsck()).damage).toEqual([])
  })

  it('a branch the remote does not have is NotFoundError', async () => {
    const { url } = await served(1)
    const repo = await openRepo()
    await expect(repo.fetch(url, 'nope')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('a no-op fetch is one round trip (GET refs)', async () => {
    const { url } = await served()
    const repo = await openRepo()
    await repo.clone(url)
    const transport = new SyncTransport(url)
    const result = await fetchRemote(repo, 'origin', { transport })
    expect(result.requests).toBe(1)
    expect(transport.requests).toBe(1)
    expect(result.objects).toBe(0)
  })

  it('a URL no remote has becomes origin; remotes are listed and removed with their tracking refs', async () => {
    const { url } = await served(1)
    const repo = await openRepo()
    await repo.fetch(url)
    expect((await listRemotes(repo)).map(r => r.name)).toEqual(['origin'])
    await addRemote(repo, { name: 'backup', url: 'http://127.0.0.1:1/' })
    expect((await listRemotes(repo)).map(r => r.name)).toEqual(['backup', 'origin'])
    await removeRemote(repo, 'origin')
    expect(await repo.backend.listRefs('refs/remotes/origin/')).toEqual([])
    await expect(addRemote(repo, { name: 'a/b', url })).rejects.toThrow(/remote name/)
  })
})

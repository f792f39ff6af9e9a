/**
 * Lazy (promisor) clones: reads equal a full clone's, misses batched, a listed directory's
 * children fetched in one request, offline reads fail with a typed error, and GC/fsck on a lazy
 * store fetch nothing and find no damage.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../cli/server/http.js'
import { MissingObjectError } from '../../index.js'
import { RemoteUnavailableError } from '../../sync/index.js'
import { bytes, closeServers, contentsOf, makeHistory, objectIds, openLazyRepo, openRepo, serveRepo } from './helpers.js'

afterEach(closeServers)

const FILES = 1000

async function servedWithBigDir() {
  const server = await openRepo()
  await makeHistory(server, 5)
  await server.branch('main').batch(tx => {
    // Values of a few hundred bytes, as files in a source tree are (the tree entries are ~30).
    for (let i = 0; i < FILES; i++) tx.set(['big', `f${i}`], bytes(`value ${i} `.repeat(40)))
  })
  await server.branch('main').set(['deep', 'a', 'b', 'c.txt'], bytes('deep'))
  return { server, url: await serveRepo(server) }
}

describe('a lazy clone', () => {
  it('reads of every path equal a full clone, and holds no blob before they are read', async () => {
    const { server, url } = await servedWithBigDir()
    const { repo, local, transport } = await openLazyRepo(url)
    const cloned = await repo.clone(url, { lazy: true })
    const full = await openRepo()
    const fullResult = await full.clone(url)
    // blob:none: commits and trees only; far fewer bytes than the full clone.
    expect(cloned.bytes).toBeLessThan(fullResult.bytes * 0.35)
    const remotes = await repo.backend.getRef('refs/irmin/remotes')
    for await (const id of local.objectIds()) {
      const [framed] = await local.getObjects([id])
      if (id !== remotes) expect(new TextDecoder().decode(framed!.subarray(0, 4))).not.toBe('blob')
    }
    const before = transport.requests
    expect(await contentsOf(repo)).toEqual(await contentsOf(full))
    expect(await contentsOf(repo)).toEqual(await contentsOf(server))
    expect(transport.requests).toBeGreaterThan(before)
    // Fetched objects are kept: reading again asks the remote for nothing.
    repo.objects.clearCache()
    const after = transport.requests
    expect(await contentsOf(repo)).toEqual(await contentsOf(full))
    expect(transport.requests).toBe(after)
    expect((await objectIds(local)).size).toBeGreaterThan(FILES)
  })

  it('a cold 1,000-file directory: listed and read file by file in at most 3 round trips', async () => {
    const { server, url } = await servedWithBigDir()
    const { repo, transport } = await openLazyRepo(url)
    await repo.clone(url, { lazy: true })
    const before = transport.requests
    const main = repo.branch('main')
    const names = await main.list(['big'])
    expect(names).toHaveLength(FILES)
    for (const name of names) expect(await main.get(['big', name])).toEqual(await server.branch('main').get(['big', name]))
    expect(transport.requests - before).toBeLessThanOrEqual(3)
  })

  it('a lazy path clone fetches the rest of the tree on touch, in at most 3 round trips for a cold directory', async () => {
    const { server, url } = await servedWithBigDir()
    const { repo, transport } = await openLazyRepo(url)
    await repo.clone(url, { lazy: true, path: 'docs' })
    const before = transport.requests
    const main = repo.branch('main')
    const names = await main.list(['big'])
    for (const name of names) await main.get(['big', name])
    expect(transport.requests - before).toBeLessThanOrEqual(3)
    expect(await contentsOf(repo)).toEqual(await contentsOf(server))
  })

  it('fetches into a lazy store (tree deltas against its own trees) and reads the new head like the server', async () => {
    const { server, url } = await servedWithBigDir()
    const { repo } = await openLazyRepo(url)
    await repo.clone(url, { lazy: true })
    await server.branch('main').set(['big', 'f1'], bytes('changed'))
    await server.branch('main').set(['docs', 'new.txt'], bytes('new'))
    const result = await repo.fetch('origin', 'main')
    // Two commits, each with its root and one directory: blobs stay on the server.
    expect(result.objects).toBe(6)
    await repo.createBranch('tracked', await repo.backend.getRef('refs/remotes/origin/main'))
    expect(await contentsOf(repo, 'tracked')).toEqual(await contentsOf(server))
    expect((await repo.fsck()).damage).toEqual([])
  })

  it('batches concurrent misses of one tick into one request', async () => {
    const { url } = await servedWithBigDir()
    const { repo, transport } = await openLazyRepo(url)
    await repo.clone(url, { lazy: true })
    const before = transport.requests
    const main = repo.branch('main')
    await Promise.all([['readme'], ['docs', 'd0.txt'], ['src', 'lib', 'm1.ts'], ['deep', 'a', 'b', 'c.txt'], ['big', 'f7']].map(path => main.get(path)))
    expect(transport.requests - before).toBe(1)
  })

  it('offline, a read of what it lacks fails with RemoteUnavailableError; what it holds still reads', async () => {
    const server = await openRepo()
    await makeHistory(server, 3)
    const running: RunningServer = await startServer(server, { backend: 'memory', name: null }, { host: '127.0.0.1', port: 0, onError: () => {} })
    const { repo } = await openLazyRepo(running.url)
    await repo.clone(running.url, { lazy: true })
    const main = repo.branch('main')
    expect(await main.get(['readme'])).toEqual(bytes('readme 2'))
    await running.close()
    await expect(main.get(['docs', 'd0.txt'])).rejects.toBeInstanceOf(RemoteUnavailableError)
    await expect(main.get(['docs', 'd0.txt'])).rejects.toThrow(/cannot be reached/)
    expect(await main.get(['readme'])).toEqual(bytes('readme 2'))
    expect(await main.list(['docs'])).toEqual(['d0.txt', 'd1.txt', 'd2.txt'])
  })

  it('GC and fsck fetch nothing and see no damage; reads afterwards still equal the server', async () => {
    const { server, url } = await servedWithBigDir()
    const { repo, transport } = await openLazyRepo(url)
    await repo.clone(url, { lazy: true, path: 'src' })
    await repo.branch('main').get(['readme'])
    const before = transport.requests
    const report = await repo.fsck()
    expect(report.damage).toEqual([])
    expect(report.promised).toBeGreaterThan(0)
    await repo.gc()
    expect((await repo.fsck()).damage).toEqual([])
    expect(transport.requests).toBe(before)
    // Local writes on a lazy store work too, and GC beside them keeps them.
    await Promise.all([repo.branch('main').set(['mine'], bytes('local')), repo.gc()])
    expect((await repo.fsck()).damage).toEqual([])
    expect(await repo.branch('main').get(['mine'])).toEqual(bytes('local'))
    expect((await contentsOf(repo)).filter(([p]) => p !== 'mine')).toEqual(await contentsOf(server))
  })

  it('a lazy clone needs a lazy backend; a plain path clone stays without the rest', async () => {
    const { url } = await servedWithBigDir()
    const plain = await openRepo()
    await expect(plain.clone(url, { lazy: true })).rejects.toThrow(/lazy backend/)
    await plain.clone(url, { path: 'deep' })
    await expect(plain.branch('main').get(['readme'])).rejects.toBeInstanceOf(MissingObjectError)
    expect(await plain.branch('main').get(['deep', 'a', 'b', 'c.txt'])).toEqual(bytes('deep'))
  })
})

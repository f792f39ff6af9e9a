/**
 * Commits and trees that arrive in a sync stream are cached once stored (core/remember-arrived.ts):
 * a pull's merge walks the fetched history without reading it back, the server's closure check
 * reads no pushed commit or tree back — and a push whose objects were never stored leaves nothing
 * cached that could make them look present to a later closure check.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Backend, openMemoryBackend, unframeObject } from '../../index.js'
import { bytes, closeServers, objectIds, openRepo, serveRepo } from './helpers.js'
import { once, pushBytes, receive } from './push-helpers.js'

afterEach(closeServers)

/** A backend that records the ids read through `getObjects`, and can refuse writes. */
function recording(inner: Backend = openMemoryBackend()) {
  const read: string[] = []
  const control = { failPuts: false }
  const backend: Backend = {
    ...inner,
    getObjects: ids => (read.push(...ids), inner.getObjects(ids)),
    hasObjects: ids => inner.hasObjects(ids),
    putObjects: objects => (control.failPuts ? Promise.reject(new Error('disk full')) : inner.putObjects(objects)),
    deleteObjects: ids => inner.deleteObjects(ids),
    objectIds: () => inner.objectIds(),
    getRef: name => inner.getRef(name),
    listRefs: prefix => inner.listRefs(prefix),
    casRef: (name, expected, next) => inner.casRef(name, expected, next),
    close: () => inner.close(),
  }
  return { backend, read, control, inner }
}

async function typesOf(backend: Backend, ids: readonly string[]): Promise<string[]> {
  const framed = await backend.getObjects(ids)
  return framed.map((bytes, i) => unframeObject(ids[i], bytes!).type)
}

describe('objects arriving in a sync stream', () => {
  it('a pull with merge reads none of the fetched commits and trees back from the backend', async () => {
    const server = await openRepo()
    await server.branch('main').set(['shared'], bytes('base'))
    const url = await serveRepo(server)
    const local = recording()
    const alice = await openRepo(local.backend)
    await alice.clone(url)
    for (let i = 0; i < 30; i++) await server.branch('main').set(['server', `f${i % 4}`], bytes(`s${i}`))
    for (let i = 0; i < 30; i++) await alice.branch('main').set(['alice', `f${i % 4}`], bytes(`a${i}`))
    alice.objects.clearCache()
    const before = await objectIds(local.inner)
    local.read.length = 0
    const pulled = await alice.pull('origin', 'main', { strategy: 'merge' })
    expect(pulled.kind).toBe('merge')
    expect(pulled.fetched.objects).toBeGreaterThan(60)
    // Alice's own side is read back (its cache was cleared); of what the fetch brought, only blobs (the merge's inputs).
    const readBack = [...new Set(local.read)].filter(id => !before.has(id))
    expect((await typesOf(local.inner, readBack)).filter(type => type !== 'blob')).toEqual([])
    expect((await alice.fsck()).damage).toEqual([])
  })

  it("the server's closure check reads no pushed commit or tree back", async () => {
    const client = await openRepo()
    for (let i = 0; i < 20; i++) await client.branch('main').set(['d', `f${i % 3}`], bytes(`v${i}`))
    const store = recording()
    const server = await openRepo(store.backend)
    const push = await pushBytes(client, 'main', server)
    store.read.length = 0
    await receive(server, once(push.bytes))
    expect(await server.branch('main').headId()).toBe(push.head)
    const readBack = store.read.filter(id => push.ids.includes(id))
    expect((await typesOf(store.inner, readBack)).filter(type => type !== 'blob')).toEqual([])
    expect((await server.fsck()).damage).toEqual([])
  })

  it('a push whose objects could not be stored caches none of them: sent again without its trees, it is incomplete', async () => {
    const client = await openRepo()
    await client.branch('main').set(['a', 'b'], bytes('1'))
    const store = recording()
    const server = await openRepo(store.backend)
    const full = await pushBytes(client, 'main', server)
    store.control.failPuts = true
    await expect(receive(server, once(full.bytes))).rejects.toThrow(/disk full/)
    store.control.failPuts = false
    const types = await typesOf(client.backend, full.ids)
    const trees = full.ids.filter((_, i) => types[i] === 'tree')
    expect(trees).toHaveLength(2)
    const withoutTrees = await pushBytes(client, 'main', server, {}, id => trees.includes(id))
    await expect(receive(server, once(withoutTrees.bytes))).rejects.toMatchObject({ code: 'EINCOMPLETE' })
    expect(await server.branch('main').headId()).toBeUndefined()
    // Sent whole, it lands.
    await receive(server, once(full.bytes))
    expect(await server.branch('main').headId()).toBe(full.head)
    expect((await server.fsck()).damage).toEqual([])
  })
})

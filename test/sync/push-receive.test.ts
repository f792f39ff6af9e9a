/**
 * The server's half of a push, without HTTP: objects checked and stored as they arrive, the
 * closure check, each mode's ref move, and every refusal leaving the refs as they were and the
 * store fsck-clean (with what arrived kept, so a resumed push sends less).
 */
import { describe, expect, it } from 'vitest'
import { frameObject, getDefaultHasher } from '../../index.js'
import { encodeFrame, FrameKind } from '../../sync/frames.js'
import { bytes, openRepo, receive, once, pushBytes, text } from './push-helpers.js'

async function refused(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    e => e,
  )
  expect(error, `expected a refusal with ${code}`).toMatchObject({ code })
  return error
}

async function clean(repo: Awaited<ReturnType<typeof openRepo>>) {
  expect((await repo.fsck()).damage).toEqual([])
}

async function pair() {
  const client = await openRepo()
  const server = await openRepo()
  const main = client.branch('main')
  await main.set(['a', 'x'], bytes('1'))
  await main.set(['b'], bytes('2'))
  return { client, server, main }
}

describe('receiving a push', () => {
  it('lands a new branch, then a fast-forward carrying only the new objects', async () => {
    const { client, server, main } = await pair()
    const first = await pushBytes(client, 'main', server)
    expect(await receive(server, once(first.bytes))).toMatchObject({ ref: 'refs/heads/main', old: null, new: first.head, merged: false, objects: first.ids.length })
    await main.set(['a', 'y'], bytes('3'))
    const second = await pushBytes(client, 'main', server)
    // One blob, the tree a/, the root tree and the commit.
    expect(second.ids).toHaveLength(4)
    expect(await receive(server, once(second.bytes))).toMatchObject({ old: first.head, new: second.head })
    expect(text(await server.branch('main').get(['a', 'y']))).toBe('3')
    await clean(server)
  })

  it('refuses a non-fast-forward, merges with mode merge, and refuses a conflicting merge', async () => {
    const { client, server, main } = await pair()
    await receive(server, once((await pushBytes(client, 'main', server)).bytes))
    const serverHead = (await server.branch('main').set(['c'], bytes('server')))!.id
    await main.set(['d'], bytes('client'))
    const diverged = await pushBytes(client, 'main', server)
    await refused(receive(server, once(diverged.bytes)), 'ENONFASTFORWARD')
    expect(await server.branch('main').headId()).toBe(serverHead)

    const merging = await pushBytes(client, 'main', server, { mode: 'merge' })
    const merged = await receive(server, once(merging.bytes))
    expect(merged).toMatchObject({ old: serverHead, merged: true })
    const head = await server.readCommit(merged.new!)
    expect(head.parents).toEqual([serverHead, diverged.head])
    expect(text(await server.branch('main').get(['c']))).toBe('server')
    expect(text(await server.branch('main').get(['d']))).toBe('client')

    await server.branch('main').set(['b'], bytes('server b'))
    const before = await server.branch('main').headId()
    await main.set(['b'], bytes('client b'))
    const conflict = await refused(receive(server, once((await pushBytes(client, 'main', server, { mode: 'merge' })).bytes)), 'ECONFLICT')
    expect(conflict.details.conflicts).toEqual(['b'])
    expect(await server.branch('main').headId()).toBe(before)
    await clean(server)
  })

  it('forces with a lease, and deletes a branch only when forced', async () => {
    const { client, server, main } = await pair()
    const first = await pushBytes(client, 'main', server)
    await receive(server, once(first.bytes))
    const serverHead = (await server.branch('main').set(['c'], bytes('server')))!.id
    await main.set(['d'], bytes('client'))
    await refused(receive(server, once((await pushBytes(client, 'main', server, { mode: 'force', old: first.head })).bytes)), 'ESTALE')
    expect(await server.branch('main').headId()).toBe(serverHead)
    const forced = await pushBytes(client, 'main', server, { mode: 'force', old: serverHead })
    expect(await receive(server, once(forced.bytes))).toMatchObject({ old: serverHead, new: forced.head })

    const del = (mode: 'force' | 'fast-forward') => encodeFrame({ kind: FrameKind.push, json: { ref: 'refs/heads/main', old: forced.head, new: null, mode } })
    const end = encodeFrame({ kind: FrameKind.end, json: { objects: 0 } })
    await refused(receive(server, once(Buffer.concat([del('fast-forward'), end]))), 'EBADREQUEST')
    expect(await receive(server, once(Buffer.concat([del('force'), end])))).toMatchObject({ new: null })
    expect(await server.branch('main').headId()).toBeUndefined()
    await clean(server)
  })

  it('answers ESTALE when the ref moves between the check and the swap, and leaves the other move', async () => {
    const { client, server, main } = await pair()
    await receive(server, once((await pushBytes(client, 'main', server)).bytes))
    await main.set(['c'], bytes('3'))
    const push = await pushBytes(client, 'main', server)
    // Another writer lands just before the push's compare-and-swap.
    const cas = server.backend.casRef.bind(server.backend)
    let other: string | undefined
    let armed = true
    server.backend.casRef = async (ref, expected, next) => {
      if (armed && ref === 'refs/heads/main') {
        armed = false
        other = (await server.branch('main').set(['d'], bytes('other')))!.id
      }
      return cas(ref, expected, next)
    }
    await refused(receive(server, once(push.bytes)), 'ESTALE')
    server.backend.casRef = cas
    expect(await server.branch('main').headId()).toBe(other)
    await clean(server)
  })

  it('refuses an incomplete closure naming what is missing, keeps what arrived, and lands once it is sent', async () => {
    const { client, server } = await pair()
    const blob = getDefaultHasher().sha1Hex(frameObject('blob', bytes('2')))
    const partial = await pushBytes(client, 'main', server, {}, id => id === blob)
    const error = await refused(receive(server, once(partial.bytes)), 'EINCOMPLETE')
    expect(error.details.missing).toEqual([blob])
    expect(await server.backend.listRefs('refs/heads/')).toEqual([])
    expect(await server.backend.hasObjects(partial.ids)).toEqual(partial.ids.map(() => true))
    await clean(server)
    // The resumed push carries the one object the server lacks.
    const resumed = await pushBytes(client, 'main', server, {}, id => partial.ids.includes(id))
    expect(resumed.ids).toEqual([blob])
    expect(await receive(server, once(resumed.bytes))).toMatchObject({ new: partial.head, objects: 1 })
    await clean(server)
  })

  it("checks the closure down to the server's own history boundary, not past it", async () => {
    const client = await openRepo()
    const main = client.branch('main')
    for (let i = 0; i < 5; i++) await main.set(['n'], bytes(`${i}`))
    const server = await openRepo()
    await receive(server, once((await pushBytes(client, 'main', server)).bytes))
    // The server keeps two commits of history: the older one is its boundary, its parents are gone.
    const report = await server.gc({ keepCommits: 2 })
    expect(report.boundary).toHaveLength(1)
    const boundary = report.boundary[0]
    await client.createBranch('feature', boundary)
    await client.branch('feature').set(['f'], bytes('x'))
    // Only the new commit's objects go: the older history the server dropped is not needed.
    const listed = (await pushBytes(client, 'feature', server)).ids
    const fresh = listed.slice(-3)
    const push = await pushBytes(client, 'feature', server, {}, id => !fresh.includes(id))
    expect(await server.backend.hasObjects(listed.slice(0, -3))).toContain(false)
    expect(push.ids).toHaveLength(3) // the blob f, the root tree, the commit
    expect(await receive(server, once(push.bytes))).toMatchObject({ ref: 'refs/heads/feature', new: push.head })
    await clean(server)
  })

  it('refuses bad streams with their codes, keeping the objects checked before the fault', async () => {
    const { client, server } = await pair()
    const good = await pushBytes(client, 'main', server)
    // Cut inside the last frame (END): every object arrived and is kept, nothing moves.
    await refused(receive(server, once(good.bytes.subarray(0, good.bytes.length - 3))), 'ETRUNCATED')
    expect(await server.backend.hasObjects(good.ids)).toEqual(good.ids.map(() => true))
    const header = encodeFrame({ kind: FrameKind.push, json: { ref: 'refs/heads/main', old: null, new: good.head } })
    const framed = frameObject('blob', bytes('forged'))
    const wrongId = getDefaultHasher().sha1Hex(frameObject('blob', bytes('other')))
    const mismatched = encodeFrame({ kind: FrameKind.object, id: wrongId, bytes: framed })
    await refused(receive(server, once(Buffer.concat([header, mismatched]))), 'EHASH')
    expect(await server.backend.hasObjects([wrongId])).toEqual([false])
    const oversized = Uint8Array.of(FrameKind.object, 0x7f, 0xff, 0xff, 0xff)
    await refused(receive(server, once(Buffer.concat([header, oversized]))), 'ETOOLARGE')
    await refused(receive(server, once(bytes('GET / HTTP/1.1\r\n\r\n'))), 'EBADREQUEST')
    await refused(receive(server, once(encodeFrame({ kind: FrameKind.push, json: { ref: 'refs/irmin/shallow', new: good.head } }))), 'EBADREQUEST')
    // Hashes right, but is no tree: refused before it is stored.
    const badTree = frameObject('tree', bytes('not a tree'))
    const badTreeId = getDefaultHasher().sha1Hex(badTree)
    await refused(receive(server, once(Buffer.concat([header, encodeFrame({ kind: FrameKind.object, id: badTreeId, bytes: badTree })]))), 'EBADREQUEST')
    expect(await server.backend.hasObjects([badTreeId])).toEqual([false])
    await refused(receive(server, once(good.bytes), { pushObjects: 2 }), 'ETOOLARGE')
    expect(await server.backend.listRefs('refs/heads/')).toEqual([])
    await clean(server)
  })
})

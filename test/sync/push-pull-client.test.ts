/**
 * The client's push and pull against a server in-process: clone, diverge, fast-forward refusal,
 * pull with merge, push; merge pushes; token refusal; progress; an interrupted push resumed
 * without re-sending what arrived.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MergeConflictError } from '../../index.js'
import { SyncError, SyncTransport } from '../../sync/index.js'
import { bytes, closeServers, contentsOf, openRepo, serveRepo, text } from './helpers.js'

afterEach(closeServers)

async function served(tokens: { write?: string } = {}) {
  const server = await openRepo()
  await server.branch('main').set(['shared'], bytes('base'))
  const url = await serveRepo(server, tokens)
  const alice = await openRepo()
  await alice.clone(url)
  return { server, url, alice }
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    error => (error as { code?: string }).code,
  )
}

describe('push and pull through the client', () => {
  it('clone, diverge: fast-forward push and pull refused; pull with merge, then push lands', async () => {
    const { server, url, alice } = await served()
    const bob = await openRepo()
    await bob.clone(url)
    await bob.branch('main').set(['bob'], bytes('b'))
    expect(await bob.push('origin', 'main')).toMatchObject({ ref: 'refs/heads/main', merged: false })
    await alice.branch('main').set(['alice'], bytes('a'))
    const aliceHead = await alice.branch('main').headId()

    const refused = await alice.push('origin', 'main').catch(error => error)
    expect(refused).toBeInstanceOf(SyncError)
    expect(refused.code).toBe('ENONFASTFORWARD')
    expect(await server.branch('main').headId()).toBe(await bob.branch('main').headId())
    expect(await codeOf(alice.pull('origin', 'main'))).toBe('ENONFASTFORWARD')
    expect(await alice.branch('main').headId()).toBe(aliceHead)

    const pulled = await alice.pull('origin', 'main', { strategy: 'merge' })
    expect(pulled.kind).toBe('merge')
    const pushed = await alice.push('origin', 'main')
    expect(pushed.new).toBe(pulled.head.id)
    expect(await contentsOf(server)).toEqual([['alice', 'a'], ['bob', 'b'], ['shared', 'base']])
    expect(await alice.backend.getRef('refs/remotes/origin/main')).toBe(pulled.head.id)
    // Bob is behind: a fast-forward pull.
    expect((await bob.pull('origin', 'main')).kind).toBe('fast-forward')
    expect(await bob.branch('main').headId()).toBe(pulled.head.id)
    expect((await server.fsck()).damage).toEqual([])
  })

  it('a fast-forward push to a remote head this store lacks is refused before listing or sending anything', async () => {
    const { server, url, alice } = await served()
    const bob = await openRepo()
    await bob.clone(url)
    await bob.branch('main').set(['bob'], bytes('b'))
    await bob.push('origin', 'main')
    await alice.branch('main').set(['alice'], bytes('a'))
    const transport = new SyncTransport(url)
    expect(await codeOf(alice.push('origin', 'main', { transport }))).toBe('ENONFASTFORWARD')
    expect(transport.requests).toBe(1) // GET refs, and nothing uploaded
    expect(await server.branch('main').headId()).toBe(await bob.branch('main').headId())
    // A shallow store may lack an ancestor of its own head: the server decides.
    const shallow = await openRepo()
    await shallow.clone(url, { depth: 1 })
    await server.branch('main').set(['server'], bytes('s'))
    await shallow.branch('main').set(['shallow'], bytes('x'))
    const asked = new SyncTransport(url)
    expect(await codeOf(shallow.push('origin', 'main', { transport: asked, retries: 0 }))).toBe('ENONFASTFORWARD')
    expect(asked.requests).toBe(3) // refs, has, push
  })

  it('a merge push makes the merge on the server and fetches it; a conflicting pull leaves the branch', async () => {
    const { server, url, alice } = await served()
    await server.branch('main').set(['server'], bytes('s'))
    await alice.branch('main').set(['alice'], bytes('a'))
    const result = await alice.push(url, 'main', { mode: 'merge' })
    expect(result.merged).toBe(true)
    expect(await server.branch('main').headId()).toBe(result.new)
    expect(await alice.backend.getRef('refs/remotes/origin/main')).toBe(result.new)
    expect((await alice.readCommit(result.new!)).parents).toHaveLength(2)

    // The remote is ahead of what is pushed: nothing moves, and the tracking ref names a commit fetched, not a dangling id.
    const ahead = (await server.branch('main').set(['more'], bytes('m')))!.id
    expect(await alice.push(url, 'main', { mode: 'merge' })).toMatchObject({ new: ahead, merged: false })
    expect(await alice.backend.getRef('refs/remotes/origin/main')).toBe(ahead)
    expect((await alice.fsck()).damage).toEqual([])

    await server.branch('main').set(['shared'], bytes('server says'))
    await alice.branch('main').set(['shared'], bytes('alice says'))
    const before = await alice.branch('main').headId()
    await expect(alice.pull('origin', 'main', { strategy: 'merge' })).rejects.toBeInstanceOf(MergeConflictError)
    expect(await alice.branch('main').headId()).toBe(before)
    expect(await codeOf(alice.push('origin', 'main', { mode: 'merge' }))).toBe('ECONFLICT')
  })

  it('a fast-forward pull never merges: a local write landing during it makes it a refusal', async () => {
    const { server, alice } = await served()
    await server.branch('main').set(['server'], bytes('s'))
    const cas = alice.backend.casRef.bind(alice.backend)
    let armed = true
    alice.backend.casRef = async (ref, expected, next) => {
      if (armed && ref === 'refs/heads/main') {
        armed = false
        await alice.branch('main').set(['local'], bytes('l'))
      }
      return cas(ref, expected, next)
    }
    expect(await codeOf(alice.pull('origin', 'main'))).toBe('ENONFASTFORWARD')
    alice.backend.casRef = cas
    const head = await alice.readCommit((await alice.branch('main').headId())!)
    expect(head.parents).toHaveLength(1)
    expect(text(await alice.branch('main').get(['local']))).toBe('l')
  })

  it('refuses a push without the write token, with a typed 401; with it, reports progress', async () => {
    const { server, alice } = await served({ write: 'w-token' })
    const main = alice.branch('main')
    for (let i = 0; i < 300; i++) await main.set([`f${i}`], bytes(`value ${i}`))
    expect(await codeOf(alice.push('origin', 'main'))).toBe('EUNAUTHORIZED')
    expect(await codeOf(alice.push('origin', 'main', { token: 'nope' }))).toBe('EUNAUTHORIZED')
    expect(await server.branch('main').find(['f0'])).toBeUndefined()
    const seen: Array<{ objects: number; bytes: number; totalObjects: number }> = []
    const result = await alice.push('origin', 'main', { token: 'w-token', onProgress: p => seen.push(p) })
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.at(-1)).toMatchObject({ objects: result.objects, totalObjects: result.objects })
    expect(seen.map(p => p.objects)).toEqual([...seen.map(p => p.objects)].sort((a, b) => a - b))
    // 300 commits, each a blob, a root tree and the commit.
    expect(result.objects).toBe(900)
    expect(text(await server.branch('main').get(['f299']))).toBe('value 299')
  })

  it('an interrupted push resumes without re-sending what arrived', async () => {
    const { server, alice } = await served()
    const main = alice.branch('main')
    for (let i = 0; i < 40; i++) await main.set([`big${i}`], bytes(`${i} `.repeat(20_000)))
    // A fetch whose upload breaks after about half the bytes.
    let cutAt: number | undefined = 400_000
    const breaking: typeof fetch = async (input, init) => {
      if (cutAt === undefined || !String(input).endsWith('/push')) return fetch(input, init)
      const limit = cutAt
      cutAt = undefined
      const source = (init!.body as ReadableStream<Uint8Array>).getReader()
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await source.read()
          if (next.done || sent > limit) return controller.error(new Error('cable cut'))
          sent += next.value.length
          controller.enqueue(next.value)
        },
      })
      return fetch(input, { ...init, body } as RequestInit)
    }
    await expect(alice.push('origin', 'main', { fetch: breaking, retries: 0 })).rejects.toMatchObject({ code: 'EOFFLINE' })
    expect(await server.branch('main').find(['big0'])).toBeUndefined()
    // Give the server a moment to store what arrived before the cut.
    await new Promise(resolve => setTimeout(resolve, 100))
    const full = 40 * 3
    const resumed = await alice.push('origin', 'main')
    expect(resumed.objects).toBeGreaterThan(0)
    expect(resumed.objects).toBeLessThan(full)
    expect(text(await server.branch('main').get(['big39']))).toBe('39 '.repeat(20_000))
    expect((await server.fsck()).damage).toEqual([])
  })
})

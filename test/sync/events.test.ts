/** GET /sync/v1/events and the client's subscribe: refs first, moves within a second, reconnects. */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer } from '../../cli/server/http.js'
import { parseEvents, type RefMove, type RefsReply, subscribe } from '../../sync/index.js'
import { type Backend, openMemoryBackend } from '../../index.js'
import { bytes, closeServers, openRepo, serveRepo } from './helpers.js'

/** The backend's methods bound to it, so a copy can replace some of them. */
function bind(backend: Backend): Backend {
  const proto = Object.getPrototypeOf(backend) as object
  const names = Object.getOwnPropertyNames(proto).filter(name => name !== 'constructor' && typeof (backend as never)[name] === 'function')
  return Object.fromEntries(names.map(name => [name, ((backend as never)[name] as (...a: unknown[]) => unknown).bind(backend)])) as unknown as Backend
}

afterEach(closeServers)

function waitFor<T>(list: T[], test: (item: T) => boolean, ms = 1000): Promise<T> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = list.find(test)
      if (found !== undefined) return resolve(found)
      if (Date.now() - started > ms) return reject(new Error(`not seen within ${ms} ms: ${JSON.stringify(list)}`))
      setTimeout(look, 5)
    }
    look()
  })
}

describe('events', () => {
  it('a subscriber gets the refs, then each move within a second, in order; deletions as null', async () => {
    const server = await openRepo()
    const first = await server.branch('main').set(['a'], bytes('1'))
    const url = await serveRepo(server)
    const refs: RefsReply[] = []
    const moves: RefMove[] = []
    const subscription = subscribe(url, { onRefs: r => refs.push(r), onMove: m => moves.push(m) })
    await waitFor(refs, () => true)
    expect(refs[0].refs).toEqual([['refs/heads/main', first!.id]])
    const started = Date.now()
    const second = await server.branch('main').set(['a'], bytes('2'))
    await waitFor(moves, m => m.id === second!.id)
    expect(Date.now() - started).toBeLessThan(1000)
    await server.branch('b').set(['x'], bytes('x'))
    await server.deleteBranch('b')
    await waitFor(moves, m => m.ref === 'refs/heads/b' && m.id === null)
    expect(moves.map(m => m.ref)).toEqual(['refs/heads/main', 'refs/heads/b', 'refs/heads/b'])
    // Bookkeeping refs (remotes, shallow) are not under the default prefixes.
    subscription.close()
    await subscription.done
  })

  it('reconnects after the server restarts and reads the refs again', async () => {
    const server = await openRepo()
    await server.branch('main').set(['a'], bytes('1'))
    const info = { backend: 'memory' as const, name: null }
    const first = await startServer(server, info, { host: '127.0.0.1', port: 0, onError: () => {} })
    const port = new URL(first.url).port
    const refs: RefsReply[] = []
    const errors: unknown[] = []
    const subscription = subscribe(first.url, { onRefs: r => refs.push(r), onError: e => errors.push(e) })
    await waitFor(refs, () => true)
    await first.close()
    const again = await startServer(server, info, { host: '127.0.0.1', port: Number(port), onError: () => {} })
    const head = await server.branch('main').set(['a'], bytes('2'))
    await waitFor(refs, r => r.refs[0][1] === head!.id, 3000)
    expect(errors.length).toBeGreaterThan(0)
    subscription.close()
    await subscription.done
    await again.close()
  })

  it('moves the backend cannot hear reach every subscriber, from one reading of the refs per half second', async () => {
    // The backend reports nothing (as a git repository written by git itself); the writer goes
    // around the server, straight to the shared storage.
    const shared = openMemoryBackend()
    let polls = 0
    const deaf: Backend = { ...bind(shared), watchRefs: undefined, listRefs: prefix => (prefix === 'refs/' && polls++, shared.listRefs(prefix)) }
    const server = await openRepo(deaf)
    const first = await server.branch('main').set(['a'], bytes('1'))
    const url = await serveRepo(server)
    const subscribers = Array.from({ length: 8 }, () => {
      const moves: RefMove[] = []
      const refs: RefsReply[] = []
      return { moves, refs, subscription: subscribe(url, { onRefs: r => refs.push(r), onMove: m => moves.push(m) }) }
    })
    for (const s of subscribers) await waitFor(s.refs, () => true)
    const started = Date.now()
    polls = 0
    const other = await openRepo(shared)
    const second = await other.branch('main').set(['a'], bytes('2'))
    for (const s of subscribers) await waitFor(s.moves, m => m.id === second!.id)
    expect(Date.now() - started).toBeLessThan(1000)
    await new Promise(resolve => setTimeout(resolve, 1000))
    // About three readings in 1.5 s, not one per subscriber each time.
    expect(polls).toBeGreaterThanOrEqual(2)
    expect(polls).toBeLessThanOrEqual(5)
    for (const s of subscribers) expect(s.moves).toEqual([{ ref: 'refs/heads/main', id: second!.id }])
    expect(first!.id).not.toBe(second!.id)
    for (const s of subscribers) s.subscription.close()
    await Promise.all(subscribers.map(s => s.subscription.done))
    // With nobody listening, the refs are not read any more.
    await new Promise(resolve => setTimeout(resolve, 100))
    const after = polls
    await new Promise(resolve => setTimeout(resolve, 1100))
    expect(polls).toBe(after)
  })

  it('a refused subscription stops with the typed error', async () => {
    const server = await openRepo()
    const url = await serveRepo(server, { read: 'secret' })
    const errors: Array<[unknown, boolean]> = []
    const subscription = subscribe(url, { onError: (e, stopped) => errors.push([e, stopped]) })
    await subscription.done
    expect(errors).toHaveLength(1)
    expect((errors[0][0] as { code: string }).code).toBe('EUNAUTHORIZED')
    expect(errors[0][1]).toBe(true)
    const ok: RefsReply[] = []
    const withToken = subscribe(url, { token: 'secret', onRefs: r => ok.push(r) })
    await waitFor(ok, () => true)
    withToken.close()
  })

  it('parseEvents reads events however the bytes are chunked, skipping comments', async () => {
    const stream = ': ping\n\nevent: refs\ndata: {"a":1}\n\nevent: ref\r\ndata: x\ndata: y\r\n\r\n: ping\n\n'
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(stream.length), { maxLength: 8 }), async cuts => {
        const bytes = new TextEncoder().encode(stream)
        const points = [...new Set([0, ...cuts, bytes.length])].sort((a, b) => a - b)
        async function* chunks() {
          for (let i = 0; i + 1 < points.length; i++) yield bytes.slice(points[i], points[i + 1])
        }
        const events = []
        for await (const event of parseEvents(chunks())) events.push(event)
        expect(events).toEqual([
          { type: 'refs', data: '{"a":1}' },
          { type: 'ref', data: 'x\ny' },
        ])
      }),
    )
  })
})

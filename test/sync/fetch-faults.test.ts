/**
 * The fetch side under bad conditions: garbage requests (each refused with a clear code while
 * the server keeps serving), a stream cut mid-way (typed error, what arrived kept, the next fetch
 * sends nothing of it again), and garbage collection running on the server while clients fetch.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openMemoryBackend } from '../../index.js'
import { fetchRemote, RemoteUnavailableError, TruncatedStreamError } from '../../sync/index.js'
import { RESUME_PREFIX } from '../../sync/client/fetch.js'
import { countingBackend } from '../helpers/counting-backend.js'
import { bytes, closeServers, contentsOf, makeHistory, objectIds, openRepo, serveRepo } from './helpers.js'
import { cuttingFetch } from '../helpers/cutting-fetch.js'

afterEach(closeServers)

const tick = () => new Promise(resolve => setImmediate(resolve))

async function post(url: string, route: string, body: string) {
  const response = await fetch(`${url}sync/v1/${route}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  const text = await response.text()
  return { status: response.status, body: JSON.parse(text) as { code: string; error: string } }
}

describe('bad requests to fetch and objects', () => {
  it('each is refused with its code, and the server answers the next request', async () => {
    const server = await openRepo()
    await makeHistory(server, 2)
    const url = await serveRepo(server)
    const head = (await server.branch('main').headId())!
    const id = (n: number) => n.toString(16).padStart(40, '0')
    const cases: Array<[route: string, body: string, status: number, code: string]> = [
      ['fetch', '{"wants": [', 400, 'EBADREQUEST'],
      ['fetch', '[]', 400, 'EBADREQUEST'],
      ['fetch', '{"wants": "abc"}', 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: ['XYZ'] }), 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: [head.toUpperCase()] }), 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: [head], filter: 'blob:some' }), 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: [head], filter: 'path:../etc' }), 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: [head], depth: 0 }), 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: [head], haves: [1] }), 400, 'EBADREQUEST'],
      ['fetch', JSON.stringify({ wants: Array.from({ length: 10_001 }, (_, i) => id(i)) }), 413, 'ETOOLARGE'],
      ['fetch', JSON.stringify({ wants: [head], haves: Array.from({ length: 100_001 }, (_, i) => id(i)) }), 413, 'ETOOLARGE'],
      ['fetch', JSON.stringify({ wants: [id(7)] }), 404, 'ENOTFOUND'],
      ['objects', JSON.stringify({ ids: Array.from({ length: 10_001 }, (_, i) => id(i)) }), 413, 'ETOOLARGE'],
      ['objects', JSON.stringify({ ids: 'nope' }), 400, 'EBADREQUEST'],
      ['objects', 'x'.repeat(17 * 1024 * 1024), 413, 'ETOOLARGE'],
    ]
    for (const [route, body, status, code] of cases) {
      const [refused, refs] = await Promise.all([post(url, route, body), fetch(`${url}sync/v1/refs`)])
      expect({ route, body: body.slice(0, 60), status: refused.status, code: refused.body.code }).toEqual({ route, body: body.slice(0, 60), status, code })
      expect(refused.body.error.length).toBeGreaterThan(10)
      expect(refs.status).toBe(200)
    }
    expect((await server.fsck()).damage).toEqual([])
  })

  it('objects answers in the order asked, MISSING for what it lacks', async () => {
    const server = await openRepo()
    await makeHistory(server, 1)
    const url = await serveRepo(server)
    const head = (await server.branch('main').headId())!
    const absent = 'f'.repeat(40)
    const { SyncTransport } = await import('../../sync/index.js')
    const frames = []
    for await (const frame of new SyncTransport(url).objects([absent, head])) frames.push(frame)
    expect(frames.filter(f => f.kind !== 127).map(f => [f.kind, 'id' in f ? f.id : undefined])).toEqual([
      [3, absent],
      [1, head],
    ])
  })
})

describe('an interrupted fetch', () => {
  it('fails with TruncatedStreamError, keeps what arrived (fsck clean), and the next fetch sends none of it again', async () => {
    const server = await openRepo()
    await makeHistory(server, 40)
    const url = await serveRepo(server)
    const total = (await objectIds(server.backend)).size
    const { backend, counts } = countingBackend(openMemoryBackend())
    const repo = await openRepo(backend)
    const cut = fetchRemote(repo, url, { fetch: cuttingFetch(6000), retries: 0 })
    await expect(cut).rejects.toBeInstanceOf(TruncatedStreamError)
    const arrived = new Set(counts.written)
    expect(arrived.size).toBeGreaterThan(10)
    expect((await repo.backend.listRefs(RESUME_PREFIX)).length).toBeGreaterThan(0)
    expect((await repo.fsck()).damage).toEqual([])
    await repo.gc() // the resume refs keep what arrived
    counts.written = []
    const resumed = await fetchRemote(repo, 'origin')
    // Everything that arrived before the last arrived commit is named by the resume refs: not sent again.
    const resent = counts.written.filter(id => arrived.has(id))
    expect(resent.length).toBeLessThan(10)
    expect(resumed.objects).toBeLessThan(total - arrived.size + 10)
    expect(await repo.backend.listRefs(RESUME_PREFIX)).toEqual([])
    await repo.createBranch('main', await repo.backend.getRef('refs/remotes/origin/main'))
    expect(await contentsOf(repo)).toEqual(await contentsOf(server))
    expect((await repo.fsck()).damage).toEqual([])
  })

  it('retries on its own after a cut, ending with everything', async () => {
    const server = await openRepo()
    await makeHistory(server, 20)
    const url = await serveRepo(server)
    const repo = await openRepo()
    let calls = 0
    const cutOnce: typeof fetch = (input, init) => (String(input).endsWith('/fetch') && calls++ === 0 ? cuttingFetch(3000)(input, init) : fetch(input, init))
    await fetchRemote(repo, url, { fetch: cutOnce })
    expect(calls).toBe(2)
    await repo.createBranch('main', await repo.backend.getRef('refs/remotes/origin/main'))
    expect(await contentsOf(repo)).toEqual(await contentsOf(server))
  })

  it('a server that cannot be reached is RemoteUnavailableError', async () => {
    const repo = await openRepo()
    await expect(fetchRemote(repo, 'http://127.0.0.1:1/', { retries: 0 })).rejects.toBeInstanceOf(RemoteUnavailableError)
  })
})

describe('garbage collection on the server while clients fetch', () => {
  it('fetches complete and both stores stay fsck clean', async () => {
    const server = await openRepo()
    await makeHistory(server, 10)
    const url = await serveRepo(server)
    const clients = await Promise.all([0, 1, 2].map(() => openRepo()))
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await server.branch('main').set(['w', `k${i % 5}`], bytes(`v${i}`))
        await server.branch('tmp').set(['x'], bytes(`${i}`))
        await server.deleteBranch('tmp')
        await tick() // a memory store answers at once: let the server's sockets run
      }
    })()
    const collector = (async () => {
      while (writing) {
        await server.gc()
        await tick()
      }
    })()
    for (let round = 0; round < 4; round++) await Promise.all(clients.map(client => fetchRemote(client, url, { branches: ['main'] })))
    writing = false
    await Promise.all([writer, collector])
    for (const client of clients) {
      expect((await client.fsck()).damage).toEqual([])
      const head = (await client.backend.getRef('refs/remotes/origin/main'))!
      for await (const _ of (await client.commit(head).tree()).walk()) void _
    }
    expect((await server.fsck()).damage).toEqual([])
  })
})

describe('garbage collection on the client while it fetches', () => {
  it('keeps what each fetch brings and what local writers write; fsck clean', async () => {
    const server = await openRepo()
    await makeHistory(server, 5)
    const url = await serveRepo(server)
    const client = await openRepo()
    let running = true
    const local = (async () => {
      for (let i = 0; running; i++) {
        await client.branch('mine').set(['k', `${i % 7}`], bytes(`local ${i}`))
        await tick()
      }
    })()
    const collector = (async () => {
      while (running) {
        await client.gc()
        await tick()
      }
    })()
    for (let round = 0; round < 6; round++) {
      await server.branch('main').set(['round'], bytes(`round ${round}`))
      const cut = round % 2 === 1
      await fetchRemote(client, url, cut ? { fetch: cuttingFetch(400), retries: 0 } : {}).catch(error => {
        if (!(error instanceof TruncatedStreamError)) throw error
      })
    }
    await fetchRemote(client, url)
    running = false
    await Promise.all([local, collector])
    expect((await client.fsck()).damage).toEqual([])
    await client.createBranch('copy', await client.backend.getRef('refs/remotes/origin/main'))
    expect(await contentsOf(client, 'copy')).toEqual(await contentsOf(server))
  })
})

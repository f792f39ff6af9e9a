/**
 * POST has and POST push through `irmin serve`'s HTTP server (in-process, port 0): the write
 * token, and bad input — hash-mismatched objects, a truncated stream, an oversized frame, an
 * incomplete closure, a garbage body, a client that disconnects mid-push. Each is refused with a
 * clear `{ error, code }`, another client is served meanwhile, the refs are unchanged and fsck is
 * clean.
 */
import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../cli/server/http.js'
import { frameObject, getDefaultHasher, type Repo } from '../../index.js'
import { encodeFrame, FrameKind } from '../../sync/frames.js'
import { bytes, openRepo, pushBytes } from './push-helpers.js'

const servers: RunningServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function serve(tokens: { write?: string; read?: string } = {}) {
  const repo = await openRepo()
  const faults: unknown[] = []
  const server = await startServer(repo, { backend: 'memory', name: null }, { host: '127.0.0.1', port: 0, tokens, onError: error => faults.push(error) })
  servers.push(server)
  return { repo, url: server.url, faults }
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown>
}

/** A POST whose body goes out in the given parts; `hangUp` destroys the connection after them. */
function post(url: string, route: string, parts: Uint8Array[], options: { token?: string; hangUp?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}sync/v1/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-irmin-objects', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    })
    req.on('response', response => {
      const chunks: Buffer[] = []
      response.on('data', chunk => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }))
    })
    req.on('error', reject)
    for (const part of parts) req.write(part)
    if (options.hangUp) setTimeout(() => (req.destroy(), resolve({ status: 0, headers: {}, body: {} })), 50)
    else req.end()
  })
}

async function refsOf(repo: Repo<Uint8Array>) {
  return repo.backend.listRefs('refs/')
}

/** Two clients with a commit each on their own branch: `first` for bad pushes, `other` for a good one beside it. */
async function setup(tokens: { write?: string; read?: string } = {}) {
  const served = await serve(tokens)
  const client = await openRepo()
  await client.branch('main').set(['a'], bytes('1'))
  await client.branch('other').set(['b'], bytes('2'))
  return { ...served, client }
}

const hash = (framed: Uint8Array) => getDefaultHasher().sha1Hex(framed)

describe('POST /sync/v1/has', () => {
  it('answers one character per id, and refuses garbage and oversized lists', async () => {
    const { repo, url } = await serve()
    const head = (await repo.branch('main').set(['a'], bytes('1')))!.id
    const absent = hash(frameObject('blob', bytes('absent')))
    const reply = await fetch(`${url}sync/v1/has`, { method: 'POST', body: JSON.stringify({ ids: [absent, head] }) })
    expect(await reply.json()).toEqual({ has: '01' })
    const garbage = await fetch(`${url}sync/v1/has`, { method: 'POST', body: '{"ids": [' })
    expect([garbage.status, (await garbage.json()).code]).toEqual([400, 'EBADREQUEST'])
    const badId = await fetch(`${url}sync/v1/has`, { method: 'POST', body: JSON.stringify({ ids: ['nope'] }) })
    expect([badId.status, (await badId.json()).code]).toEqual([400, 'EBADREQUEST'])
    const many = await fetch(`${url}sync/v1/has`, { method: 'POST', body: JSON.stringify({ ids: Array(100_001).fill(head) }) })
    expect([many.status, (await many.json()).code]).toEqual([413, 'ETOOLARGE'])
  })
})

describe('POST /sync/v1/push', () => {
  it('needs the write token when one is set: 401 with WWW-Authenticate, nothing stored or moved', async () => {
    const { repo, url, client } = await setup({ write: 'secret' })
    const push = await pushBytes(client, 'main', repo)
    for (const token of [undefined, 'wrong', 'secre']) {
      const reply = await post(url, 'push', [push.bytes], { token })
      expect([reply.status, reply.body.code, reply.headers['www-authenticate']]).toEqual([401, 'EUNAUTHORIZED', 'Bearer'])
    }
    expect(await repo.backend.hasObjects([push.head])).toEqual([false])
    expect(await refsOf(repo)).toEqual([])
    const landed = await post(url, 'push', [push.bytes], { token: 'secret' })
    expect([landed.status, landed.body]).toEqual([200, { ref: 'refs/heads/main', old: null, new: push.head, merged: false }])
  })

  it('with only a read token, a push needs it too', async () => {
    const { repo, url, client } = await setup({ read: 'reader' })
    const push = await pushBytes(client, 'main', repo)
    expect((await post(url, 'push', [push.bytes])).status).toBe(401)
    expect(await refsOf(repo)).toEqual([])
    expect((await post(url, 'push', [push.bytes], { token: 'reader' })).status).toBe(200)
  })

  it('refuses each kind of bad input clearly, serves another push meanwhile, and leaves refs and fsck clean', async () => {
    const { repo, url, client, faults } = await setup()
    const good = await pushBytes(client, 'main', repo)
    const header = encodeFrame({ kind: FrameKind.push, json: { ref: 'refs/heads/main', old: null, new: good.head, mode: 'fast-forward' } })
    const end = (objects: number) => encodeFrame({ kind: FrameKind.end, json: { objects } })
    const forged = frameObject('blob', bytes('forged'))
    const cases: Array<[name: string, parts: Uint8Array[], status: number, code: string]> = [
      ['incomplete closure', [header, end(0)], 422, 'EINCOMPLETE'],
      ['hash mismatch', [header, encodeFrame({ kind: FrameKind.object, id: hash(frameObject('blob', bytes('x'))), bytes: forged }), end(1)], 400, 'EHASH'],
      ['truncated stream', [good.bytes.subarray(0, good.bytes.length >> 1)], 400, 'ETRUNCATED'],
      ['oversized frame', [header, Uint8Array.of(FrameKind.object, 0xff, 0xff, 0xff, 0xf0)], 413, 'ETOOLARGE'],
      ['garbage body', [bytes('{"ref": "refs/heads/main"}')], 400, 'EBADREQUEST'],
      ['not a valid object', [header, encodeFrame({ kind: FrameKind.object, id: hash(frameObject('commit', bytes('no'))), bytes: frameObject('commit', bytes('no')) }), end(1)], 400, 'EBADREQUEST'],
    ]
    for (const [name, parts, status, code] of cases) {
      const other = await pushBytes(client, 'other', repo)
      // The bad push and a good one side by side: the good one lands.
      const [bad, fine] = await Promise.all([post(url, 'push', parts), post(url, 'push', [other.bytes])])
      expect([name, bad.status, bad.body.code], String(bad.body.error)).toEqual([name, status, code])
      expect(typeof bad.body.error).toBe('string')
      expect(fine.status, name).toBe(200)
      expect(await repo.backend.getRef('refs/heads/main'), name).toBeUndefined()
      if (code === 'EINCOMPLETE') expect(bad.body.missing).toContain(good.head)
      await client.branch('other').set(['b'], bytes(name))
    }
    expect((await repo.fsck()).damage).toEqual([])
    expect(faults).toEqual([])
  })

  it('a client that disconnects mid-push leaves refs as they were; what arrived is kept and a resumed push lands', async () => {
    const { repo, url, client, faults } = await setup()
    await client.branch('main').set(['c'], bytes('big'.repeat(10_000)))
    const push = await pushBytes(client, 'main', repo)
    const cut = Math.floor(push.bytes.length * 0.9)
    const other = await pushBytes(client, 'other', repo)
    const [gone, fine] = await Promise.all([post(url, 'push', [push.bytes.subarray(0, cut)], { hangUp: true }), post(url, 'push', [other.bytes])])
    expect(gone.status).toBe(0)
    expect(fine.status).toBe(200)
    expect(await repo.backend.getRef('refs/heads/main')).toBeUndefined()
    // Wait for the server to have finished with the dead connection, then see what it kept.
    let kept: boolean[] = []
    for (let i = 0; i < 50 && !kept.some(Boolean); i++) {
      await new Promise(resolve => setTimeout(resolve, 20))
      kept = await repo.backend.hasObjects(push.ids)
    }
    expect(kept.some(Boolean)).toBe(true)
    expect((await repo.fsck()).damage).toEqual([])
    const resumed = await pushBytes(client, 'main', repo, {}, id => kept[push.ids.indexOf(id)] === true)
    expect(resumed.ids.length).toBeLessThan(push.ids.length)
    expect((await post(url, 'push', [resumed.bytes])).status).toBe(200)
    expect(await repo.backend.getRef('refs/heads/main')).toBe(push.head)
    expect(faults).toEqual([])
  })
})

/**
 * The sync routes inside `irmin serve`'s HTTP server (in-process, port 0): GET refs, tokens
 * (Bearer and Basic, read and write), POST accepted under /sync/v1/ only, refusals as
 * `{ error, code }` with the server serving on.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningServer, startServer } from '../../cli/server/http.js'
import { Contents, openMemoryBackend, Repo } from '../../index.js'
import { tokensEqual } from '../../sync/server/auth.js'
import { detectRemoteKind } from '../../sync/client/git-remotes.js'

const servers: RunningServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function serve(tokens: { write?: string; read?: string } = {}) {
  const repo = await Repo.open({ backend: openMemoryBackend(), contents: Contents.bytes })
  const server = await startServer(repo, { backend: 'memory', name: null }, { host: '127.0.0.1', port: 0, tokens, onError: error => { throw error } })
  servers.push(server)
  return { repo, url: server.url }
}

const bytes = (text: string) => new TextEncoder().encode(text)

describe('GET /sync/v1/refs', () => {
  it('lists branches and tags sorted, with the shallow list; a prefix narrows it', async () => {
    const { repo, url } = await serve()
    const b = await repo.branch('b').set(['x'], bytes('1'))
    const a = await repo.branch('a').set(['y'], bytes('2'))
    const reply = await (await fetch(`${url}sync/v1/refs`)).json()
    expect(reply).toEqual({ refs: [['refs/heads/a', a!.id], ['refs/heads/b', b!.id]], shallow: [] })
    const only = await (await fetch(`${url}sync/v1/refs?prefix=refs/heads/b`)).json()
    expect(only.refs).toEqual([['refs/heads/b', b!.id]])
  })

  it('an unknown route is 404 ENOTFOUND, a wrong method 405, and POST elsewhere is still refused', async () => {
    const { url } = await serve()
    const missing = await fetch(`${url}sync/v1/nope`)
    expect(missing.status).toBe(404)
    expect((await missing.json()).code).toBe('ENOTFOUND')
    const wrong = await fetch(`${url}sync/v1/refs`, { method: 'POST', body: '{}' })
    expect(wrong.status).toBe(405)
    const api = await fetch(`${url}api/branches`, { method: 'POST', body: '{}' })
    expect(api.status).toBe(405)
    expect((await fetch(`${url}sync/v1/refs`)).status).toBe(200)
  })
})

describe('tokens', () => {
  it('--read-token: no or wrong token is 401 with WWW-Authenticate; Bearer R, Bearer T and Basic work', async () => {
    const { url } = await serve({ write: 'w-secret', read: 'r-secret' })
    const none = await fetch(`${url}sync/v1/refs`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    expect((await none.json()).code).toBe('EUNAUTHORIZED')
    expect((await fetch(`${url}sync/v1/refs`, { headers: { authorization: 'Bearer r-secretX' } })).status).toBe(401)
    expect((await fetch(`${url}sync/v1/refs`, { headers: { authorization: 'Bearer r-secret' } })).status).toBe(200)
    expect((await fetch(`${url}sync/v1/refs`, { headers: { authorization: 'Bearer w-secret' } })).status).toBe(200)
    const basic = `Basic ${Buffer.from('anyone:r-secret').toString('base64')}`
    expect((await fetch(`${url}sync/v1/refs`, { headers: { authorization: basic } })).status).toBe(200)
    // The inspector's API is guarded as well, with a Basic challenge a browser answers.
    const api = await fetch(`${url}api/branches`)
    expect(api.status).toBe(401)
    expect(api.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect((await fetch(`${url}api/branches`, { headers: { authorization: basic } })).status).toBe(200)
  })

  it('--read-token: a path that is no page is a 404, not a challenge, so a client probing for git sees irmin serve', async () => {
    const { url } = await serve({ read: 'r-secret' })
    const probe = await fetch(`${url}info/refs?service=git-upload-pack`)
    expect(probe.status).toBe(404)
    expect(probe.headers.get('www-authenticate')).toBeNull()
    expect(await detectRemoteKind(url)).toBe('irmin')
    expect((await fetch(url)).status).toBe(401)
  })

  it('a write token alone leaves reads open', async () => {
    const { url } = await serve({ write: 'w' })
    expect((await fetch(`${url}sync/v1/refs`)).status).toBe(200)
  })

  it('tokensEqual compares whole tokens of any length', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true)
    expect(tokensEqual('abc', 'abd')).toBe(false)
    expect(tokensEqual('ab', 'abc')).toBe(false)
    expect(tokensEqual('', 'abc')).toBe(false)
  })
})

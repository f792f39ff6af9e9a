/** The git client's HTTP side: Basic credentials from the URL or the token, typed HTTP errors, v2 header. */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitAuthError, GitHttpError, GitTransferError } from '../../git-protocol/errors.js'
import { GitHttp } from '../../git-protocol/client/http.js'

let base: string
let seen: Array<{ url: string; headers: IncomingHttpHeaders }> = []
let status = 200
const server = createServer((request, response) => {
  seen.push({ url: request.url ?? '', headers: request.headers })
  if (status === 401) response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('auth needed\n')
  else if (status !== 200) response.writeHead(status).end('broken\n')
  else response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' }).end('0000')
})

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`

describe('git client HTTP', () => {
  it('sends the URL\'s user:password as Basic (not in the URL requested), and asks for v2', async () => {
    seen = []
    const http = new GitHttp(`http://al%20ice:s%3Acret@${base.slice(7)}/r.git/`)
    await http.advertise('git-upload-pack')
    expect(seen[0]!.url).toBe('/r.git/info/refs?service=git-upload-pack')
    expect(seen[0]!.headers.authorization).toBe(basic('al ice:s:cret'))
    expect(seen[0]!.headers['git-protocol']).toBe('version=2')
    expect(http.url).toBe(`${base}/r.git`)
  })

  it('a token is the password; no credentials, no header; v0 when asked', async () => {
    seen = []
    await new GitHttp(`${base}/r.git`, { password: 'T0K' }).advertise('git-upload-pack')
    await new GitHttp(`${base}/r.git`, { protocolV2: false }).advertise('git-upload-pack')
    expect(seen[0]!.headers.authorization).toBe(basic('git:T0K'))
    expect(seen[1]!.headers.authorization).toBeUndefined()
    expect(seen[1]!.headers['git-protocol']).toBeUndefined()
  })

  it('401 is a GitAuthError, 500 a GitHttpError with the status, no server a GitTransferError', async () => {
    status = 401
    await expect(new GitHttp(`${base}/r.git`).advertise('git-receive-pack')).rejects.toBeInstanceOf(GitAuthError)
    status = 500
    const error = await new GitHttp(`${base}/r.git`).post('git-upload-pack', new Uint8Array(4), true).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitHttpError)
    expect((error as GitHttpError).status).toBe(500)
    status = 200
    await expect(new GitHttp('http://127.0.0.1:1/r.git').advertise('git-upload-pack')).rejects.toBeInstanceOf(GitTransferError)
  })
})

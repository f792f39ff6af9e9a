/**
 * git's smart HTTP under `/git/` of `irmin serve` (gitprotocol-http): `GET info/refs?service=…`,
 * `POST git-upload-pack`, `POST git-receive-pack`. The URL to give git is `http://host:port/git`.
 *
 * Tokens as for the sync routes (sync/server/auth.ts): reads need the read token when there is
 * one, pushes the write token; git sends it as the password of HTTP Basic, and a request without
 * it is answered 401 with `WWW-Authenticate: Basic`, so git asks for credentials.
 *
 * A refusal before the reply began is a 4xx with an `ERR` pkt-line (text for info/refs, where git
 * prints it); after, an `ERR` line (or band 3 inside a pack). The server goes on serving.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { IrminError } from '../../core/index.js'
import { UnauthorizedError } from '../../sync/errors.js'
import { authorize } from '../../sync/server/auth.js'
import type { SyncServerContext } from '../../sync/server/context.js'
import { drained } from '../../sync/server/routes.js'
import { GitRequestError } from '../errors.js'
import { pktLine } from '../pkt-line.js'
import { type Service, v0Advertisement, v2Capabilities } from './advertise.js'
import { requestBody } from './body.js'
import { receivePack } from './receive-pack.js'
import { packLevel } from './pack-objects.js'
import { advertiseRefs } from './refs.js'
import { GitReply } from './reply.js'
import { uploadPackV2 } from './upload-pack.js'
import { uploadPackV0 } from './upload-pack-v0.js'

export const GIT_PREFIX = '/git/'

/** Bytes of an upload-pack request (wants and haves; gunzipped). */
const UPLOAD_REQUEST_LIMIT = 32 * 1024 * 1024

/** Answers one request whose path starts with GIT_PREFIX; never throws. */
export async function handleGit(ctx: SyncServerContext, request: IncomingMessage, response: ServerResponse, onFault: (error: unknown) => void): Promise<void> {
  const [pathname, search = ''] = (request.url ?? '/').split('?', 2)
  const route = pathname.slice(GIT_PREFIX.length)
  let reply: GitReply | undefined
  let body: AsyncGenerator<Uint8Array> | undefined
  try {
    if (route === 'info/refs') {
      if (request.method !== 'GET' && request.method !== 'HEAD') throw new GitRequestError(`${request.method} is not allowed on ${pathname}`, 405)
      const service = new URLSearchParams(search).get('service')
      if (service !== 'git-upload-pack' && service !== 'git-receive-pack') throw new GitRequestError('only smart HTTP is served: ask for info/refs?service=git-upload-pack or git-receive-pack', 403)
      authorize(ctx.tokens, request, service === 'git-receive-pack' ? 'write' : 'read')
      reply = new GitReply(response, `application/x-${service}-advertisement`)
      const body = service === 'git-upload-pack' && wantsV2(request) ? v2Capabilities() : v0Advertisement(service, await advertiseRefs(ctx.repo))
      await reply.raw(body)
      return reply.end()
    }
    const service = route === 'git-upload-pack' || route === 'git-receive-pack' ? (route as Service) : undefined
    if (service === undefined) throw new GitRequestError(`no such git route: ${pathname} (the git URL is ${GIT_PREFIX.slice(0, -1)})`, 404)
    if (request.method !== 'POST') throw new GitRequestError(`${request.method} is not allowed on ${pathname}`, 405)
    authorize(ctx.tokens, request, service === 'git-receive-pack' ? 'write' : 'read')
    reply = new GitReply(response, `application/x-${service}-result`)
    body = requestBody(request, service === 'git-receive-pack' ? ctx.limits.pushBytes : UPLOAD_REQUEST_LIMIT, service === 'git-receive-pack' ? 'a push' : 'an upload-pack request')
    if (service === 'git-receive-pack') return await receivePack(ctx, body, reply)
    const level = packLevel(request.socket.remoteAddress)
    if (wantsV2(request)) await uploadPackV2(ctx, body, reply, level)
    else await uploadPackV0(ctx, body, reply, level)
  } catch (error) {
    await refuse(error, request, response, reply, body, route === 'info/refs', onFault)
  }
}

const DRAIN_BYTES = 1024 * 1024
const DRAIN_MS = 2000

/** Reads and drops the rest of a body being read; whether it ended within `limit` bytes and `ms`. */
async function drainedBody(body: AsyncGenerator<Uint8Array>, limit: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  let bytes = 0
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined
      const step = await Promise.race([body.next(), new Promise<'late'>(resolve => (timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()))))])
      clearTimeout(timer)
      if (step === 'late') return false
      if (step.done) return true
      bytes += step.value.length
      if (bytes > limit) return false
    }
  } catch {
    return false
  }
}

/** Whether the client asked for protocol v2 (`Git-Protocol: version=2`, among other keys). */
function wantsV2(request: IncomingMessage): boolean {
  const header = request.headers['git-protocol']
  return typeof header === 'string' && header.split(':').includes('version=2')
}

async function refuse(error: unknown, request: IncomingMessage, response: ServerResponse, reply: GitReply | undefined, body: AsyncGenerator<Uint8Array> | undefined, advertisement: boolean, onFault: (error: unknown) => void): Promise<void> {
  const unauthorized = error instanceof UnauthorizedError
  const status = unauthorized ? 401 : error instanceof GitRequestError ? error.status : error instanceof IrminError ? 400 : 500
  if (status === 500) onFault(error)
  const message = status === 500 ? `internal error: ${error instanceof Error ? error.message : String(error)}` : (error as Error).message
  if (reply?.started) {
    // Inside a reply git is reading: an ERR line it prints as "remote error", or band 3 within a pack.
    if (!reply.gone) {
      await reply.error(message).catch(() => {})
      reply.end()
    }
    return
  }
  if (response.headersSent) return void response.destroy()
  if (unauthorized) response.setHeader('www-authenticate', 'Basic realm="irmin", charset="UTF-8"')
  // A refusal before the body was read (through `body` when it was begun): a small rest is read
  // first, so git gets this reply, not a broken pipe; past that, the connection closes after it.
  const rest = body === undefined ? drained(request, DRAIN_BYTES, DRAIN_MS) : drainedBody(body, DRAIN_BYTES, DRAIN_MS)
  if (!request.complete && !(await rest)) response.setHeader('connection', 'close')
  const [type, text] = advertisement ? ['text/plain; charset=utf-8', `${message}\n`] : [`application/x-${request.url?.includes('receive') ? 'git-receive-pack' : 'git-upload-pack'}-result`, Buffer.from(pktLine(`ERR ${message}\n`))]
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/**
 * The HTTP server of `irmin serve`: the inspector page at `/`, its script, the JSON API under
 * `/api/`, the sync protocol under `/sync/v1/` (sync/server/routes.ts) and git's smart HTTP under
 * `/git/` (git-protocol/server/routes.ts). The inspector and API are read-only (GET and HEAD);
 * only sync and git routes take POST. Every request must be addressed to the
 * server's own names (host-guard.ts). A bad request gets a 4xx JSON error `{ error, code }`
 * and the server goes on serving; a failure of ours is a 500 of the same shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { IrminError, type Repo } from '../../index.js'
import type { ApiError, ApiInfo } from '../../web/inspector/api-types.js'
import { PortInUseError } from '../errors.js'
import { API, type Reply } from './api.js'
import { allowedHosts, checkHost } from './host-guard.js'
import { HttpError, statusOf } from './http-error.js'
import { loadPages } from './static.js'
import { createSyncContext, type SyncTokens } from '../../sync/server/context.js'
import { handleSync, SYNC_PREFIX } from '../../sync/server/routes.js'
import { authorize } from '../../sync/server/auth.js'
import { GIT_PREFIX, handleGit } from '../../git-protocol/server/routes.js'

export interface RunningServer {
  /** `http://host:port/` */
  readonly url: string
  close(): Promise<void>
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
}

/** Raw values (an SVG among them) run nothing, even when their URL is opened as a page. */
const RAW_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

export async function startServer(
  repo: Repo<Uint8Array>,
  info: ApiInfo,
  options: { host: string; port: number; tokens?: SyncTokens; onError(error: unknown): void },
): Promise<RunningServer> {
  const files = loadPages()
  const sync = createSyncContext(repo, options.tokens)
  // Known once listening (--port 0 picks one); nothing is answered before.
  let allowed: ReadonlySet<string> = new Set()
  const server = createServer((request, response) => {
    answer(request, response).catch(error => options.onError(error))
  })

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      checkHost(request.headers.host, allowed)
      // The sync protocol is the one place that takes POST (fetch requests and pushes).
      if ((request.url ?? '').startsWith(SYNC_PREFIX)) return await handleSync(sync, request, response, options.onError)
      // git's smart HTTP (upload-pack, receive-pack) takes POST too, with the same tokens.
      if ((request.url ?? '').startsWith(GIT_PREFIX)) return await handleGit(sync, request, response, options.onError)
      const [pathname, search = ''] = (request.url ?? '/').split('?', 2)
      // No such page is a 404 before any challenge: a Basic challenge on git's `/info/refs` would
      // tell a client probing for a git server (sync/client/git-remotes.ts) that this is one.
      if (!pathname.startsWith('/api/') && !files.has(pathname)) throw new HttpError(404, 'ENOROUTE', `not found: ${pathname}`)
      // --read-token guards the inspector and its API as well (Basic: a browser asks for it).
      if (sync.tokens.read !== undefined) {
        response.setHeader('www-authenticate', 'Basic realm="irmin", charset="UTF-8"')
        authorize(sync.tokens, request, 'read')
        response.removeHeader('www-authenticate')
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('allow', 'GET, HEAD')
        throw new HttpError(405, 'EMETHOD', `${request.method} is not allowed: the API is read-only`)
      }
      if (pathname.startsWith('/api/')) {
        const [name, ...segments] = decodeSegments(pathname.slice('/api/'.length))
        const handler = Object.hasOwn(API, name) ? API[name] : undefined
        if (!handler) throw new HttpError(404, 'ENOROUTE', `no such API route: /api/${name}`)
        return send(response, 200, await handler({ repo, info }, segments, new URLSearchParams(search)))
      }
      const file = files.get(pathname)!
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS, ...file.headers }).end(file.body)
    } catch (error) {
      const status = statusOf(error)
      if (status === 500) options.onError(error)
      const body: ApiError = {
        error: error instanceof Error ? error.message : String(error),
        code: error instanceof IrminError && status !== 500 ? error.code : 'EINTERNAL',
      }
      send(response, status, { json: body })
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', error => {
      reject((error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? new PortInUseError(options.host, options.port) : error)
    })
    server.listen(options.port, options.host, resolve)
  })
  const { port } = server.address() as AddressInfo
  allowed = allowedHosts(options.host, port)
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** `a/b%2Fc/d` → `['a', 'b/c', 'd']`; a malformed escape is the client's mistake. */
function decodeSegments(path: string): string[] {
  return path.split('/').map(segment => {
    try {
      return decodeURIComponent(segment)
    } catch {
      throw new HttpError(400, 'EBADREQUEST', `malformed percent-encoding in URL segment "${segment}"`)
    }
  })
}

function send(response: ServerResponse, status: number, reply: Reply): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const [body, type] = 'json' in reply ? [JSON.stringify(reply.json), 'application/json; charset=utf-8'] : [reply.bytes, reply.type]
  const policy = 'json' in reply ? {} : { 'content-security-policy': RAW_POLICY }
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...policy })
  if (typeof body === 'string' || body.length <= STREAM_CHUNK) response.end(body)
  // A large value goes out a slice at a time, as the client takes it, not as one more copy queued.
  else Readable.from(slices(body)).pipe(response)
}

const STREAM_CHUNK = 64 * 1024

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += STREAM_CHUNK) yield bytes.subarray(at, at + STREAM_CHUNK)
}

/**
 * The sync routes under `/sync/v1/`, keyed by method and route name, and the dispatcher that
 * `irmin serve`'s HTTP server hands those requests to: it checks the token (writes need the write
 * token; reads need a token only with --read-token), runs the handler, and turns a refusal into
 * `{ error, code }` with its status (or, once a stream has begun, the handler's ERROR frame).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SyncError } from '../errors.js'
import { authorize } from './auth.js'
import type { Handler, SyncServerContext } from './context.js'
import { getEvents } from './events.js'
import { postFetch } from './fetch.js'
import { postHas } from './has.js'
import { postObjects } from './objects.js'
import { postPush } from './push.js'
import { getRefs } from './refs.js'
import { refusal, sendJson } from './reply.js'

export const SYNC_PREFIX = '/sync/v1/'

export const ROUTES: Readonly<Record<string, Handler>> = {
  'GET refs': getRefs,
  'POST fetch': postFetch,
  'POST objects': postObjects,
  'POST has': postHas,
  'POST push': postPush,
  'GET events': getEvents,
}

/** Routes that change the store: they need the write token when one is set. */
export const WRITE_ROUTES: ReadonlySet<string> = new Set(['POST push'])

/** Answers one request whose path starts with SYNC_PREFIX; never throws. */
export async function handleSync(ctx: SyncServerContext, request: IncomingMessage, response: ServerResponse, onFault: (error: unknown) => void): Promise<void> {
  try {
    const pathname = (request.url ?? '/').split('?', 1)[0]
    const key = `${request.method} ${pathname.slice(SYNC_PREFIX.length)}`
    const handler = Object.hasOwn(ROUTES, key) ? ROUTES[key] : undefined
    if (!handler) {
      const known = Object.keys(ROUTES).some(route => route.endsWith(` ${pathname.slice(SYNC_PREFIX.length)}`))
      if (known) {
        response.setHeader('allow', Object.keys(ROUTES).filter(r => r.endsWith(` ${pathname.slice(SYNC_PREFIX.length)}`)).map(r => r.split(' ')[0]).join(', '))
        throw new SyncError('EMETHOD', `${request.method} is not allowed on ${pathname}`)
      }
      throw new SyncError('ENOTFOUND', `no such sync route: ${pathname}`)
    }
    authorize(ctx.tokens, request, WRITE_ROUTES.has(key) ? 'write' : 'read')
    await handler(ctx, request, response)
  } catch (error) {
    const { status, body } = refusal(error)
    if (status === 500) onFault(error)
    if (response.headersSent) return void response.destroy()
    if (status === 401) response.setHeader('www-authenticate', 'Bearer')
    // A refusal before the body was read (no token, unknown route): read a small rest of it first,
    // so a client still sending gets this reply and not a broken pipe. A large rest is not worth
    // reading: the connection closes after the reply.
    if (!request.complete && (await drained(request, DRAIN_LIMIT, DRAIN_MS))) {
      sendJson(response, status, body)
      return
    }
    if (!request.complete) response.setHeader('connection', 'close')
    sendJson(response, status, body)
  }
}

const DRAIN_LIMIT = 1024 * 1024
const DRAIN_MS = 2000

/** Reads and drops the rest of a request body; whether it ended within `limit` bytes and `ms`. */
export function drained(request: IncomingMessage, limit: number, ms: number): Promise<boolean> {
  if (request.readableEnded) return Promise.resolve(true)
  return new Promise(resolve => {
    let bytes = 0
    const done = (ended: boolean) => {
      clearTimeout(timer)
      request.off('data', onData).off('end', onEnd).off('error', onError)
      if (!ended) request.pause()
      resolve(ended)
    }
    const onData = (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > limit) done(false)
    }
    const onEnd = () => done(true)
    const onError = () => done(false)
    const timer = setTimeout(() => done(false), ms)
    request.on('data', onData).on('end', onEnd).on('error', onError)
    request.resume()
  })
}

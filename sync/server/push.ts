/**
 * `POST /sync/v1/push` (sync/PROTOCOL.md): an object stream in, the ref's outcome out as JSON.
 * The write token is checked by the dispatcher (routes.ts) before this runs; the stream, the
 * checks and the ref move are push-receive.ts's.
 */
import type { Handler } from './context.js'
import { receivePush } from './push-receive.js'
import { sendJson } from './reply.js'

export const postPush: Handler = async (ctx, request, response) => {
  const { ref, old, new: next, merged } = await receivePush(ctx, request)
  sendJson(response, 200, { ref, old, new: next, merged })
}

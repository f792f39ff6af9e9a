/**
 * `GET /sync/v1/events[?prefix=…]` (server-sent events): first `refs` (the GET refs reply), then
 * one `ref` event `{ ref, id }` per move under the prefix, in the order the moves happened; a
 * `: ping` comment every 15 s keeps proxies from closing the stream.
 */
import type { Handler } from './context.js'
import { listRefsReply } from './refs.js'

export const PING_MS = 15_000
const DEFAULT_PREFIXES = ['refs/heads/', 'refs/tags/']

export const getEvents: Handler = async (ctx, request, response) => {
  const prefix = new URL(request.url ?? '/', 'http://x').searchParams.get('prefix')
  const prefixes = prefix === null ? DEFAULT_PREFIXES : [prefix]
  // Listening starts before the snapshot is read, so no move falls between the two; a move seen
  // by both is sent twice, which a subscriber takes as a no-op.
  let ready = false
  const early: string[] = []
  const unsubscribe = ctx.onRefMoved((ref, id) => {
    if (!prefixes.some(p => ref.startsWith(p))) return
    const event = `event: ref\ndata: ${JSON.stringify({ ref, id: id ?? null })}\n\n`
    if (ready) response.write(event)
    else early.push(event)
  })
  const ping = setInterval(() => response.write(': ping\n\n'), PING_MS)
  const stop = () => {
    unsubscribe()
    clearInterval(ping)
  }
  response.on('close', stop)
  try {
    const refs = await listRefsReply(ctx, prefix)
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
    response.write(`event: refs\ndata: ${JSON.stringify(refs)}\n\n`)
    for (const event of early) response.write(event)
    ready = true
  } catch (error) {
    stop()
    throw error
  }
}

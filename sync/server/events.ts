/**
 * `GET /sync/v1/events[?prefix=…]` (server-sent events): first `refs` (the GET refs reply), then
 * one `ref` event `{ ref, id }` per move under the prefix, in the order the moves happened; a
 * `: ping` comment every 15 s keeps proxies from closing the stream.
 *
 * Moves are heard from the backend (every writer of this process), and the refs are also read
 * again every half second, once for all subscribers (ref-poll.ts), for writers the backend cannot
 * hear (another process writing to a git repository, git itself): either way a subscriber learns
 * of a move within a second. Each subscriber's last known value per ref filters out what it has
 * been told already.
 */
import type { Handler } from './context.js'
import { listRefsReply } from './refs.js'

export const PING_MS = 15_000
const DEFAULT_PREFIXES = ['refs/heads/', 'refs/tags/']

export const getEvents: Handler = async (ctx, request, response) => {
  const prefix = new URL(request.url ?? '/', 'http://x').searchParams.get('prefix')
  const prefixes = prefix === null ? DEFAULT_PREFIXES : [prefix]
  const known = new Map<string, string>()
  let ready = false
  const early: Array<[string, string | undefined]> = []
  const tell = (ref: string, id: string | undefined) => {
    if (known.get(ref) === id) return
    if (id === undefined) known.delete(ref)
    else known.set(ref, id)
    response.write(`event: ref\ndata: ${JSON.stringify({ ref, id: id ?? null })}\n\n`)
  }
  // Listening starts before the snapshot is read, so no move falls between the two.
  const unsubscribe = ctx.onRefMoved((ref, id) => {
    if (!prefixes.some(p => ref.startsWith(p))) return
    if (ready) tell(ref, id)
    else early.push([ref, id])
  })
  const stopReading = ctx.onRefsRead(refs => {
    if (!ready) return
    const now = [...refs].filter(([ref]) => prefixes.some(p => ref.startsWith(p)))
    const present = new Set(now.map(([ref]) => ref))
    for (const ref of [...known.keys()]) if (!present.has(ref)) tell(ref, undefined)
    for (const [ref, id] of now) tell(ref, id)
  })
  const ping = setInterval(() => response.write(': ping\n\n'), PING_MS)
  const stop = () => {
    unsubscribe()
    stopReading()
    clearInterval(ping)
  }
  response.on('close', stop)
  try {
    const refs = await listRefsReply(ctx, prefix)
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' })
    response.write(`event: refs\ndata: ${JSON.stringify(refs)}\n\n`)
    for (const [ref, id] of refs.refs) known.set(ref, id)
    ready = true
    for (const [ref, id] of early) tell(ref, id)
  } catch (error) {
    stop()
    throw error
  }
}

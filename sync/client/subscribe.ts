/**
 * Subscribing to a server's ref moves (GET /sync/v1/events), in Node and browsers: `fetch` with
 * a streaming body (EventSource cannot send a token). The stream is parsed as server-sent events;
 * when it ends or breaks, the subscriber reconnects (with a growing pause, at most 5 s) and reads
 * the `refs` event again, so it misses nothing. A refusal (bad token, no such route) stops it.
 */
import { SyncError } from '../errors.js'
import { bodyChunks, type RefsReply, SyncTransport, type TransportOptions } from './transport.js'

export interface RefMove {
  readonly ref: string
  /** Null when the ref was deleted. */
  readonly id: string | null
}

export interface SubscribeOptions extends TransportOptions {
  /** Only refs under this prefix (default: branches and tags). */
  readonly prefix?: string
  /** The full list of refs, on every (re)connection. */
  onRefs?(reply: RefsReply): void
  onMove?(move: RefMove): void
  /** Connection trouble (it reconnects) or a refusal (it stops: `stopped` is true). */
  onError?(error: unknown, stopped: boolean): void
}

export interface Subscription {
  close(): void
  /** Resolves when the subscription has stopped (closed, or refused). */
  readonly done: Promise<void>
}

export function subscribe(url: string, options: SubscribeOptions = {}): Subscription {
  const transport = new SyncTransport(url, options)
  const abort = new AbortController()
  const route = `events${options.prefix === undefined ? '' : `?prefix=${encodeURIComponent(options.prefix)}`}`
  const run = async () => {
    let pause = 100
    while (!abort.signal.aborted) {
      try {
        const response = await transport.send(route, { method: 'GET', signal: abort.signal, headers: { accept: 'text/event-stream' } })
        if (response.body === null) throw new SyncError('ETRUNCATED', 'the event stream has no body')
        for await (const event of parseEvents(bodyChunks(response.body))) {
          pause = 100
          if (event.type === 'refs') options.onRefs?.(JSON.parse(event.data) as RefsReply)
          else if (event.type === 'ref') options.onMove?.(JSON.parse(event.data) as RefMove)
        }
      } catch (error) {
        if (abort.signal.aborted) return
        const refused = error instanceof SyncError && ['EUNAUTHORIZED', 'ENOTFOUND', 'EBADREQUEST'].includes(error.code)
        options.onError?.(error, refused)
        if (refused) return
      }
      if (abort.signal.aborted) return
      await new Promise(resolve => setTimeout(resolve, pause))
      pause = Math.min(pause * 2, 5000)
    }
  }
  const done = run()
  return { close: () => abort.abort(), done }
}

interface ServerEvent {
  type: string
  data: string
}

/** Server-sent events out of a byte stream (comments skipped; `data` lines joined). */
export async function* parseEvents(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  let type = 'message'
  let data: string[] = []
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true })
    let newline: number
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1)
      if (line === '') {
        if (data.length > 0) yield { type, data: data.join('\n') }
        type = 'message'
        data = []
      } else if (line.startsWith(':')) continue
      else {
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') type = value
        else if (field === 'data') data.push(value)
      }
    }
  }
}

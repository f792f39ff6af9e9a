/**
 * The client side of sync/PROTOCOL.md over `fetch` (Node and browsers alike: no Node modules),
 * or, for the ref list and object streams, over a platform's own HTTP client where one is
 * installed (`setHttpRequest`: the Node entry installs `node:http`). JSON calls, object streams
 * read incrementally from the response body (a clone is never held whole), the token as
 * `Authorization: Bearer`, refusals rethrown as the server's typed errors, and
 * `RemoteUnavailableError` when the request gets no answer at all.
 */
import { decodeFrameBatches, type Frame, FrameKind, OBJECT_STREAM_TYPE } from '../frames.js'
import { RemoteUnavailableError, syncErrorFromWire, SyncError, TruncatedStreamError } from '../errors.js'

export interface TransportOptions {
  /** Sent as `Authorization: Bearer TOKEN`. */
  readonly token?: string
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof globalThis.fetch
}

export interface RefsReply {
  readonly refs: Array<[name: string, id: string]>
  readonly shallow: string[]
}

export interface FetchBody {
  readonly wants: readonly string[]
  readonly haves: readonly string[]
  readonly depth?: number
  readonly filter?: string
  /** Accept TREE_DELTA frames (tree-delta.ts). */
  readonly treeDeltas?: boolean
}

/** A reply as a platform's own HTTP client gives it (see `setHttpRequest`), its body streamed. */
export interface HttpReply {
  readonly status: number
  readonly contentType: string
  readonly chunks: AsyncIterable<Uint8Array>
  /** The whole body (JSON replies, refusals). */
  text(): Promise<string>
  /** Drops the body unread. */
  cancel(): void
}

/** One request (a POST's body is JSON); a request that gets no answer is `RemoteUnavailableError`. */
export type HttpRequest = (method: 'GET' | 'POST', url: string, body: string | undefined, headers: Record<string, string>) => Promise<HttpReply>

let httpRequest: HttpRequest | undefined

/**
 * The ref list and object streams (fetch, objects), and the probe of a remote's kind, go through
 * `request` rather than `fetch`, unless a transport is given its own `fetch`. The Node entry
 * installs `node:http` (node-http.ts).
 */
export function setHttpRequest(request: HttpRequest | undefined): void {
  httpRequest = request
}

/** The installed request function, if any. */
export function installedHttpRequest(): HttpRequest | undefined {
  return httpRequest
}

export class SyncTransport {
  /** Requests sent (round trips), for callers that count them. */
  requests = 0
  readonly base: string
  private readonly fetcher: typeof globalThis.fetch

  constructor(
    url: string,
    private readonly options: TransportOptions = {},
  ) {
    this.base = `${url.replace(/\/+$/, '')}/sync/v1/`
    this.fetcher = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  async refs(prefix?: string): Promise<RefsReply> {
    const query = prefix === undefined ? '' : `?prefix=${encodeURIComponent(prefix)}`
    if (this.installed() !== undefined) return JSON.parse(await (await this.request('GET', `refs${query}`)).text()) as RefsReply
    const response = await this.send(`refs${query}`, { method: 'GET' })
    return (await response.json()) as RefsReply
  }

  /** The frames answering a fetch, a chunk's worth at a time: OBJECT (hash-checked), SHALLOW, PROGRESS; an ERROR frame is thrown. */
  fetchObjects(body: FetchBody): AsyncGenerator<Frame[]> {
    return this.stream('fetch', body)
  }

  /** The objects `ids`, each as OBJECT or MISSING. */
  async *objects(ids: readonly string[]): AsyncGenerator<Frame> {
    for await (const frames of this.stream('objects', { ids })) yield* frames
  }

  /** A POST with a JSON body and a JSON reply (has, and routes that answer in JSON). */
  async postJson(route: string, body: unknown): Promise<unknown> {
    const response = await this.send(route, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
    return response.json()
  }

  /** The raw response of a request (for routes with their own body: push, events). */
  async send(route: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.options.token !== undefined) headers.set('authorization', `Bearer ${this.options.token}`)
    const url = this.base + route
    this.requests++
    let response: Response
    try {
      response = await this.fetcher(url, { ...init, headers })
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error
      throw new RemoteUnavailableError(url, error instanceof Error ? (causeOf(error) ?? error.message) : String(error))
    }
    if (!response.ok) {
      const body = await response.json().catch(() => undefined)
      throw syncErrorFromWire(body, response.status)
    }
    return response
  }

  /** The frames of an object stream, as many at a time as each chunk of the reply completes. */
  private async *stream(route: string, body: unknown): AsyncGenerator<Frame[]> {
    const { type, chunks } = await this.post(route, JSON.stringify(body))
    if (!type.startsWith(OBJECT_STREAM_TYPE)) throw new SyncError('EBADREQUEST', `expected an object stream from ${this.base}${route}, got "${type}"`)
    for await (const frames of decodeFrameBatches(chunks)) {
      const failed = frames.findIndex(frame => frame.kind === FrameKind.error)
      if (failed < 0) {
        yield frames
        continue
      }
      if (failed > 0) yield frames.slice(0, failed)
      throw syncErrorFromWire((frames[failed] as { json: unknown }).json, 500)
    }
  }

  /** The installed `HttpRequest`, unless this transport was given its own `fetch` (which then serves every request). */
  private installed(): HttpRequest | undefined {
    return this.options.fetch === undefined ? httpRequest : undefined
  }

  /** A POST whose reply is streamed: through the installed `HttpRequest`, or else `fetch`. */
  private async post(route: string, body: string): Promise<{ type: string; chunks: AsyncIterable<Uint8Array> }> {
    if (this.installed() === undefined) {
      const response = await this.send(route, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
      if (response.body === null) throw new TruncatedStreamError('the reply has no body')
      return { type: response.headers.get('content-type') ?? '', chunks: bodyChunks(response.body) }
    }
    const reply = await this.request('POST', route, body)
    return { type: reply.contentType, chunks: reply.chunks }
  }

  /** A request through the installed `HttpRequest`; a refusal is rethrown as the server's typed error. */
  private async request(method: 'GET' | 'POST', route: string, body?: string): Promise<HttpReply> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' }
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`
    this.requests++
    const reply = await this.installed()!(method, this.base + route, body, headers)
    if (reply.status < 200 || reply.status > 299) {
      const text = await reply.text().catch(() => '')
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {}
      throw syncErrorFromWire(json, reply.status)
    }
    return reply
  }
}

function causeOf(error: Error): string | undefined {
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? cause.message : undefined
}

/**
 * The chunks of a response body, as they arrive. A connection that breaks mid-body is a
 * truncated stream (what arrived is kept by the caller), not a crash.
 */
export async function* bodyChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await reader.read()
      } catch (error) {
        throw new TruncatedStreamError(`the connection broke (${error instanceof Error ? (causeOf(error) ?? error.message) : String(error)})`)
      }
      if (next.done) return
      yield next.value
    }
  } finally {
    reader.cancel().catch(() => {})
  }
}

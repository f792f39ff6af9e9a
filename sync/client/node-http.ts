/**
 * Requests to sync servers over `node:http` (Node only; the Node entry, index.ts, installs it):
 * the ref list, the probe of a remote's kind, and object streams, whose hundred megabytes are
 * read as the socket's own buffers, without `fetch`'s web-stream layer (a promise and a queue
 * per chunk). A clone then never loads `fetch` (undici: ~0.1 s of CPU at its first request).
 * Other requests (push, events, has) still go through `fetch`.
 */
import http from 'node:http'
import https from 'node:https'
import { RemoteUnavailableError, TruncatedStreamError } from '../errors.js'
import type { HttpReply, HttpRequest } from './transport.js'

export const nodeHttpRequest: HttpRequest = (method, url, body, headers) =>
  new Promise<HttpReply>((resolve, reject) => {
    const target = new URL(url)
    const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }
    const request = (target.protocol === 'https:' ? https : http).request(target, { method, headers: { ...headers, ...length } }, response => {
      resolve({
        status: response.statusCode ?? 0,
        contentType: String(response.headers['content-type'] ?? ''),
        chunks: chunksOf(response),
        async text() {
          let text = ''
          for await (const chunk of chunksOf(response)) text += Buffer.from(chunk).toString()
          return text
        },
        cancel: () => response.destroy(),
      })
    })
    request.on('error', error => reject(new RemoteUnavailableError(url, error.message)))
    request.end(body)
  })

/** The body's chunks; a connection that breaks mid-body is a truncated stream, as with `fetch`. */
async function* chunksOf(response: http.IncomingMessage): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of response) yield chunk as Buffer
  } catch (error) {
    throw new TruncatedStreamError(`the connection broke (${error instanceof Error ? error.message : String(error)})`)
  }
}

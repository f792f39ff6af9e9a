/**
 * Object streams over `node:http` (Node only; the Node entry, index.ts, installs it): a clone's
 * hundred megabytes read as the socket's own buffers, without `fetch`'s web-stream layer (a
 * promise and a queue per chunk, about a third of a second of CPU per 100 MB on loopback).
 * Requests that are not object streams still go through `fetch`.
 */
import http from 'node:http'
import https from 'node:https'
import { RemoteUnavailableError, TruncatedStreamError } from '../errors.js'
import type { StreamPost, StreamReply } from './transport.js'

export const nodeStreamPost: StreamPost = (url, body, headers) =>
  new Promise<StreamReply>((resolve, reject) => {
    const target = new URL(url)
    const request = (target.protocol === 'https:' ? https : http).request(target, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, response => {
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

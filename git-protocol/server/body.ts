/**
 * A git request's body as a stream of chunks: gunzipped when the client compressed it (git gzips
 * large upload-pack requests, `Content-Encoding: gzip`), cut off with `GitRequestTooLargeError`
 * past `limit` bytes (after decompression), and a connection that dies mid-way is a truncation.
 */
import type { IncomingMessage } from 'node:http'
import { createGunzip } from 'node:zlib'
import { GitRequestError, GitRequestTooLargeError, TruncatedPktLineError } from '../errors.js'

export async function* requestBody(request: IncomingMessage, limit: number, what: string): AsyncGenerator<Uint8Array> {
  const encoding = (request.headers['content-encoding'] ?? '').toLowerCase()
  if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') throw new GitRequestError(`unsupported Content-Encoding ${JSON.stringify(encoding)}`, 415)
  const source: AsyncIterable<Buffer> = encoding.endsWith('gzip') ? request.pipe(createGunzip()) : request
  let bytes = 0
  try {
    for await (const chunk of source) {
      bytes += chunk.length
      if (bytes > limit) throw new GitRequestTooLargeError(what, limit)
      yield chunk
    }
  } catch (error) {
    if (error instanceof GitRequestError) throw error
    throw new TruncatedPktLineError(`the request body broke off (${(error as Error).message})`)
  }
}

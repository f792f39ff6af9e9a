/**
 * Requests to sync servers over node:http (the Node entry installs it: refs, object streams): a body cut
 * mid-frame is TruncatedStreamError, a refusal is the server's typed error, a server that does
 * not answer is RemoteUnavailableError — as over `fetch`.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { frameObject } from '../../index.js'
import { encodeFrame, FrameKind, OBJECT_STREAM_TYPE, RemoteUnavailableError, SyncError, SyncTransport, TruncatedStreamError } from '../../sync/index.js'
import { getDefaultHasher } from '../../core/index.js'

const sha1 = (bytes: Uint8Array) => getDefaultHasher().sha1Hex(bytes)

let server: Server | undefined
afterEach(() => new Promise<void>(resolve => (server ? server.close(() => resolve()) : resolve())))

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler)
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

async function drain(transport: SyncTransport): Promise<number> {
  let frames = 0
  for await (const batch of transport.fetchObjects({ wants: ['a'.repeat(40)], haves: [] })) frames += batch.length
  return frames
}

describe('object streams over node:http', () => {
  it('a body cut inside a frame is TruncatedStreamError, after the whole frames before it', async () => {
    const bytes = frameObject('blob', new TextEncoder().encode('hello'))
    const frame = encodeFrame({ kind: FrameKind.object, id: sha1(bytes), bytes })
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': OBJECT_STREAM_TYPE })
      response.write(frame)
      response.write(frame.subarray(0, 10), () => response.socket?.destroy())
    })
    const transport = new SyncTransport(url)
    const seen: number[] = []
    await expect(
      (async () => {
        for await (const batch of transport.fetchObjects({ wants: [sha1(bytes)], haves: [] })) seen.push(batch.length)
      })(),
    ).rejects.toBeInstanceOf(TruncatedStreamError)
    expect(seen.reduce((a, b) => a + b, 0)).toBe(1)
  })

  it('a refusal is the typed error the server names; no answer is RemoteUnavailableError', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: 'this server does not have it', code: 'ENOTFOUND' }))
    })
    await expect(drain(new SyncTransport(url))).rejects.toMatchObject({ code: 'ENOTFOUND', constructor: SyncError })
    await new Promise<void>(resolve => server!.close(() => resolve()))
    server = undefined
    await expect(drain(new SyncTransport(url))).rejects.toBeInstanceOf(RemoteUnavailableError)
  })
})

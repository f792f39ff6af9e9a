/**
 * A proxy in front of git http-backend that spoils the pack of a `fetch` reply on purpose: cut
 * it short, flip a byte, swap in a pack whose delta base exists nowhere, or die mid-transfer.
 * Everything else (advertisement, ls-refs) passes through.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { concatLines, FLUSH_PKT, lineText, pktLine, PktLineReader, sideBandLines } from '../../git-protocol/pkt-line.js'
import { handPack, withTrailer } from './pack-fixtures.js'

export type Spoil = 'none' | 'truncate' | 'checksum' | 'corrupt-entry' | 'missing-base' | 'die' | 'die-late'

export interface BadServer {
  url: string
  spoil: Spoil
  /** Fetch requests so far, and those spoiled. */
  fetches: number
  spoiled: number
  close(): Promise<void>
}

export async function startBadServer(upstream: string): Promise<BadServer> {
  const state: BadServer = { url: '', spoil: 'none', fetches: 0, spoiled: 0, close: async () => {} }
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const headers: Record<string, string> = {}
    for (const name of ['content-type', 'git-protocol', 'accept', 'authorization']) if (request.headers[name]) headers[name] = String(request.headers[name])
    const reply = await fetch(upstream + request.url, { method: request.method, headers, body: request.method === 'POST' ? body : undefined })
    const bytes = new Uint8Array(await reply.arrayBuffer())
    const isFetch = request.method === 'POST' && body.includes('command=fetch')
    if (isFetch) state.fetches++
    response.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/octet-stream' })
    if (!isFetch || state.spoil === 'none') return response.end(bytes)
    state.spoiled++
    const { head, pack } = await splitFetchReply(bytes)
    if (state.spoil === 'truncate') return response.end(frame(head, pack.subarray(0, Math.floor(pack.length / 2))).subarray(0, -4)) // no flush either
    if (state.spoil === 'die' || state.spoil === 'die-late') {
      // die: half way through; die-late: every entry sent, the trailer (and the flush) not.
      const framed = state.spoil === 'die' ? frame(head, pack).subarray(0, Math.floor((pack.length + 100) / 2)) : frame(head, pack.subarray(0, pack.length - 20)).subarray(0, -4)
      response.write(framed)
      // Late enough that the client has read what was sent (a stream that errors drops its queue).
      setTimeout(() => response.socket?.destroy(), 300)
      return
    }
    response.end(frame(head, spoilPack(state.spoil, pack)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return state
}

function spoilPack(spoil: Spoil, pack: Uint8Array): Uint8Array {
  if (spoil === 'checksum') {
    const out = pack.slice()
    out[out.length - 1] ^= 0x40
    return out
  }
  if (spoil === 'corrupt-entry') {
    const out = pack.slice(0, pack.length - 20)
    out[Math.floor(out.length / 2)] ^= 0xff
    return withTrailer(out)
  }
  // missing-base: a REF_DELTA against an object no one has.
  return handPack([{ type: 7, base: 'de'.repeat(20), data: new Uint8Array([5, 3, 3, 0x61, 0x62, 0x63]) }])
}

/** The lines before `packfile` (v2 fetch reply), and the pack from its side-band. */
async function splitFetchReply(bytes: Uint8Array): Promise<{ head: Uint8Array[]; pack: Uint8Array }> {
  const reader = new PktLineReader((async function* () { yield bytes })())
  const head: Uint8Array[] = []
  const pack: Uint8Array[] = []
  for (;;) {
    const line = await reader.next()
    if (!line) break
    if (line.kind !== 'data') {
      head.push(line.kind === 'flush' ? FLUSH_PKT : new TextEncoder().encode('0001'))
      continue
    }
    if (lineText(line) === 'packfile') {
      head.push(pktLine('packfile\n'))
      for (let l = await reader.next(); l && l.kind === 'data'; l = await reader.next()) if (l.data[0] === 1) pack.push(l.data.subarray(1))
      break
    }
    head.push(pktLine(line.data))
  }
  return { head, pack: new Uint8Array(Buffer.concat(pack)) }
}

function frame(head: Uint8Array[], pack: Uint8Array): Uint8Array {
  return concatLines([...head, ...sideBandLines(1, pack, 1000), FLUSH_PKT])
}

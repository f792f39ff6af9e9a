/**
 * `POST /git/git-upload-pack` in protocol v0/v1 (gitprotocol-pack, stateless over HTTP): each
 * request repeats the wants (capabilities after the first), shallow/deepen/filter lines, a flush,
 * then the haves so far and `done` on the last round. Negotiation is multi_ack_detailed: common
 * haves are `ACK <id> common`, then `ACK <id> ready` once one is found, and every round not done
 * ends with `NAK`; the done round gets `ACK <last common>` (or `NAK`) and the pack, on side-band
 * 1 when the client asked for side-band(-64k).
 */
import type { SyncServerContext } from '../../sync/server/context.js'
import { GitRequestError } from '../errors.js'
import { FLUSH_PKT, PktLineReader } from '../pkt-line.js'
import { discard, sendPack, shallowOf, spoolPack } from './pack-objects.js'
import type { GitReply } from './reply.js'
import { parseFetchArgs } from './upload-pack.js'

export async function uploadPackV0(ctx: SyncServerContext, body: AsyncIterable<Uint8Array>, reply: GitReply, level: number): Promise<void> {
  const reader = new PktLineReader(body)
  const first = await reader.readSection('the wants')
  if (first.end !== 'flush') throw new GitRequestError('upload-pack: the wants end with a flush')
  if (first.lines.length === 0) return reply.end() // nothing wanted: the client is up to date
  const capabilities = new Set<string>()
  const lines = first.lines.map((line, i) => {
    if (i !== 0 || !line.startsWith('want ')) return line
    const [want, id, ...caps] = line.split(' ')
    for (const cap of caps) capabilities.add(cap)
    return `${want} ${id}`
  })
  // Haves in rounds separated by flushes; `done` (or the end of the body) ends them. A body that
  // ends after the wants (a shallow clone's first request) asks only for the shallow list.
  let negotiating = false
  for (;;) {
    const line = await reader.next()
    if (line === undefined) break
    negotiating = true
    if (line.kind !== 'data') continue
    const text = new TextDecoder().decode(line.data).replace(/\n$/, '')
    lines.push(text)
    if (text === 'done') break
  }
  const args = parseFetchArgs(lines, ctx.limits)
  const sideBand = capabilities.has('side-band-64k') || capabilities.has('side-band')
  const unpin = args.wants.map(id => ctx.repo.objects.gc.pin(id))
  try {
    const present = args.haves.length === 0 ? [] : await ctx.repo.backend.hasObjects(args.haves)
    const common = args.haves.filter((_, i) => present[i])
    // A shallow list only when the client asked to deepen (a shallow client's plain fetch expects none).
    const deepen = args.depth !== undefined
    const request = { wants: args.wants, haves: common, depth: args.depth, filter: args.filter, clientShallow: args.shallow }
    if (!args.done) {
      if (deepen) await shallowList(await shallowOf(ctx.repo, request, () => reply.gone), reply)
      if (!negotiating) return reply.end() // a shallow clone's first request: the shallow list only
      for (const id of common) await reply.line(`ACK ${id} common`)
      if (common.length > 0) await reply.line(`ACK ${common[common.length - 1]} ready`)
      await reply.line('NAK')
      return reply.end()
    }
    if (!sideBand) throw new GitRequestError('upload-pack: this server sends packs on side-band-64k only')
    const pack = await spoolPack(ctx.repo, request, { level, ofsDelta: capabilities.has('ofs-delta') }, () => reply.gone)
    try {
      if (deepen) await shallowList(pack.shallow, reply)
      await reply.line(common.length > 0 ? `ACK ${common[common.length - 1]}` : 'NAK')
      reply.sideBand = true
    } catch (error) {
      await discard(pack)
      throw error
    }
    await sendPack(ctx.repo, pack, reply, capabilities.has('no-progress'))
    await reply.raw(FLUSH_PKT)
    reply.end()
  } finally {
    for (const release of unpin) release()
  }
}

async function shallowList(ids: readonly string[], reply: GitReply): Promise<void> {
  for (const id of ids) await reply.line(`shallow ${id}`)
  await reply.raw(FLUSH_PKT)
}

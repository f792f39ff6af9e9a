/**
 * `GET /git/info/refs?service=…` (gitprotocol-http "Smart Clients"): what the server offers.
 * - upload-pack, protocol v2 (the request says `Git-Protocol: version=2`): the capability list
 *   (gitprotocol-v2); refs come later, by `ls-refs`.
 * - upload-pack, v0/v1: `# service=` then the ref advertisement, capabilities after a NUL on the first line.
 * - receive-pack: always v0 (git pushes over v0/v1): the refs and the push capabilities.
 */
import { concatLines, FLUSH_PKT, pktLine } from '../pkt-line.js'
import type { AdvertisedRef } from './refs.js'

export const AGENT = 'agent=irmin/1'
const ZERO_ID = '0'.repeat(40)

export type Service = 'git-upload-pack' | 'git-receive-pack'

/** v2 capabilities of upload-pack: ls-refs, fetch with shallow and filter (blob:none, tree:0). */
export function v2Capabilities(): Uint8Array {
  const lines = ['version 2', AGENT, 'ls-refs', 'fetch=shallow filter', 'server-option', 'object-format=sha1']
  return concatLines([...lines.map(l => pktLine(`${l}\n`)), FLUSH_PKT])
}

/** Capabilities of v0 upload-pack. Any object may be wanted (a partial clone fetches blobs by id). */
export function uploadPackV0Capabilities(head: AdvertisedRef | undefined): string {
  const caps = ['multi_ack_detailed', 'thin-pack', 'side-band', 'side-band-64k', 'ofs-delta', 'shallow', 'no-progress', 'include-tag', 'allow-tip-sha1-in-want', 'allow-reachable-sha1-in-want', 'filter', 'object-format=sha1', AGENT]
  if (head?.symref) caps.push(`symref=HEAD:${head.symref}`)
  return caps.join(' ')
}

/** Capabilities of receive-pack: report-status, atomic multi-ref pushes, deletes, OFS_DELTA packs. */
export function receivePackCapabilities(): string {
  return ['report-status', 'delete-refs', 'atomic', 'ofs-delta', 'quiet', 'object-format=sha1', AGENT].join(' ')
}

/** The v0 advertisement: `# service=` section, then the refs (peeled tags as `^{}`), capabilities on the first. */
export function v0Advertisement(service: Service, refs: readonly AdvertisedRef[]): Uint8Array {
  const shown = service === 'git-receive-pack' ? refs.filter(r => r.name !== 'HEAD') : refs
  const caps = service === 'git-receive-pack' ? receivePackCapabilities() : uploadPackV0Capabilities(refs.find(r => r.name === 'HEAD'))
  const lines = [pktLine(`# service=${service}\n`), FLUSH_PKT]
  if (shown.length === 0) lines.push(pktLine(`${ZERO_ID} capabilities^{}\0${caps}\n`))
  shown.forEach((ref, i) => {
    lines.push(pktLine(i === 0 ? `${ref.id} ${ref.name}\0${caps}\n` : `${ref.id} ${ref.name}\n`))
    if (ref.peeled !== undefined) lines.push(pktLine(`${ref.peeled} ${ref.name}^{}\n`))
  })
  lines.push(FLUSH_PKT)
  return concatLines(lines)
}

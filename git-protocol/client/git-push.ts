/**
 * Push to a git server (receive-pack, protocol v0 as git itself pushes over HTTP): read the ref
 * advertisement, send one command `old new ref` and a pack of what the branch reaches beyond
 * the commits the server's refs name (and this store holds), read report-status. The
 * fast-forward rule is checked here, before anything is sent — a bare git repository accepts a
 * non-fast-forward unless configured not to — and `force` skips it (with `lease`: only if the
 * server's ref is still at that commit). Credentials go as HTTP Basic (see http.ts).
 */
import { InvalidArgumentError, NotFoundError, type Repo, unframeObject } from '../../core/index.js'
import { branchRef } from '../../core/ref-name.js'
import { NonFastForwardError, StaleRefError } from '../../sync/errors.js'
import { moveRef } from '../../sync/client/fetch.js'
import type { PushOptions, PushOutcome } from '../../sync/client/push.js'
import { objectsToPush } from '../../sync/client/push-objects.js'
import { trackingRef, type Remote } from '../../sync/client/remotes.js'
import { GitProtocolViolationError, GitRemoteError } from '../errors.js'
import { encodePack } from '../pack-encoder.js'
import { concatLines, FLUSH_PKT, pktLine, PktLineReader } from '../pkt-line.js'
import { GitHttp } from './http.js'
import { readAdvertisement, sideBand } from './upload-pack.js'

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved' | 'lowestCommonAncestors'>

const ZERO = '0'.repeat(40)
const READ_BATCH = 512

export async function gitPush(repo: AnyRepo, remote: Remote, branch: string, options: PushOptions = {}): Promise<PushOutcome> {
  const mode = options.mode ?? 'fast-forward'
  if (mode === 'merge') throw new InvalidArgumentError('a git server does not merge on push: pull --merge, then push')
  const head = await repo.backend.getRef(branchRef(branch))
  if (head === undefined) throw new NotFoundError(`branch ${branch} (it has no commits to push)`)
  const ref = branchRef(options.remoteBranch ?? branch)
  const http = new GitHttp(remote.url, { password: options.token })
  const { body } = await http.advertise('git-receive-pack')
  const advertised = await readAdvertisement(new PktLineReader(body))
  const old = advertised.refs.find((r) => r.name === ref)?.id ?? null
  const done = (objects: number, bytes: number): PushOutcome => ({ ref, old, new: head, merged: false, remote: remote.name, objects, bytes, requests: http.requests })
  if (old === head) return done(0, 0)
  if (mode === 'force' && options.lease !== undefined && old !== options.lease) throw new StaleRefError(ref, options.lease, old)
  if (mode === 'fast-forward' && old !== null && !(await isAncestor(repo, old, head))) throw new NonFastForwardError(ref, old, head, 'pull (with --merge) first, or push with --force')

  const named = [...new Set(advertised.refs.flatMap((r) => (r.peeled ? [r.id, r.peeled] : [r.id])))]
  const held = await repo.backend.hasObjects(named)
  const ids = await objectsToPush(repo.objects, head, new Set(named.filter((_, i) => held[i])))
  const caps = ['report-status', 'side-band-64k', 'ofs-delta'].filter((c) => advertised.capabilities.has(c))
  caps.push(`agent=${http.agent}`)
  const sent = { objects: 0, bytes: 0 }
  const request = pushBody(repo, pktLine(`${old ?? ZERO} ${head} ${ref}\0${caps.join(' ')}\n`), ids, sent, options)
  const reply = await http.post('git-receive-pack', request, false)
  const reader = new PktLineReader(reply)
  const status = caps.includes('side-band-64k') ? new PktLineReader(sideBand(reader)) : reader
  await readReportStatus(status, ref, old, head)
  await moveRef(repo, trackingRef(remote.name, ref.slice('refs/heads/'.length)), head)
  return done(sent.objects, sent.bytes)
}

async function isAncestor(repo: AnyRepo, ancestor: string, head: string): Promise<boolean> {
  if ((await repo.backend.hasObjects([ancestor]))[0] !== true) return false
  return (await repo.lowestCommonAncestors(ancestor, head)).some((c) => c.id === ancestor)
}

/** The command line, a flush, then the pack of `ids`, read from the store a batch at a time. */
async function* pushBody(repo: AnyRepo, command: Uint8Array, ids: readonly string[], sent: { objects: number; bytes: number }, options: PushOptions): AsyncGenerator<Uint8Array> {
  yield concatLines([command, FLUSH_PKT])
  async function* objects() {
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const batch = ids.slice(start, start + READ_BATCH)
      const framed = await repo.backend.getObjects(batch)
      for (let i = 0; i < batch.length; i++) {
        const bytes = framed[i]
        if (!bytes) throw new NotFoundError(`object ${batch[i]} (to push)`)
        yield unframeObject(batch[i]!, bytes)
        sent.objects++
      }
      options.onProgress?.({ objects: sent.objects, bytes: sent.bytes, totalObjects: ids.length })
    }
  }
  for await (const chunk of encodePack(ids.length, objects())) {
    sent.bytes += chunk.length
    yield chunk
  }
}

/** `unpack ok`, then `ok <ref>` or `ng <ref> <reason>` (report-status). */
async function readReportStatus(reader: PktLineReader, ref: string, old: string | null, head: string): Promise<void> {
  const { lines } = await reader.readSection('report-status')
  const unpack = lines[0]
  if (unpack === undefined) throw new GitProtocolViolationError('an empty report-status')
  if (unpack.startsWith('ERR ')) throw new GitRemoteError(unpack.slice(4))
  if (unpack !== 'unpack ok') throw new GitRemoteError(`the server could not store the pack: ${unpack.replace(/^unpack /, '')}`)
  const line = lines.find((l) => l.startsWith(`ok ${ref}`) || l.startsWith(`ng ${ref} `))
  if (line === undefined) throw new GitProtocolViolationError(`report-status says nothing of ${ref}`)
  if (line.startsWith('ng ')) {
    const reason = line.slice(`ng ${ref} `.length)
    if (/non-fast-forward|fetch first/.test(reason)) throw new NonFastForwardError(ref, old ?? ZERO, head, 'pull (with --merge) first, or push with --force')
    throw new GitRemoteError(`${ref} refused: ${reason}`)
  }
}

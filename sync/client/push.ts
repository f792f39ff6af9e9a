/**
 * Push (sync/PROTOCOL.md): GET refs, list what the local branch reaches beyond what the remote's
 * refs reach, ask `has` which of those the server already holds (what an interrupted push left
 * there), then stream the rest behind a PUSH header. Nothing that arrived is sent again, so an
 * interrupted push resumes where it stopped; it does so on its own (`retries`) after a broken
 * connection, a ref that moved meanwhile (`ESTALE`) or remote refs that changed under its
 * listing (`EINCOMPLETE`). A fast-forward push to a remote head this store lacks cannot be one:
 * it is refused at once (`ENONFASTFORWARD`), before anything is listed or sent.
 *
 * The body is streamed as the server takes it where `fetch` can stream a request (Node; browsers
 * over HTTP/2), and otherwise sent as one Blob built from the same stream.
 */
import { type Backend, NotFoundError, readShallow, type Repo } from '../../core/index.js'
import { branchRef } from '../../core/ref-name.js'
import { NonFastForwardError, RemoteUnavailableError, SyncError, TruncatedStreamError } from '../errors.js'
import type { PushHeader, PushMode, PushResult } from '../push-header.js'
import { fetchRemote, moveRef, resolveRemote } from './fetch.js'
import { objectsToPush } from './push-objects.js'
import { type PushProgress, pushStream, type ReadObjects } from './push-stream.js'
import { trackingRef } from './remotes.js'
import { gitRemoteClient } from './git-remotes.js'
import { SyncTransport, type TransportOptions } from './transport.js'

export type { PushProgress } from './push-stream.js'

export interface PushOptions extends TransportOptions {
  /** `fast-forward` (default), `merge` (the server merges when it is not one), or `force`. */
  readonly mode?: PushMode
  /** The remote branch (default: the local branch's name). */
  readonly remoteBranch?: string
  /** For `force`: move the remote ref only if it still names this (git's --force-with-lease). */
  readonly lease?: string | null
  /** Attempts after an interrupted upload or a ref that moved meanwhile (default 2). */
  readonly retries?: number
  /** Stream the request body (default: where `fetch` can, i.e. in Node). */
  readonly streamBody?: boolean
  readonly onProgress?: (progress: PushProgress) => void
  readonly transport?: SyncTransport
}

export interface PushOutcome extends PushResult {
  readonly remote: string
  /** Objects and bytes sent (over all attempts). */
  readonly objects: number
  readonly bytes: number
  /** HTTP requests made. */
  readonly requests: number
}

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved' | 'lowestCommonAncestors'>

const HAS_BATCH = 100_000

export async function push(repo: AnyRepo, remoteOrUrl: string, branch: string, options: PushOptions = {}): Promise<PushOutcome> {
  const remote = await resolveRemote(repo, remoteOrUrl)
  if (remote.kind === 'git') return gitRemoteClient().push(repo, remote, branch, options)
  const transport = options.transport ?? new SyncTransport(remote.url, options)
  const before = transport.requests
  const head = await repo.backend.getRef(branchRef(branch))
  if (head === undefined) throw new NotFoundError(`branch ${branch} (it has no commits to push)`)
  const target = options.remoteBranch ?? branch
  const ref = branchRef(target)
  const sent = { objects: 0, bytes: 0 }
  for (let attempt = 0; ; attempt++) {
    try {
      // What the remote branch was when last heard from narrows the listing; after a failed
      // attempt (its history may be gone from the remote) only the remote's refs do.
      const tracked = attempt === 0 ? await repo.backend.getRef(trackingRef(remote.name, target)) : undefined
      const result = await attemptPush(repo, transport, ref, head, options, sent, tracked)
      // The tracking ref follows the remote branch. When that is not our head (a merge made there,
      // or a merge push finding the remote already ahead), its commit is fetched first: a ref
      // never names what this store lacks.
      if (result.new === null || result.new === head) await moveRef(repo, trackingRef(remote.name, target), result.new ?? undefined)
      else await fetchRemote(repo, remote.name, { branches: [target], transport })
      return { ...result, remote: remote.name, ...sent, requests: transport.requests - before }
    } catch (error) {
      // A cut upload, a ref moved meanwhile, or a remote whose refs changed under the listing
      // (EINCOMPLETE): list again against the remote's refs now; `has` skips what arrived.
      const stale = error instanceof SyncError && ((error.code === 'ESTALE' && options.mode !== 'force') || error.code === 'EINCOMPLETE')
      const retry = error instanceof TruncatedStreamError || error instanceof RemoteUnavailableError || stale
      if (!retry || attempt >= (options.retries ?? 2)) throw error
    }
  }
}

async function attemptPush(repo: AnyRepo, transport: SyncTransport, ref: string, head: string, options: PushOptions, sent: { objects: number; bytes: number }, tracked?: string): Promise<PushResult> {
  const advertised = await transport.refs('refs/heads/')
  const old = advertised.refs.find(([name]) => name === ref)?.[1] ?? null
  const mode = options.mode ?? 'fast-forward'
  if (old === head) return { ref, old, new: head, merged: false }
  // What the remote's refs reach, it has in full; of those commits, we can compare against the ones we hold.
  const named = [...new Set(advertised.refs.map(([, id]) => id))]
  const held = await repo.backend.hasObjects(named)
  // A remote head this store lacks is not in our history (it holds its history whole, up to a
  // shallow boundary): a fast-forward is refused for sure, so nothing is listed or sent.
  if (mode === 'fast-forward' && old !== null && !held[named.indexOf(old)] && (await readShallow(repo.objects)).length === 0) {
    throw new NonFastForwardError(ref, old, head)
  }
  const known = new Set(named.filter((_, i) => held[i]))
  const streaming = options.streamBody ?? isNode()
  /** What the remote lacks of what `head` reaches beyond `remoteHas`, asked with `also` first. */
  const list = async (remoteHas: ReadonlySet<string>, also: readonly string[] = []) => {
    const candidates = await objectsToPush(repo.objects, head, remoteHas)
    // A body sent as one Blob holds every object at once anyway: read them while `has` is asked.
    const early = streaming ? undefined : readAll(repo.objects.backend, candidates)
    return { ids: await lacking(transport, [...also, ...candidates]), early }
  }
  // The tracking ref's commit (when the remote moved to a head this store lacks, the listing would
  // otherwise walk the whole local history), if `has` confirms the remote still holds it.
  const byTracked = tracked !== undefined && !known.has(tracked) && (await repo.backend.hasObjects([tracked]))[0]
  let { ids, early } = await list(byTracked ? new Set([...known, tracked]) : known, byTracked ? [tracked] : [])
  if (byTracked && ids[0] === tracked) ({ ids, early } = await list(known))
  const header: PushHeader = { ref, old: mode === 'force' && options.lease !== undefined ? options.lease : old, new: head, mode }
  const base = { ...sent }
  const body = pushStream(repo.objects, header, ids, progress => {
    sent.objects = base.objects + progress.objects
    sent.bytes = base.bytes + progress.bytes
    options.onProgress?.(progress)
  }, early)
  const init: RequestInit & { duplex?: 'half' } = streaming
    ? { method: 'POST', body: toReadableStream(body), duplex: 'half' }
    : { method: 'POST', body: await toBlob(body) }
  init.headers = { 'content-type': 'application/x-irmin-objects' }
  const response = await transport.send('push', init)
  return (await response.json()) as PushResult
}

/** The ids the server does not hold, in the same order (one `has` per 100,000). */
async function lacking(transport: SyncTransport, ids: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (let start = 0; start < ids.length; start += HAS_BATCH) {
    const batch = ids.slice(start, start + HAS_BATCH)
    const { has } = (await transport.postJson('has', { ids: batch })) as { has: string }
    if (typeof has !== 'string' || has.length !== batch.length) throw new SyncError('EBADREQUEST', 'the server answered has with a malformed reply')
    batch.forEach((id, i) => has[i] !== '1' && out.push(id))
  }
  return out
}

/** Reads `ids` (in one go: for a body sent whole); the reader answers from what was read. */
function readAll(backend: Backend, ids: readonly string[]): ReadObjects {
  const found = backend.getObjects(ids).then(read => new Map(ids.map((id, i) => [id, read[i]])))
  found.catch(() => {}) // observed by the stream; a push given up before it leaves it unobserved
  return async batch => {
    const map = await found
    return batch.map(id => map.get(id))
  }
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string'
}

/** Chunks as a request body `fetch` streams (also used by the git client's push). */
export function toReadableStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]()
  return new ReadableStream({
    async pull(controller) {
      const next = await iterator.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    async cancel() {
      await iterator.return?.()
    },
  })
}

async function toBlob(chunks: AsyncIterable<Uint8Array>): Promise<Blob> {
  const parts: BlobPart[] = []
  for await (const chunk of chunks) parts.push(chunk as BlobPart)
  return new Blob(parts)
}

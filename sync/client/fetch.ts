/**
 * Fetch (sync/PROTOCOL.md): GET refs, then — only when a remote ref names a commit this store
 * lacks — one POST fetch naming the local heads as haves. Objects are stored as they arrive (in
 * batches, hash-checked by the decoder) and the remote-tracking refs `refs/remotes/<remote>/<b>`
 * move at the end. A no-op fetch is the one GET.
 *
 * Interrupted: what arrived stays. The newest arrived commits (those no other arrived commit
 * names as parent) are kept under `refs/irmin/resume/<remote>/<id>`, so garbage collection keeps
 * them and the next attempt names them as haves: nothing that arrived is sent again. A fetch
 * retries on its own (`retries`, default 2) before it gives up with the transfer's error.
 */
import { type Backend, NotFoundError, readShallow, type Repo, writeShallow } from '../../core/index.js'
import { RemoteUnavailableError, TruncatedStreamError } from '../errors.js'
import { FrameKind } from '../frames.js'
import { TreeBases } from './tree-bases.js'
import { commitLinks } from '../commit-links.js'
import { ArrivedObjects } from '../../core/remember-arrived.js'
import { addRemote, DEFAULT_REMOTE, getRemote, listRemotes, type Remote, trackingRef } from './remotes.js'
import { SyncTransport, type TransportOptions } from './transport.js'
import { detectRemoteKind, gitRemoteClient } from './git-remotes.js'

export interface FetchOptions extends TransportOptions {
  /** Branches to fetch (default: all the remote has). */
  readonly branches?: readonly string[]
  /** At most this many commits of each line of history (a shallow fetch). */
  readonly depth?: number
  /** Overrides the remote's remembered filter. */
  readonly filter?: string
  /** Attempts after an interrupted transfer (default 2). */
  readonly retries?: number
  readonly onProgress?: (progress: FetchProgress) => void
  /** A transport to reuse (tests count its requests). */
  readonly transport?: SyncTransport
  /** Keeps the arrived commits and trees parsed in the object cache, for a merge that follows (default true; a clone has none). */
  readonly cacheArrived?: boolean
}

export interface FetchProgress {
  readonly objects: number
  /** Bytes of the object frames received (OBJECT and TREE_DELTA, as sent). */
  readonly bytes: number
}

export interface FetchResult {
  readonly remote: string
  /** Remote branches and the commits their tracking refs now name (and named before). */
  readonly branches: ReadonlyArray<{ branch: string; id: string; before: string | undefined }>
  readonly objects: number
  readonly bytes: number
  /** HTTP requests made. */
  readonly requests: number
}

export const RESUME_PREFIX = 'refs/irmin/resume/'
const HEADS = 'refs/heads/'
/** Received bytes the backend may still be writing before the stream waits for it (backpressure). */
const FLUSH_BYTES = 32 * 1024 * 1024
const MAX_HAVES = 100_000
/** A frame's kind and length. */
const FRAME_HEAD = 5

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved'>

/**
 * The remote `remoteOrUrl` names (a remembered remote's name, or its URL), or a new one for a URL
 * no remote has: `origin` when there is none, else one named after the URL's host and port.
 */
export async function resolveRemote(repo: AnyRepo, remoteOrUrl: string): Promise<Remote> {
  const named = await getRemote(repo, remoteOrUrl)
  if (named) return named
  const all = await listRemotes(repo)
  const same = all.find(r => r.url.replace(/\/+$/, '') === remoteOrUrl.replace(/\/+$/, ''))
  if (same) return same
  const name = all.some(r => r.name === DEFAULT_REMOTE) ? new URL(remoteOrUrl).host.replace(/[^A-Za-z0-9_-]/g, '-') : DEFAULT_REMOTE
  const kind = await detectRemoteKind(remoteOrUrl)
  const remote: Remote = { name, url: remoteOrUrl, ...(kind === 'git' && { kind }) }
  await addRemote(repo, remote, { replace: true })
  return remote
}

export async function fetchRemote(repo: AnyRepo, remoteOrUrl: string, options: FetchOptions = {}): Promise<FetchResult> {
  const remote = await resolveRemote(repo, remoteOrUrl)
  if (remote.kind === 'git') return gitRemoteClient().fetch(repo, remote, options)
  const transport = options.transport ?? new SyncTransport(remote.url, options)
  const requestsBefore = transport.requests
  const advertised = await transport.refs(HEADS)
  const wanted = advertised.refs
    .map(([ref, id]) => ({ branch: ref.slice(HEADS.length), id }))
    .filter(({ branch }) => options.branches === undefined || options.branches.includes(branch))
  for (const branch of options.branches ?? []) {
    if (!wanted.some(w => w.branch === branch)) throw new NotFoundError(`branch ${branch} on ${remote.name} (${remote.url})`)
  }
  // Everything the tracking refs will name stays out of GC's reach until they name it: the
  // commits present already (pinned after a running sweep is over, then checked), and what
  // arrives (its write stays tracked until the refs have moved).
  const holds: Array<() => void> = []
  try {
    await repo.objects.gc.fence()
    for (const { id } of wanted) holds.push(repo.objects.gc.pin(id))
    const present = await repo.backend.hasObjects(wanted.map(w => w.id))
    const wants = [...new Set(wanted.filter((_, i) => !present[i]).map(w => w.id))]
    let counts = { objects: 0, bytes: 0 }
    if (wants.length > 0) {
      counts = await transferWithRetries(repo, transport, remote, wants, options, holds)
    }
    const branches = []
    for (const { branch, id } of wanted) {
      const ref = trackingRef(remote.name, branch)
      const before = await moveRef(repo, ref, id)
      branches.push({ branch, id, before })
    }
    return { remote: remote.name, branches, ...counts, requests: transport.requests - requestsBefore }
  } finally {
    for (const release of holds) release()
  }
}

/** Sets `ref` to `id` (whatever it named), returning what it named before. */
export async function moveRef(repo: AnyRepo, ref: string, id: string | undefined): Promise<string | undefined> {
  for (;;) {
    const before = await repo.backend.getRef(ref)
    if (before === id) return before
    if (await repo.backend.casRef(ref, before, id)) {
      repo.refMoved(ref, id)
      return before
    }
  }
}

async function transferWithRetries(repo: AnyRepo, transport: SyncTransport, remote: Remote, wants: string[], options: FetchOptions, holds: Array<() => void>) {
  const retries = options.retries ?? 2
  const total = { objects: 0, bytes: 0 }
  for (let attempt = 0; ; attempt++) {
    try {
      const resumed = await transfer(repo, transport, remote, wants, options, total, holds)
      await clearResume(repo.backend, resumed)
      return total
    } catch (error) {
      const interrupted = error instanceof TruncatedStreamError || error instanceof RemoteUnavailableError
      if (!interrupted || attempt >= retries) throw error
    }
  }
}

/** The commits to name as haves, and the resume refs of `remote` among them. */
async function localHaves(backend: Backend, remote: string): Promise<{ haves: string[]; resume: Array<[string, string]> }> {
  const resumeRefs = await backend.listRefs(RESUME_PREFIX)
  const refs = [...(await backend.listRefs(HEADS)), ...(await backend.listRefs('refs/remotes/')), ...resumeRefs]
  const haves = [...new Set(refs.map(([, id]) => id))].slice(0, MAX_HAVES)
  return { haves, resume: resumeRefs.filter(([ref]) => ref.startsWith(`${RESUME_PREFIX}${remote}/`)) }
}

/**
 * One attempt: POST fetch, storing objects as they come; on interruption, records how to resume.
 * Gives the resume refs it started from (what an earlier attempt left), for the caller to clear.
 * What keeps the arrived objects from GC goes to `holds`, for the caller to release once its
 * refs name them.
 */
async function transfer(repo: AnyRepo, transport: SyncTransport, remote: Remote, wants: string[], options: FetchOptions, total: FetchProgress & { objects: number; bytes: number }, holds: Array<() => void>): Promise<Array<[string, string]>> {
  const { haves, resume } = await localHaves(repo.backend, remote.name)
  const gc = repo.objects.gc
  // The haves (what arriving trees may name) and what arrives stay out of GC's reach meanwhile.
  for (const id of haves) holds.push(gc.pin(id))
  const tracking = gc.beginWrite()
  holds.push(() => tracking.release())
  // One sync at the end, not one per batch: the refs move only after `finish`, and what an
  // interrupted transfer wrote is made durable before the resume refs name it (in `catch`).
  const writer = repo.objects.writer(tracking, { deferSync: true })
  // A pull's merge walks the fetched history and trees next: cached, they need no backend read.
  const cached = options.cacheArrived === false ? undefined : new ArrivedObjects(repo.objects)
  const shallow: string[] = []
  /** Arrived commits and whether a later arrived commit names them as a parent. */
  const arrived = new Map<string, boolean>()
  let pending = 0
  try {
    const filter = options.filter ?? remote.filter
    // Deltas are against trees the haves reach: the store holds those only under its own filter.
    const treeDeltas = filter === remote.filter
    const batches = transport.fetchObjects({ wants, haves, depth: options.depth, filter, treeDeltas })
    const trees = new TreeBases(repo, writer)
    /** The backend's writes up to the last flush mark: the stream reads on while they land. */
    let landed: Promise<void> = Promise.resolve()
    /** Caches what the writes of `landed` hold, once they have landed. */
    let cacheLanded = () => {}
    for await (const frames of batches) {
      for (const received of frames) {
        const frame = received.kind === FrameKind.treeDelta ? (trees.inMemory(received) ?? (await trees.resolve(received))) : received
        if (frame.kind === FrameKind.object) {
          if (received.kind === FrameKind.object) trees.received(frame.id, frame.bytes)
          writer.add(frame.id, frame.bytes)
          cached?.add(frame.id, frame.bytes)
          total.objects++
          // Bytes as they came over the wire: a tree delta counts as its frame, not as the tree.
          total.bytes += received.kind === FrameKind.treeDelta ? FRAME_HEAD + 40 + received.delta.length : FRAME_HEAD + 20 + frame.bytes.length
          pending += frame.bytes.length
          if (isCommit(frame.bytes)) {
            arrived.set(frame.id, false)
            for (const parent of commitLinks(frame.id, frame.bytes.subarray(frame.bytes.indexOf(0) + 1)).parents) if (arrived.has(parent)) arrived.set(parent, true)
          }
          if (pending >= FLUSH_BYTES) {
            // Backpressure: the stream waits for the backend's writes up to the mark before this
            // one, so at most two marks' worth are in flight while it reads on.
            const flushed = writer.landed()
            flushed.catch(() => {}) // observed by the next wait, or the final finish
            const cacheFlushed = cached?.cut() ?? (() => {})
            await landed
            cacheLanded()
            landed = flushed
            cacheLanded = cacheFlushed
            pending = 0
            options.onProgress?.({ ...total })
          }
        } else if (frame.kind === FrameKind.shallow) shallow.push(frame.id)
      }
    }
    await writer.finish()
    cacheLanded()
    cached?.stored()
    options.onProgress?.({ ...total })
    if (shallow.length > 0) await writeShallow(repo.objects, [...(await readShallow(repo.objects)), ...shallow])
    return resume
  } catch (error) {
    await writer.finish().catch(() => {})
    await recordResume(repo, remote.name, arrived, shallow)
    throw error
  }
}

/** Whether the object starts with "commit " (bytes compared inline: this runs once per object). */
function isCommit(f: Uint8Array): boolean {
  return f[0] === 0x63 && f[1] === 0x6f && f[2] === 0x6d && f[3] === 0x6d && f[4] === 0x69 && f[5] === 0x74 && f[6] === 0x20
}

/** Keeps the newest arrived commits under resume refs (each has its closure: the stream is ordered). */
async function recordResume(repo: AnyRepo, remote: string, arrived: ReadonlyMap<string, boolean>, shallow: readonly string[]): Promise<void> {
  const tips = [...arrived].filter(([, named]) => !named).map(([id]) => id)
  if (tips.length === 0) return
  const boundary = shallow.filter(id => arrived.has(id))
  if (boundary.length > 0) await writeShallow(repo.objects, [...(await readShallow(repo.objects)), ...boundary])
  for (const id of tips) await moveRef(repo, `${RESUME_PREFIX}${remote}/${id}`, id)
}

/** After a transfer that completed: the resume refs it started from are done with (a completed one records none). */
async function clearResume(backend: Backend, refs: ReadonlyArray<[string, string]>): Promise<void> {
  for (const [ref, id] of refs) await backend.casRef(ref, id, undefined)
}

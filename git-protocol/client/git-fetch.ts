/**
 * Fetch from a git server into a store: list the server's refs (ls-refs, or the v0
 * advertisement), want the branch heads and tags this store lacks, name local heads as haves,
 * and store the pack's objects as they are parsed (every id computed from the bytes; thin-pack
 * bases read back from the store). Before any ref moves, the pack must be connected: everything
 * the arrived objects link to is here (`IncompletePackError` otherwise). Branches land in
 * `refs/remotes/<remote>/<branch>`, tags (annotated ones as tag objects) in `refs/tags/<name>`
 * unless a different tag of that name is already there, as `git fetch` does.
 *
 * A pack lists commits first, then trees, then blobs, so a commit or tree that arrives is not yet
 * whole. Blobs are written as they arrive (a blob is always whole); commits, trees and tags are
 * held in memory (up to `MAX_HELD_BYTES`) and written once the pack is complete and connected,
 * trees before commits: a commit in the store always has its closure, which is what later
 * fetches rely on when they find a wanted commit present and ask for nothing.
 *
 * Interrupted (a broken connection, a server gone mid-pack): what arrived whole is written (its
 * trees, then its commits), and the newest whole commits are kept under
 * `refs/irmin/resume/<remote>/<id>`, so GC keeps them and the next attempt names them as haves
 * and the server leaves them out; the commits it saw but could not keep become a plan to fetch
 * in steps next time (resume-plan.ts). The fetch retries on its own (`retries`, default 2). Bad
 * input (a corrupt pack) is not retried and writes no commit or tree: no ref moves, and the
 * blobs that arrived are unreferenced garbage for GC.
 */
import { type Backend, NotFoundError, readShallow, type Repo, writeShallow } from '../../core/index.js'
import type { ObjectWriter } from '../../core/object-store.js'
import type { WriteTracking } from '../../core/gc-coordinator.js'
import { TruncatedPktLineError, GitRemoteError, GitTransferError, IncompletePackError, PackLimitError, TruncatedPackError } from '../errors.js'
import { type PackObject, parsePack } from '../pack-parser.js'
import type { FetchOptions, FetchResult } from '../../sync/client/fetch.js'
import { moveRef, RESUME_PREFIX } from '../../sync/client/fetch.js'
import { type Remote, trackingRef } from '../../sync/client/remotes.js'
import { ArrivedGraph } from './arrived-graph.js'
import { clearPlan, planSteps, readPlan, savePlan } from './resume-plan.js'
import { GitHttp } from './http.js'
import { type RemoteRef, UploadPack } from './upload-pack.js'

export interface GitFetchOptions extends Omit<FetchOptions, 'transport'> {
  /** Force protocol v0 (default: ask for v2, use v0 if that is all the server speaks). */
  readonly protocolV2?: boolean
  /** The server's progress messages (side-band 2). */
  readonly onRemoteProgress?: (text: string) => void
}

type AnyRepo = Pick<Repo<unknown>, 'backend' | 'objects' | 'refMoved'>

const HEADS = 'refs/heads/'
const TAGS = 'refs/tags/'
/** Received bytes written before the fetch waits for the backend (and forgets them in memory). */
const LAND_BYTES = 32 * 1024 * 1024
const MAX_HAVES = 1000
/** Commits, trees and tags of one fetch kept in memory until the pack is connected. */
export const MAX_HELD_BYTES = 1024 * 1024 * 1024
const PROGRESS_EVERY = 500

export async function gitFetch(repo: AnyRepo, remote: Remote, options: GitFetchOptions = {}): Promise<FetchResult> {
  const http = new GitHttp(remote.url, { password: options.token, protocolV2: options.protocolV2 })
  const session = await UploadPack.connect(http)
  const refs = await session.refs()
  const heads = refs
    .filter((r) => r.name.startsWith(HEADS))
    .map((r) => ({ branch: r.name.slice(HEADS.length), id: r.id }))
    .filter(({ branch }) => options.branches === undefined || options.branches.includes(branch))
  for (const branch of options.branches ?? []) {
    if (!heads.some((h) => h.branch === branch)) throw new NotFoundError(`branch ${branch} on ${remote.name} (${remote.url})`)
  }
  // Every tag comes with a whole fetch (clone, fetch); a one-branch fetch (pull) leaves them.
  const tags = options.branches === undefined ? refs.filter((r) => r.name.startsWith(TAGS) && !r.name.endsWith('^{}')) : []
  const wanted = [...new Set([...heads.map((h) => h.id), ...tags.map((t) => t.id)])]
  const present = await repo.backend.hasObjects(wanted)
  const wants = wanted.filter((_, i) => !present[i])
  const total = { objects: 0, bytes: 0 }
  // What an interrupted fetch left to resume from: done with once this fetch completes.
  const resumed = await repo.backend.listRefs(`${RESUME_PREFIX}${remote.name}/`)
  // What arrives stays out of GC's reach until the refs naming it have moved.
  const tracking = repo.objects.gc.beginWrite()
  const branches = []
  try {
    if (wants.length > 0) await fetchWithRetries(repo, session, remote, wants, options, total, tracking)
    for (const { branch, id } of heads) branches.push({ branch, id, before: await moveRef(repo, trackingRef(remote.name, branch), id) })
    await storeTags(repo, tags)
  } finally {
    tracking.release()
  }
  for (const [ref, id] of resumed) await repo.backend.casRef(ref, id, undefined)
  await clearPlan(repo, remote.name)
  return { remote: remote.name, branches, ...total, requests: http.requests }
}

async function storeTags(repo: AnyRepo, tags: readonly RemoteRef[]): Promise<void> {
  for (const tag of tags) {
    if (await repo.backend.casRef(tag.name, undefined, tag.id)) repo.refMoved(tag.name, tag.id)
  }
}

function isInterruption(error: unknown): boolean {
  return error instanceof GitTransferError || error instanceof TruncatedPackError || error instanceof TruncatedPktLineError
}

async function fetchWithRetries(repo: AnyRepo, session: UploadPack, remote: Remote, wants: string[], options: GitFetchOptions, total: { objects: number; bytes: number }, tracking: WriteTracking): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      // What an interrupted attempt saw, in steps that each land whole (not for shallow fetches).
      const steps = options.depth === undefined ? await planSteps(repo, await readPlan(repo, remote.name)) : []
      try {
        for (const step of steps) {
          await transfer(repo, session, remote, [step], options, total, tracking)
          await moveRef(repo, `${RESUME_PREFIX}${remote.name}/${step}`, step)
        }
      } catch (error) {
        // A server that refuses wants no ref names: fetch as usual, and plan no more.
        if (!(error instanceof GitRemoteError)) throw error
        await clearPlan(repo, remote.name)
      }
      const resumed = await transfer(repo, session, remote, wants, options, total, tracking)
      // The resume refs an earlier attempt of this fetch left.
      for (const [ref, id] of resumed) await repo.backend.casRef(ref, id, undefined)
      return
    } catch (error) {
      if (!isInterruption(error) || attempt >= (options.retries ?? 2)) throw error
    }
  }
}

/** Commits to name as haves (local heads, tracking refs, resume refs), and this remote's resume refs. */
async function localHaves(backend: Backend, remote: string): Promise<{ haves: string[]; resume: Array<[string, string]> }> {
  const resume = await backend.listRefs(`${RESUME_PREFIX}${remote}/`)
  const refs = [...resume, ...(await backend.listRefs(HEADS)), ...(await backend.listRefs('refs/remotes/'))]
  return { haves: [...new Set(refs.map(([, id]) => id))].slice(0, MAX_HAVES), resume }
}

async function transfer(repo: AnyRepo, session: UploadPack, remote: Remote, wants: string[], options: GitFetchOptions, total: { objects: number; bytes: number }, tracking: WriteTracking): Promise<Array<[string, string]>> {
  const { haves, resume } = await localHaves(repo.backend, remote.name)
  const gc = repo.objects.gc
  const unpin = haves.map((id) => gc.pin(id))
  const writer = repo.objects.writer(tracking)
  const filter = options.filter ?? remote.filter
  const graph = new ArrivedGraph(filter === undefined)
  let shallow = new Set<string>()
  /** Objects written since the last wait for the backend: a delta base may be among them. */
  let unlanded = new Map<string, Uint8Array>()
  let unlandedBytes = 0
  /** Commits, trees and tags, written once they are known whole. */
  const held = new Map<string, PackObject>()
  let heldBytes = 0
  try {
    const reply = await session.fetch({ wants, haves, depth: options.depth, filter, onRemoteProgress: options.onRemoteProgress })
    shallow = new Set(reply.shallow)
    const loadBase = async (id: string) => held.get(id)?.framed ?? unlanded.get(id) ?? (await repo.backend.getObjects([id]))[0]
    for await (const object of parsePack(counted(reply.pack, total), { loadBase })) {
      graph.add(object)
      if (++total.objects % PROGRESS_EVERY === 0) options.onProgress?.({ ...total })
      if (object.type !== 'blob') {
        held.set(object.id, object)
        heldBytes += object.framed.length
        if (heldBytes > MAX_HELD_BYTES) throw new PackLimitError(`the commits and trees of one fetch exceed ${MAX_HELD_BYTES} bytes: fetch with a depth first`)
        continue
      }
      writer.add(object.id, object.framed)
      unlanded.set(object.id, object.framed)
      unlandedBytes += object.framed.length
      if (unlandedBytes >= LAND_BYTES) {
        await writer.finish()
        unlanded = new Map()
        unlandedBytes = 0
      }
    }
    await writer.finish()
    options.onProgress?.({ ...total })
    const missing = await graph.missing(repo.backend, wants, shallow)
    if (missing.length > 0) throw new IncompletePackError(missing)
    const byType = (type: string) => [...held.values()].filter((o) => o.type === type).map((o) => o.id)
    await writeHeld(writer, held, byType('tree'), [...byType('commit'), ...byType('tag')])
    if (reply.shallow.length > 0 || reply.unshallow.length > 0) {
      const unshallow = new Set(reply.unshallow)
      const kept = (await readShallow(repo.objects)).filter((id) => !unshallow.has(id))
      await writeShallow(repo.objects, [...new Set([...kept, ...reply.shallow])])
    }
    return resume
  } catch (error) {
    await writer.finish().catch(() => {})
    if (isInterruption(error)) {
      const whole = await graph.whole(repo.backend, shallow)
      await writeHeld(writer, held, whole.trees, whole.commits)
      const boundary = [...shallow].filter((id) => held.has(id))
      if (boundary.length > 0) await writeShallow(repo.objects, [...new Set([...(await readShallow(repo.objects)), ...boundary])])
      for (const id of whole.tips) await moveRef(repo, `${RESUME_PREFIX}${remote.name}/${id}`, id)
      if (options.depth === undefined) await savePlan(repo, remote.name, graph.firstParentLines(wants))
    }
    throw error
  } finally {
    for (const release of unpin) release()
  }
}

/** Writes held trees, waits for them, then the commits and tags that name them. */
async function writeHeld(writer: ObjectWriter, held: ReadonlyMap<string, PackObject>, trees: readonly string[], commits: readonly string[]): Promise<void> {
  for (const ids of [trees, commits]) {
    for (const id of ids) writer.add(id, held.get(id)!.framed)
    await writer.finish()
  }
}

/** The pack's chunks, counting their bytes into `total`. */
async function* counted(chunks: AsyncIterable<Uint8Array>, total: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    total.bytes += chunk.length
    yield chunk
  }
}

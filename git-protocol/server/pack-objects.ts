/**
 * The pack upload-pack sends, made on the fly in two passes, as git's pack-objects does:
 * 1. list the objects (the sync fetch walk, sync/server/walk.ts: from the wants down to what the
 *    haves give the client, with depth and filter; blobs by id only, unread) — a pack's header
 *    holds the count, so it must be known before the first byte;
 * 2. read them in batches and encode them (pack-encoder.ts), each chunk sent on side-band 1 as
 *    the client takes it. Only ids are held for the whole pack; bytes, one batch at a time.
 */
import type { Repo } from '../../core/index.js'
import { parseFrame, typeName } from '../../backends/git/pack-format.js'
import type { Filter } from '../../sync/filter.js'
import { FrameKind } from '../../sync/frames.js'
import { SyncError } from '../../sync/errors.js'
import { walkFetch } from '../../sync/server/walk.js'
import { GitRequestError } from '../errors.js'
import { prefixSuffixDelta } from '../delta-encoder.js'
import { DEFAULT_LEVEL, PackEncoder } from '../pack-encoder.js'
import { RecentMap } from '../../sync/recent-map.js'
import type { GitReply } from './reply.js'

export interface PackRequest {
  readonly wants: readonly string[]
  readonly haves: readonly string[]
  readonly depth?: number
  readonly filter: Filter
  /** The client's shallow commits (it lacks their parents). */
  readonly clientShallow: readonly string[]
}

export interface PackPlan {
  /** The objects to send, in the walk's order (what a commit names before the commit). */
  readonly ids: string[]
  /** Commits sent without their parents (the client records them as its boundary). */
  readonly shallow: string[]
  /** Framed commits and trees the walk read, kept (up to KEPT_BYTES) so pass 2 need not read them again. */
  readonly kept: Map<string, Uint8Array>
  /** For a tree: the tree at the same path in a parent commit, its delta base if sent before it. */
  readonly bases: Map<string, string>
}

export interface SendOptions {
  /** No progress on band 2. */
  readonly quiet: boolean
  /** The zlib level of large blobs (packLevel). */
  readonly level: number
  /** The client takes OBJ_OFS_DELTA (else deltas name their base by id). */
  readonly ofsDelta: boolean
}

/** Longest chain of tree deltas: past it a tree goes whole (git's pack.depth is 50), so reads stay quick. */
const MAX_DELTA_DEPTH = 50
/** Tree bodies kept in pass 2 as delta bases for the next versions of their directories. */
const RECENT_TREES = 16384

/**
 * The zlib level of large blobs for a client on this machine: 0, stored as is. Over loopback the
 * link is faster than deflate (level 1 costs ~50 µs per 2 KiB blob, most of the server's time in a
 * clone); across a network, bytes cost more than CPU and blobs of 1 KiB and more are deflated.
 */
export function packLevel(remoteAddress: string | undefined): number {
  return remoteAddress === '127.0.0.1' || remoteAddress === '::1' || remoteAddress === '::ffff:127.0.0.1' ? 0 : DEFAULT_LEVEL
}

/** Objects read per backend call while encoding. */
const READ_BATCH = 2048
/**
 * Bytes of commits and trees kept from pass 1 for pass 2: the walk reads them anyway, and reading
 * them again would double the work; blobs are never kept (pass 1 does not read them).
 */
const KEPT_BYTES = 128 * 1024 * 1024

/** Pass 1: the ids to send. An absent want is a `GitRequestError` ("not our ref"). */
export async function planPack(repo: Repo<Uint8Array>, request: PackRequest, isGone: () => boolean): Promise<PackPlan> {
  const ids: string[] = []
  const shallow: string[] = []
  const kept = new Map<string, Uint8Array>()
  const bases = new Map<string, string>()
  let keptBytes = 0
  const wants = [...new Set(request.wants)]
  const framed = await repo.backend.getObjects(wants)
  // A wanted blob is sent whatever the filter (a partial clone fetching one on demand names it).
  const walked: string[] = []
  wants.forEach((id, i) => {
    const bytes = framed[i]
    if (bytes === undefined) throw new GitRequestError(`upload-pack: not our ref ${id}`)
    const frame = parseFrame(bytes)
    if (frame !== undefined && typeName(frame.type) === 'blob' && request.filter.kind !== 'none') ids.push(id)
    else walked.push(id)
  })
  try {
    await walkFetch(
      repo,
      { wants: walked, haves: request.haves, depth: request.depth, filter: request.filter, clientShallow: request.clientShallow },
      {
        async write(frame) {
          if (frame.kind === FrameKind.object) {
            ids.push(frame.id)
            if (keptBytes + frame.bytes.length <= KEPT_BYTES) {
              kept.set(frame.id, frame.bytes)
              keptBytes += frame.bytes.length
            }
          } else if (frame.kind === FrameKind.shallow) shallow.push(frame.id)
        },
        reference(id, base) {
          bases.set(id, base)
        },
        async blobIds(blobs) {
          for (const id of blobs) ids.push(id)
        },
        get gone() {
          return isGone()
        },
      },
    )
  } catch (error) {
    if (error instanceof SyncError && error.code === 'ENOTFOUND') throw new GitRequestError(`upload-pack: ${error.message}`)
    throw error
  }
  return { ids, shallow, kept, bases }
}

/**
 * Pass 2: the pack of the plan's objects, on side-band 1, with progress on band 2 unless `quiet`.
 * The next batch is read while the current one is encoded and sent.
 */
export async function sendPack(repo: Repo<Uint8Array>, plan: PackPlan, reply: GitReply, options: SendOptions): Promise<void> {
  const { ids, kept } = plan
  const pack = new PackEncoder(ids.length, { level: options.level })
  const progress = new Progress(reply, options.quiet, ids.length)
  const trees = new TreeDeltas(pack, plan.bases, options.ofsDelta)
  const read = async (start: number): Promise<Map<string, Uint8Array>> => {
    const wanted = ids.slice(start, start + READ_BATCH).filter(id => !kept.has(id))
    const objects = wanted.length === 0 ? [] : await repo.backend.getObjects(wanted)
    const out = new Map<string, Uint8Array>()
    wanted.forEach((id, i) => objects[i] !== undefined && out.set(id, objects[i]!))
    return out
  }
  let next: Promise<Map<string, Uint8Array>> | undefined = read(0)
  try {
    for (let start = 0; start < ids.length; start += READ_BATCH) {
      const batch = await next!
      next = start + READ_BATCH < ids.length ? read(start + READ_BATCH) : undefined
      if (reply.gone) return
      for (const id of ids.slice(start, start + READ_BATCH)) {
        const bytes = kept.get(id) ?? batch.get(id)
        kept.delete(id)
        const frame = bytes && parseFrame(bytes)
        const type = frame && typeName(frame.type)
        if (!bytes || !frame || !type) throw new GitRequestError(`upload-pack: object ${id} is missing or unreadable in the served store`, 500)
        if (type === 'tree') trees.add(id, bytes.subarray(frame.bodyStart))
        else pack.add(type, bytes.subarray(frame.bodyStart))
        for (const chunk of pack.take()) await reply.band(1, chunk)
      }
      await progress.update(Math.min(ids.length, start + READ_BATCH))
    }
    for (const chunk of pack.finish()) await reply.band(1, chunk)
    await progress.done(trees.deltas)
  } finally {
    // A read ahead left behind (the client went away, a failure) must not become an unhandled rejection.
    void next?.catch(() => {})
  }
}

/**
 * Trees as deltas against the previous version of their directory when that was sent earlier in
 * this pack (the walk names it: `PackPlan.bases`), as git's own packs store them: a changed
 * entry costs a few dozen bytes instead of the whole tree.
 */
class TreeDeltas {
  /** Trees placed in this pack: offset and delta depth. */
  private readonly placed = new Map<string, { offset: number; depth: number }>()
  private readonly bodies = new RecentMap<string, Uint8Array>(RECENT_TREES)
  deltas = 0

  constructor(
    private readonly pack: PackEncoder,
    private readonly bases: ReadonlyMap<string, string>,
    private readonly ofsDelta: boolean,
  ) {}

  add(id: string, body: Uint8Array): void {
    const base = this.bases.get(id)
    const at = base === undefined ? undefined : this.placed.get(base)
    const baseBody = at !== undefined && at.depth < MAX_DELTA_DEPTH ? this.bodies.get(base!) : undefined
    const delta = baseBody && prefixSuffixDelta(baseBody, body)
    if (delta) {
      const offset = this.ofsDelta ? this.pack.addOfsDelta(at!.offset, delta) : this.pack.addRefDelta(base!, delta)
      this.placed.set(id, { offset, depth: at!.depth + 1 })
      this.deltas++
    } else {
      this.placed.set(id, { offset: this.pack.add('tree', body), depth: 0 })
    }
    this.bodies.set(id, body)
  }
}

/** "Sending objects: n% (k/N)" on band 2, a few times a second at most. */
class Progress {
  private last = 0

  constructor(
    private readonly reply: GitReply,
    private readonly quiet: boolean,
    private readonly total: number,
  ) {}

  async update(count: number): Promise<void> {
    if (this.quiet || Date.now() - this.last < 250) return
    this.last = Date.now()
    await this.reply.band(2, new TextEncoder().encode(`Sending objects: ${percent(count, this.total)}% (${count}/${this.total})\r`))
  }

  async done(deltas: number): Promise<void> {
    if (this.quiet) return
    await this.reply.band(2, new TextEncoder().encode(`Sending objects: 100% (${this.total}/${this.total}), done.\nTotal ${this.total} (delta ${deltas}), reused 0 (delta 0)\n`))
  }
}

function percent(count: number, total: number): number {
  return total === 0 ? 100 : Math.floor((100 * count) / total)
}

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
import { PackEncoder } from '../pack-encoder.js'
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
}

/** Objects read per backend call while encoding. */
const READ_BATCH = 256

/** Pass 1: the ids to send. An absent want is a `GitRequestError` ("not our ref"). */
export async function planPack(repo: Repo<Uint8Array>, request: PackRequest, isGone: () => boolean): Promise<PackPlan> {
  const ids: string[] = []
  const shallow: string[] = []
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
          if (frame.kind === FrameKind.object) ids.push(frame.id)
          else if (frame.kind === FrameKind.shallow) shallow.push(frame.id)
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
  return { ids, shallow }
}

/** Pass 2: the pack of `ids`, on side-band 1, with progress on band 2 unless `quiet`. */
export async function sendPack(repo: Repo<Uint8Array>, ids: readonly string[], reply: GitReply, quiet: boolean): Promise<void> {
  const pack = new PackEncoder(ids.length)
  const progress = new Progress(reply, quiet, ids.length)
  for (let start = 0; start < ids.length; start += READ_BATCH) {
    if (reply.gone) return
    const batch = ids.slice(start, start + READ_BATCH)
    const objects = await repo.backend.getObjects(batch)
    for (let i = 0; i < batch.length; i++) {
      const bytes = objects[i]
      const frame = bytes && parseFrame(bytes)
      const type = frame && typeName(frame.type)
      if (!bytes || !frame || !type) throw new GitRequestError(`upload-pack: object ${batch[i]} is missing or unreadable in the served store`, 500)
      pack.add(type, bytes.subarray(frame.bodyStart))
    }
    for (const chunk of pack.take()) await reply.band(1, chunk)
    await progress.update(start + batch.length)
  }
  for (const chunk of pack.finish()) await reply.band(1, chunk)
  await progress.done()
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

  async done(): Promise<void> {
    if (this.quiet) return
    await this.reply.band(2, new TextEncoder().encode(`Sending objects: 100% (${this.total}/${this.total}), done.\nTotal ${this.total} (delta 0), reused 0 (delta 0)\n`))
  }
}

function percent(count: number, total: number): number {
  return total === 0 ? 100 : Math.floor((100 * count) / total)
}

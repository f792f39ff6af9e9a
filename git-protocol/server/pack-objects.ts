/**
 * The pack upload-pack sends, made on the fly. A pack's header holds its object count, known only
 * once the objects are listed, so the entries are first spooled to a temporary file as the sync
 * fetch walk (sync/server/walk.ts: from the wants down to what the haves give the client, with
 * depth and filter; reading ahead off the main thread) hands them over; then the header, the
 * spooled entries and the SHA-1 trailer go out on side-band 1 as the client takes them
 * (backpressure). Nothing is held in memory beyond a chunk and the recent trees deltas use; the
 * spool is removed at the end, whatever happens.
 */
import { createHash } from 'node:crypto'
import { writeSync } from 'node:fs'
import { type FileHandle, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Repo } from '../../core/index.js'
import { parseFrame, typeName } from '../../backends/git/pack-format.js'
import type { Filter } from '../../sync/filter.js'
import { FrameKind } from '../../sync/frames.js'
import { SyncError } from '../../sync/errors.js'
import { RecentMap } from '../../sync/recent-map.js'
import { walkFetch } from '../../sync/server/walk.js'
import { prefixSuffixDelta } from '../delta-encoder.js'
import { GitRequestError } from '../errors.js'
import { DEFAULT_LEVEL, PackEncoder, packHeader } from '../pack-encoder.js'
import type { GitReply } from './reply.js'

export interface PackRequest {
  readonly wants: readonly string[]
  readonly haves: readonly string[]
  readonly depth?: number
  readonly filter: Filter
  /** The client's shallow commits (it lacks their parents). */
  readonly clientShallow: readonly string[]
}

export interface PackOptions {
  /** The zlib level of large blobs (packLevel). */
  readonly level: number
  /** The client takes OBJ_OFS_DELTA (else deltas name their base by id). */
  readonly ofsDelta: boolean
}

/** A pack's entries, spooled: send it (`sendPack`) or drop it (`discard`). */
export interface SpooledPack {
  readonly count: number
  /** Trees sent as deltas. */
  readonly deltas: number
  /** Commits sent without their parents (the client records them as its boundary). */
  readonly shallow: string[]
  readonly file: FileHandle
  readonly path: string
  readonly bytes: number
}

/** Longest chain of tree deltas: past it a tree goes whole (git's pack.depth is 50), so reads stay quick. */
const MAX_DELTA_DEPTH = 50
/** Tree bodies kept as delta bases for the next versions of their directories. */
const RECENT_TREES = 16384
const READ_CHUNK = 256 * 1024

/**
 * The zlib level of large blobs for a client on this machine: 0, stored as is. Over loopback the
 * link is faster than deflate (level 1 costs ~50 µs per 2 KiB blob, most of the server's time in a
 * clone); across a network, bytes cost more than CPU and blobs of 1 KiB and more are deflated.
 */
export function packLevel(remoteAddress: string | undefined): number {
  return remoteAddress === '127.0.0.1' || remoteAddress === '::1' || remoteAddress === '::ffff:127.0.0.1' ? 0 : DEFAULT_LEVEL
}

/** Walks and spools the pack. An absent want is a `GitRequestError` ("not our ref"). */
export async function spoolPack(repo: Repo<Uint8Array>, request: PackRequest, options: PackOptions, isGone: () => boolean): Promise<SpooledPack> {
  const path = join(tmpdir(), `irmin-upload-pack-${process.pid}-${Math.random().toString(36).slice(2)}.spool`)
  const file = await open(path, 'wx+', 0o600)
  try {
    const spool = new Spool(file, options)
    const shallow: string[] = []
    const wants = [...new Set(request.wants)]
    const framed = await repo.backend.getObjects(wants)
    // A wanted blob is sent whatever the filter (a partial clone fetching one on demand names it).
    const walked: string[] = []
    for (const [i, id] of wants.entries()) {
      const bytes = framed[i]
      if (bytes === undefined) throw new GitRequestError(`upload-pack: not our ref ${id}`)
      const frame = parseFrame(bytes)
      if (frame !== undefined && typeName(frame.type) === 'blob' && request.filter.kind !== 'none') await spool.add(id, bytes)
      else walked.push(id)
    }
    try {
      await walkFetch(
        repo,
        { wants: walked, haves: request.haves, depth: request.depth, filter: request.filter, clientShallow: request.clientShallow },
        {
          async write(frame) {
            if (frame.kind === FrameKind.object) await spool.add(frame.id, frame.bytes)
            else if (frame.kind === FrameKind.shallow) shallow.push(frame.id)
          },
          reference(id, base) {
            spool.nextBase(id, base)
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
    const bytes = await spool.finish()
    return { count: spool.count, deltas: spool.trees.deltas, shallow, file, path, bytes }
  } catch (error) {
    await discard({ file, path })
    throw error
  }
}

/** The commits a pack for `request` would send without their parents, without spooling it (v0's shallow list). */
export async function shallowOf(repo: Repo<Uint8Array>, request: PackRequest, isGone: () => boolean): Promise<string[]> {
  const shallow: string[] = []
  await walkFetch(repo, { ...request, filter: { kind: 'tree:0' } }, {
    async write(frame) {
      if (frame.kind === FrameKind.shallow) shallow.push(frame.id)
    },
    get gone() {
      return isGone()
    },
  })
  return shallow
}

/** The spooled pack on side-band 1 (header, entries, SHA-1), progress on band 2 unless `quiet`; then the spool goes. */
export async function sendPack(pack: SpooledPack, reply: GitReply, quiet: boolean): Promise<void> {
  try {
    const hash = createHash('sha1')
    const header = packHeader(pack.count)
    hash.update(header)
    await reply.band(1, header)
    let sent = 0
    let last = 0
    while (sent < pack.bytes) {
      if (reply.gone) return
      // A fresh buffer each time: the socket may still hold the last one when write() returns.
      const buffer = Buffer.allocUnsafe(READ_CHUNK)
      const { bytesRead } = await pack.file.read(buffer, 0, Math.min(READ_CHUNK, pack.bytes - sent), sent)
      if (bytesRead === 0) throw new GitRequestError('upload-pack: the pack spool ended early', 500)
      const chunk = buffer.subarray(0, bytesRead)
      hash.update(chunk)
      await reply.band(1, chunk)
      sent += bytesRead
      if (!quiet && Date.now() - last > 250) {
        last = Date.now()
        await reply.band(2, new TextEncoder().encode(`Sending objects: ${Math.floor((100 * sent) / Math.max(1, pack.bytes))}% (${(sent / 2 ** 20).toFixed(1)} MiB)\r`))
      }
    }
    await reply.band(1, hash.digest())
    if (!quiet) await reply.band(2, new TextEncoder().encode(`Sending objects: 100%, done.\nTotal ${pack.count} (delta ${pack.deltas}), reused 0 (delta 0)\n`))
  } finally {
    await discard(pack)
  }
}

export async function discard(pack: Pick<SpooledPack, 'file' | 'path'>): Promise<void> {
  await pack.file.close().catch(() => {})
  await rm(pack.path, { force: true })
}

/** Entries encoded and written to the spool file in chunks (each write awaited: backpressure). */
class Spool {
  private readonly encoder: PackEncoder
  readonly trees: TreeDeltas
  private bytes = 0
  private base: [id: string, base: string] | undefined

  constructor(
    private readonly file: FileHandle,
    options: PackOptions,
  ) {
    this.encoder = new PackEncoder(undefined, { level: options.level })
    this.trees = new TreeDeltas(this.encoder, options.ofsDelta)
  }

  get count(): number {
    return this.encoder.entries
  }

  /** The walk's word that the next tree, `id`, has `base` at the same path. */
  nextBase(id: string, base: string): void {
    this.base = [id, base]
  }

  async add(id: string, framed: Uint8Array): Promise<void> {
    const frame = parseFrame(framed)
    const type = frame && typeName(frame.type)
    if (!frame || !type) throw new GitRequestError(`upload-pack: object ${id} is unreadable in the served store`, 500)
    const body = framed.subarray(frame.bodyStart)
    if (type === 'tree') this.trees.add(id, body, this.base?.[0] === id ? this.base[1] : undefined)
    else this.encoder.add(type, body)
    this.base = undefined
    await this.write(this.encoder.take())
  }

  /** Writes what is left; returns the spooled bytes. */
  async finish(): Promise<number> {
    await this.write(this.encoder.finish())
    return this.bytes
  }

  /**
   * Synchronous on purpose: a 256 KiB write into the page cache is a memcpy, cheaper than a hop to
   * libuv's thread pool, which the store's reads are using meanwhile.
   */
  private async write(chunks: Uint8Array[]): Promise<void> {
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length; ) at += writeSync(this.file.fd, chunk, at, chunk.length - at, this.bytes + at)
      this.bytes += chunk.length
    }
  }
}

/**
 * Trees as deltas against the previous version of their directory when that was sent earlier in
 * this pack (the walk names it), as git's own packs store them: a changed entry costs a few dozen
 * bytes instead of the whole tree.
 */
class TreeDeltas {
  /** Trees placed in this pack: offset and delta depth. */
  private readonly placed = new Map<string, { offset: number; depth: number }>()
  private readonly bodies = new RecentMap<string, Uint8Array>(RECENT_TREES)
  deltas = 0

  constructor(
    private readonly pack: PackEncoder,
    private readonly ofsDelta: boolean,
  ) {}

  add(id: string, body: Uint8Array, base: string | undefined): void {
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

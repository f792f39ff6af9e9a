/**
 * The pack upload-pack sends, made on the fly in two steps, as git's pack-objects does (a pack's
 * header holds its object count, so every object must be listed before the first byte goes):
 * 1. `spoolPack`: the sync fetch walk (sync/server/walk.ts: from the wants down to what the haves
 *    give the client, with depth and filter; reading trees ahead off the main thread) hands over
 *    commits and trees, which are encoded (trees as deltas) into a temporary spool file, and the
 *    blobs by id only, unread — the count is then known without reading a blob;
 * 2. `sendPack`: the header, the spooled entries, then the blobs, read in batches (the next one
 *    from the store while the current one is encoded) and encoded as they go, then the SHA-1
 *    trailer, on side-band 1 as the client takes them (backpressure). Reading the blobs, most of
 *    a clone's bytes, thus overlaps the client's indexing of what came before.
 * Memory: a chunk, the recent trees deltas use, two batches of blobs, and the blob ids (a string
 * each). The spool is removed at the end, whatever happens.
 */
import { createHash } from 'node:crypto'
import { writeSync } from 'node:fs'
import { type FileHandle, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Repo } from '../../core/index.js'
import { OBJ_BLOB, parseFrame, typeName } from '../../backends/git/pack-format.js'
import type { Filter } from '../../sync/filter.js'
import { FrameKind } from '../../sync/frames.js'
import { SyncError } from '../../sync/errors.js'
import { RecentMap } from '../../core/recent-map.js'
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

/** A pack's commits and trees, spooled, and its blobs' ids: send it (`sendPack`) or drop it (`discard`). */
export interface SpooledPack {
  /** Entries in the pack: the spooled ones and the blobs. */
  readonly count: number
  /** Blobs to read and send after the spooled entries. */
  readonly blobs: readonly string[]
  /** The zlib level of large blobs. */
  readonly level: number
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
/** Blobs per store read in `sendPack` (LevelDB reads a batch in its thread pool). */
const BLOB_BATCH = 1024

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
    const blobs: string[] = []
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
          async blobIds(ids) {
            for (const id of ids) blobs.push(id)
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
    return { count: spool.count + blobs.length, blobs, level: options.level, deltas: spool.trees.deltas, shallow, file, path, bytes }
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

/**
 * The pack on side-band 1 (header, spooled entries, blobs read from `repo`, SHA-1), progress on
 * band 2 unless `quiet`; then the spool goes. The caller keeps the wants pinned against garbage
 * collection until this returns, so the listed blobs are still there (a missing one is a 500).
 */
export async function sendPack(repo: Repo<Uint8Array>, pack: SpooledPack, reply: GitReply, quiet: boolean): Promise<void> {
  const hash = createHash('sha1')
  const send = async (chunk: Uint8Array) => {
    hash.update(chunk)
    await reply.band(1, chunk)
  }
  const progress = new Progress(reply, quiet)
  // The first blobs are read while the spool goes out.
  let next = pack.blobs.length > 0 ? readBlobs(repo, pack.blobs, 0) : undefined
  try {
    await send(packHeader(pack.count))
    let sent = 0
    while (sent < pack.bytes) {
      if (reply.gone) return
      // A fresh buffer each time: the socket may still hold the last one when write() returns.
      const buffer = Buffer.allocUnsafe(READ_CHUNK)
      const { bytesRead } = await pack.file.read(buffer, 0, Math.min(READ_CHUNK, pack.bytes - sent), sent)
      if (bytesRead === 0) throw new GitRequestError('upload-pack: the pack spool ended early', 500)
      await send(buffer.subarray(0, bytesRead))
      sent += bytesRead
      await progress.update(sent)
    }
    const encoder = new PackEncoder(undefined, { level: pack.level })
    for (let start = 0; start < pack.blobs.length; start += BLOB_BATCH) {
      const batch = await next!
      next = start + BLOB_BATCH < pack.blobs.length ? readBlobs(repo, pack.blobs, start + BLOB_BATCH) : undefined
      if (reply.gone) return
      for (let i = 0; i < batch.length; i++) {
        const framed = batch[i]
        const frame = framed && parseFrame(framed)
        if (!framed || !frame || frame.type !== OBJ_BLOB) throw new GitRequestError(`upload-pack: blob ${pack.blobs[start + i]} is missing or unreadable in the served store`, 500)
        encoder.add('blob', framed.subarray(frame.bodyStart))
        for (const chunk of encoder.take()) await send(chunk)
      }
      await progress.update(pack.bytes + encoder.position)
    }
    for (const chunk of encoder.finish()) await send(chunk)
    await reply.band(1, hash.digest())
    await progress.done(pack.count, pack.deltas)
  } finally {
    // A read ahead left behind (the client went away, a failure) must not become an unhandled rejection.
    void next?.catch(() => {})
    await discard(pack)
  }
}

function readBlobs(repo: Repo<Uint8Array>, ids: readonly string[], start: number): Promise<Array<Uint8Array | undefined>> {
  return repo.backend.getObjects(ids.slice(start, start + BLOB_BATCH))
}

/** "Sending objects" on band 2, a few times a second at most. */
class Progress {
  private last = 0

  constructor(
    private readonly reply: GitReply,
    private readonly quiet: boolean,
  ) {}

  async update(sent: number): Promise<void> {
    if (this.quiet || Date.now() - this.last < 250) return
    this.last = Date.now()
    await this.reply.band(2, new TextEncoder().encode(`Sending objects: ${(sent / 2 ** 20).toFixed(1)} MiB\r`))
  }

  async done(count: number, deltas: number): Promise<void> {
    if (!this.quiet) await this.reply.band(2, new TextEncoder().encode(`Sending objects: done.\nTotal ${count} (delta ${deltas}), reused 0 (delta 0)\n`))
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

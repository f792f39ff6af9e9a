/**
 * The git backend: a `Backend` stored as a real git repository, so that git and irminsule can
 * work on the same repository at the same time. Objects are read from loose files and packs
 * (deltas included) as git writes them, and written one pack per batch; refs are loose files
 * and packed-refs, moved under git's lock-file protocol. Node-only (node:fs, node:zlib).
 *
 * Durability: `putObjects` resolves once its pack and index are fsynced and renamed into place
 * and the directory fsynced; `casRef` once the ref file is. Object reads are synchronous
 * positioned reads (as git's own are), which cost far less than a round trip through libuv's
 * thread pool for the small entries that most reads are; `getObjectsSync` offers them as such.
 *
 * Packs accumulate one per batch; past `maxPacks` the smallest are rolled into one in the
 * background (see pack-rewrite.ts), the new pack durable before the old ones go.
 *
 * Deletions (garbage collection): loose objects go at once; packed ones are recorded as doomed
 * and each pack holding any is rewritten once, when the collection finishes (`beginDeletions`),
 * not once per batch. Until then a put never skips a doomed id, even though a pack still holds
 * it: it writes the object again and rescues it, so a pack rewrite that drops it (planned
 * before the put) cannot take the only copy away. git's commit-graph and multi-pack index are
 * removed before anything is deleted (derived-files.ts); what git's reflogs, index and detached
 * HEAD name, and objects younger than the grace period, are kept (retained.ts).
 */
import { join } from 'node:path'
import type { Backend, Deletions, ObjectEntry, RefListener, Retained } from '../../core/backend.js'
import { RefListeners } from '../../core/backend.js'
import { ClosedError, CorruptObjectError, InvalidArgumentError, NotARepositoryError } from '../../core/errors.js'
import { type BackendLimits, checkCas, checkIds, checkObjects, checkPrefix, checkRefName, DEFAULT_MAX_OBJECT_SIZE } from '../contract.js'
import { BaseCache } from './base-cache.js'
import { removeDerivedIndexes } from './derived-files.js'
import { LooseObjects } from './loose.js'
import { parseFrame } from './pack-format.js'
import { idKey } from './pack-index.js'
import { PackReader } from './pack-reader.js'
import { packsToRollUp, rewritePacks } from './pack-rewrite.js'
import { PackSet } from './pack-set.js'
import { PackWriter } from './pack-writer.js'
import { type Doomed, PendingDeletions } from './pending-deletions.js'
import { Refs } from './refs.js'
import { retainedRoots, youngObjects } from './retained.js'
import { ShallowFile } from './shallow-file.js'
import { checkFormat, createRepository, findRepository, type Repository } from './repository.js'

export interface GitBackendOptions extends BackendLimits {
  /** Create a repository when `dir` holds none (default: refuse with `NotARepositoryError`). */
  create?: boolean
  /** When creating: a bare repository in `dir` (default), or a work tree with `dir/.git`. */
  bare?: boolean
  /** zlib level for blobs of 1 KiB or more (default 1); 0 stores everything uncompressed. */
  compressionLevel?: number
  /** How long `casRef` waits for a ref lock another writer holds (default 10 s). */
  lockTimeoutMs?: number
  /** Age after which a lock file is taken for a crashed writer's and removed (default 5 s). */
  staleLockMs?: number
  /** Packs beyond which the smallest are rolled into one (default 32). */
  maxPacks?: number
  /** Bytes of resolved delta bases kept for reading delta chains (default 32 MiB). */
  deltaCacheBytes?: number
  /**
   * Garbage collection's grace period: unreachable objects written or freshened less than this
   * long ago are kept (git's `gc.pruneExpire`; default two weeks, as git's; 0 is git's
   * `--prune=now`). It covers writers in other processes, whose objects no ref names yet.
   */
  pruneExpireMs?: number
}

/** git's default `gc.pruneExpire`: `2.weeks.ago`. */
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000

/** Temporary and orphaned pack files untouched this long are a crashed writer's, removed on opening. */
const LEFTOVER_AGE_MS = 10 * 60 * 1000

export class GitBackend implements Backend {
  private closed = false
  private readonly listeners = new RefListeners()
  /** Pack rewrites (roll-ups, deletions), one at a time. */
  private maintenance: Promise<unknown> = Promise.resolve()
  /** Cleared when a roll-up fails (a damaged pack): writes stop paying for roll-ups that cannot succeed. */
  private rollUps = true
  private rollUpPending = false
  /** Collections under way (between `retained` and its release): roll-ups wait for them. */
  private collections = 0

  /** @internal Use `openGitBackend`. */
  constructor(
    /** The git directory (a bare repository, or a work tree's `.git`). */
    readonly gitDir: string,
    private readonly packs: PackSet,
    private readonly loose: LooseObjects,
    private readonly refs: Refs,
    private readonly reader: PackReader,
    private readonly settings: { maxObjectSize: number; compressionLevel: number; maxPacks: number; pruneExpireMs: number },
    private readonly shallow: ShallowFile,
    private readonly repository: Repository,
  ) {}

  /** Deletions recorded and not applied yet (see pending-deletions.ts). */
  private readonly pending = new PendingDeletions()

  private open(): void {
    if (this.closed) throw new ClosedError('git backend')
  }

  async getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    return this.getObjectsSync(ids)
  }

  /** Reads are synchronous anyway: long walks (history, LCA) skip a promise per object. */
  getObjectsSync(ids: readonly string[]): Array<Uint8Array | undefined> {
    this.open()
    checkIds(ids)
    const out = new Array<Uint8Array | undefined>(ids.length)
    let missing: number[] = []
    ids.forEach((id, i) => {
      if ((out[i] = this.readPacked(id)) === undefined) missing.push(i)
    })
    if (missing.length === 0) return this.pending.hide(ids, out)
    const dirs = this.loose.fanoutDirs()
    missing = missing.filter(i => (out[i] = dirs.has(ids[i].slice(0, 2)) ? this.loose.read(ids[i]) : undefined) === undefined)
    // Looked for in packs, then loose: an object that `git gc` moved into a new pack meanwhile
    // is in a pack this process has not seen yet.
    if (missing.length > 0 && this.packs.rescan()) for (const i of missing) out[i] = this.readPacked(ids[i])
    return this.pending.hide(ids, out)
  }

  /** The object from a pack; when that copy is damaged, from another pack or a loose file if one has it. */
  private readPacked(id: string): Uint8Array | undefined {
    const found = this.packs.locate(id)
    if (!found) return undefined
    try {
      return this.reader.read(found.pack, found.position, id)
    } catch (error) {
      if (!(error instanceof CorruptObjectError)) throw error
      for (const other of this.packs.locateAll(id)) {
        if (other.pack === found.pack) continue
        try {
          return this.reader.read(other.pack, other.position, id)
        } catch {
          // damaged too: keep looking
        }
      }
      const loose = this.loose.read(id)
      if (loose) return loose
      throw error
    }
  }

  async hasObjects(ids: readonly string[]): Promise<boolean[]> {
    this.open()
    checkIds(ids)
    const out = ids.map(id => this.packs.has(id))
    let missing = ids.filter((_, i) => !out[i])
    const loose = this.loose.presentAmong(missing)
    missing = missing.filter(id => !loose.has(id))
    if (missing.length > 0 && this.packs.rescan()) missing = missing.filter(id => !this.packs.has(id))
    const absent = new Set(missing)
    return this.pending.hide(ids, ids.map(id => !absent.has(id) || undefined)).map(present => present === true)
  }

  async putObjects(objects: readonly ObjectEntry[]): Promise<void> {
    this.open()
    checkObjects(objects, this.settings.maxObjectSize)
    const frames = objects.map(([id, bytes]) => {
      const frame = parseFrame(bytes)
      if (!frame) throw new InvalidArgumentError(`object ${id}: not a framed git object ("<type> <size>\\0" and the body)`)
      return frame
    })
    // Ids this process knows to be stored are skipped; one stored since by another process is
    // written again, which is harmless (git allows an object in several packs). A doomed id is
    // never skipped: the pack holding it may be rewritten without it (see the top of the file).
    const seen = new Set<string>()
    let fresh: number[] = []
    const rescued = new Set<number>()
    objects.forEach(([id], i) => {
      if (seen.has(id)) return
      seen.add(id)
      if (this.pending.any && this.pending.rescue(id)) rescued.add(i)
      if (rescued.has(i) || !this.packs.has(id)) fresh.push(i)
    })
    const loose = this.loose.presentAmong(fresh.filter(i => !rescued.has(i)).map(i => objects[i][0]))
    if (loose.size > 0) fresh = fresh.filter(i => !loose.has(objects[i][0]))
    if (fresh.length === 0) return

    // Stored objects take their size plus ~32 bytes of entry and zlib headers.
    const expectedBytes = fresh.reduce((sum, i) => sum + objects[i][1].length + 32, 32)
    const writer = await PackWriter.create(this.packs.packDir, fresh.length, this.settings.compressionLevel, expectedBytes)
    try {
      for (const i of fresh) {
        writer.addObject(objects[i][0], frames[i].type, objects[i][1], frames[i].bodyStart)
        if (writer.needsFlush) await writer.flush()
      }
      this.packs.add(await writer.finish())
    } catch (error) {
      await writer.abort()
      throw error
    }
    this.maybeRollUp()
  }

  /**
   * Rolls the smallest packs into one, in the background: the batch that crossed the limit is
   * durable already, and its writer should not wait for maintenance (meanwhile its pack, like
   * every other, is read as it is). `close` and `deleteObjects` wait for it. A failure must not
   * fail any write.
   */
  private maybeRollUp(): void {
    if (this.rollUps && this.collections === 0 && !this.closed && this.packs.all.length > this.settings.maxPacks && !this.rollUpPending) this.rollUp()
  }

  private rollUp(): void {
    this.rollUpPending = true
    void this.exclusive(async () => {
      this.rollUpPending = false
      const chosen = packsToRollUp(this.packs.all, this.settings.maxPacks)
      if (chosen.length < 2) return
      try {
        await this.packs.replace(chosen, await rewritePacks(chosen, () => false, this.packs.packDir, this.reader, this.settings.compressionLevel))
      } catch {
        this.rollUps = false
      }
    })
  }

  /** Resolves once no pack maintenance (a background roll-up) is running or queued. */
  async settled(): Promise<void> {
    while (this.rollUpPending) await this.maintenance
    await this.maintenance
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.maintenance.then(task, task)
    this.maintenance = run.catch(() => {})
    return run
  }

  async deleteObjects(ids: readonly string[]): Promise<void> {
    const deletions = this.beginDeletions()
    try {
      await deletions.delete(ids)
    } finally {
      await deletions.finish()
    }
  }

  /**
   * A collection's deletions: loose objects are deleted at once, packed ones recorded (an exact
   * id table: ~40 bytes an id, for millions of them) and dropped at `finish`, each pack holding
   * any rewritten once. Doomed ids that a put rescued meanwhile stay.
   */
  beginDeletions(): Deletions {
    this.open()
    const doomed = this.pending.begin()
    let derivedRemoved = false
    return {
      delete: async ids => {
        this.open()
        checkIds(ids)
        if (ids.length === 0) return
        // Recorded at once, before any await: a put called after this call rescues what it stores.
        doomed.add(ids)
        if (!derivedRemoved) {
          await removeDerivedIndexes(join(this.repository.commonDir, 'objects'))
          derivedRemoved = true
        }
        this.loose.delete(ids.filter(id => doomed.has(id)))
      },
      finish: async () => {
        try {
          if (doomed.size > 0 && !this.closed) await this.exclusive(() => this.dropDoomed(doomed))
        } finally {
          this.pending.end(doomed)
        }
      },
    }
  }

  /** Rewrites each pack holding a doomed id once, without the ids still doomed. */
  private async dropDoomed(doomed: Doomed): Promise<void> {
    this.packs.rescan()
    const affected = this.packs.all.filter(pack => {
      if (pack.keep) return false
      for (let position = 0; position < pack.index.count; position++) if (doomed.has(pack.index.idAt(position))) return true
      return false
    })
    for (const pack of affected) {
      // Puts during earlier rewrites may have rescued all this pack's doomed ids: see `replace`.
      await this.packs.replace([pack], await rewritePacks([pack], id => doomed.has(id), this.packs.packDir, this.reader, this.settings.compressionLevel))
    }
  }

  /** What GC keeps besides refs: reflogs, indexes, detached HEADs, and young objects (see retained.ts). */
  async retained(pruneExpire?: Date): Promise<Retained> {
    this.open()
    const cutoffMs = pruneExpire?.getTime() ?? Date.now() - this.settings.pruneExpireMs
    this.packs.rescan()
    // No roll-ups while a collection runs: a roll-up gives old objects the mtime of the youngest
    // pack it absorbs, so a garbage commit could turn young (kept) mid-collection while the
    // objects it names, in packs left alone, are deleted, leaving it present but incomplete.
    this.collections++
    let released = false
    const release = () => {
      if (released) return
      released = true
      this.collections--
      this.maybeRollUp()
    }
    return { roots: retainedRoots(this.repository), young: youngObjects(this.packs, this.loose, cutoffMs), release }
  }

  async *objectIds(): AsyncIterable<string> {
    this.open()
    this.packs.rescan()
    const packs = [...this.packs.all]
    const inPacks = (id: string, before = packs.length) => {
      const key = idKey(id)
      for (let i = 0; i < before; i++) if (packs[i].index.find(key) >= 0) return true
      return false
    }
    // In pack order: a caller reading what it lists (fsck, GC) then reads each pack front to
    // back, delta bases before their deltas, through the pack's read-ahead and base cache.
    for (const [i, pack] of packs.entries()) {
      for (const position of pack.positionsInPackOrder()) {
        const id = pack.index.idAt(position)
        if (!inPacks(id, i)) yield id
      }
    }
    for (const id of this.loose.ids()) if (!inPacks(id)) yield id
  }

  async getRef(name: string): Promise<string | undefined> {
    this.open()
    checkRefName(name)
    return this.refs.get(name)
  }

  async listRefs(prefix = ''): Promise<Array<[string, string]>> {
    this.open()
    checkPrefix(prefix)
    return this.refs.list(prefix)
  }

  async casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    this.open()
    checkCas(name, expected, next)
    const moved = await this.refs.cas(name, expected, next)
    if (moved) this.listeners.emit(name, next)
    return moved
  }

  /** The history boundary lives in git's own `shallow` file, so git agrees where history ends. */
  async getShallow(): Promise<string[]> {
    this.open()
    return this.shallow.read()
  }

  async setShallow(ids: readonly string[]): Promise<void> {
    this.open()
    checkIds(ids)
    await this.shallow.write([...new Set(ids)].sort())
  }

  /** Reports moves made through this backend object (not those of git or other processes). */
  watchRefs(listener: RefListener): () => void {
    return this.listeners.add(listener)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.settled()
    this.packs.close()
  }
}

export async function openGitBackend(dir: string, options: GitBackendOptions = {}): Promise<GitBackend> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('openGitBackend needs a directory')
  const compressionLevel = checkSetting('compressionLevel', options.compressionLevel, 1, 0, 9)
  const maxPacks = checkSetting('maxPacks', options.maxPacks, 32, 1, 100_000)
  const lockTimeoutMs = checkSetting('lockTimeoutMs', options.lockTimeoutMs, 10_000, 0, 2 ** 31)
  const staleLockMs = checkSetting('staleLockMs', options.staleLockMs, 5_000, 1, 2 ** 31)
  const deltaCacheBytes = checkSetting('deltaCacheBytes', options.deltaCacheBytes, 32 * 1024 * 1024, 0, 2 ** 40)
  const pruneExpireMs = checkSetting('pruneExpireMs', options.pruneExpireMs, TWO_WEEKS_MS, 0, Number.MAX_SAFE_INTEGER)
  let repository = findRepository(dir)
  if (!repository) {
    if (!options.create) throw new NotARepositoryError(dir, 'no git repository here (HEAD, objects/, refs/); pass create: true to make one')
    repository = await createRepository(dir, options.bare ?? true)
  }
  checkFormat(repository)
  const objectsDir = join(repository.commonDir, 'objects')
  const packs = new PackSet(join(objectsDir, 'pack'))
  await packs.removeLeftovers(LEFTOVER_AGE_MS)
  packs.rescan()
  const lockOptions = { timeoutMs: lockTimeoutMs, staleMs: staleLockMs }
  const refs = new Refs(repository.commonDir, lockOptions)
  await refs.removeAbandonedLocks()
  const reader = new PackReader(new BaseCache(deltaCacheBytes))
  return new GitBackend(repository.gitDir, packs, new LooseObjects(objectsDir), refs, reader, {
    maxObjectSize: options.maxObjectSize ?? DEFAULT_MAX_OBJECT_SIZE,
    compressionLevel,
    maxPacks,
    pruneExpireMs,
  }, new ShallowFile(join(repository.commonDir, 'shallow'), lockOptions), repository)
}

function checkSetting(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`)
  return value
}

/**
 * Garbage collection: mark from every ref (and pinned ids), sweep the rest.
 *
 * History window. With `keepCommits: N` and/or `keepSince: date`, each ref keeps only the newest
 * N commits of its history, and/or those committed since the date (both given: both limits
 * apply; a ref's head is always kept). Older commits, and whatever only they reach, go. The
 * oldest kept commits keep their parent ids; walks treat the absent parents as the end of
 * history, and the boundary is recorded (`core/shallow.ts`) so that fsck does not call it damage.
 * Object ids never change.
 *
 * Safe while writers run. The argument, for writers using the same backend object:
 * 1. An object written after the collection began is in the coordinator's journal and is never
 *    deleted by this collection.
 * 2. An object written during the collection references only objects its writer pinned
 *    (`core/write-hold.ts`: every commit a write builds from, pinned before it is read, and the
 *    stored objects a tree from elsewhere names), or objects written during the collection
 *    (kept by 1). Objects a write under way had written before the collection began are kept
 *    by 1 too, but their writer's pins may be gone (a fetch releases its haves once its pack is
 *    stored, before its refs move): looks mark from them like from any ref target.
 * 3. Before every batch of deletions, the collection marks again from the refs as they are
 *    then, from every pinned id, and from every id pinned at any time since it began (a pin can
 *    be released before a look sees it, while a commit written from the pinned one still names
 *    its objects); no await separates that last look from the start of the deletion.
 * 4. Pins of commits not read from a ref (branch creation, fast-forwards, reverts) are taken
 *    after `fence`, while no sweep runs; a commit present then has all it reaches present (a
 *    completed sweep deleted all garbage), and the next sweep's last look marks from the pin.
 * 5. Puts and deletions never overlap (`GcCoordinator.putting`/`deleting`): a batch of deletions,
 *    its last look included, runs while no put is under way, and a put noted after that look
 *    reaches the backend after the deletion. A writer that re-creates a garbage object (a key set
 *    back to an old value brings an old tree back) so either spares it or stores it again; no
 *    backend has to order a put against a delete of the same id on its own. A backend that
 *    defers deletions (`beginDeletions`: git rewrites packs once, at the end) stores a put of a
 *    pending id all the same.
 * So nothing reachable from a ref when the collection ends, and nothing written while it ran, is
 * deleted. Writers in other processes (git itself, another process on a shared repository) are
 * covered only by the backend's grace period (`Backend.retained`: git's `gc.pruneExpire`).
 *
 * Roots besides refs: pinned ids, and what the backend retains (git: reflog entries, a work
 * tree's index, a detached HEAD). Annotated tags are followed to what they tag (tag → tag →
 * commit, tree or blob); a tagged commit keeps its history as a ref's does, windows included.
 *
 * Memory: the mark set is an `IdTable` (raw 20-byte ids, ~30 bytes per object); trees are read
 * for their children without entering the object cache; blobs are never read. Deletions stream
 * from the backend's id listing, a batch at a time.
 */
import type { Backend, Retained } from './backend.js'
import { COMMIT, type Commit } from './commit.js'
import { DIR, type Dir } from './dir.js'
import { InvalidArgumentError, MissingObjectError } from './errors.js'
import { coordinatorOf, type GcCoordinator, type GcJournal } from './gc-coordinator.js'
import { sweep, type SweepReport, withoutSizes } from './gc-sweep.js'
import { walkHistory } from './history.js'
import { IdTable } from './id-table.js'
import { localObjects, type ObjectStore } from './object-store.js'
import { unframeObject } from './objects/frame.js'
import { parseTag } from './objects/git-tag.js'
import { toHex } from './hex.js'
import { readShallow, writeShallow } from './shallow.js'

export interface GcOptions {
  /** Per ref, keep the newest N commits of its history. */
  keepCommits?: number
  /** Per ref, keep the commits made since this date (the head always stays). */
  keepSince?: Date
  /** Objects to keep with everything they reach (commits: within the window, like a ref). */
  pin?: readonly string[]
  /**
   * The grace period, for backends that have one (git): objects written or freshened after this
   * date are kept, reachable or not (git's `gc.pruneExpire`; default: the backend's own, two
   * weeks on git). `new Date()` keeps none for being young, as `git gc --prune=now`.
   */
  pruneExpire?: Date
  onProgress?(progress: GcProgress): void
}

export interface GcProgress {
  phase: 'mark' | 'sweep'
  /** Objects marked (mark) or ids scanned (sweep) so far. */
  done: number
}

export interface GcReport extends SweepReport {
  durationMs: number
  /** Commits whose parents are now gone: where history ends. */
  boundary: string[]
}

/** A tree to mark, and the tree it may be compared against (see `markTrees`). */
interface TreeJob {
  id: string
  ref?: string
}

export async function collectGarbage(objects: ObjectStore, options: GcOptions = {}): Promise<GcReport> {
  const expire = options.pruneExpire
  if (expire !== undefined && !(expire instanceof Date && !Number.isNaN(expire.getTime()))) throw new InvalidArgumentError('pruneExpire must be a valid Date')
  const coordinator = coordinatorOf(objects.backend)
  return coordinator.exclusive(journal => new Collection(objects, coordinator, journal, options).run())
}

class Collection {
  // Ids as 8-byte prefixes: a false "marked" would only keep an object (see IdTable).
  private readonly marked = new IdTable(1 << 16, { keyBytes: 8 })
  private readonly keptCommits: Commit[] = []
  /** Ref values and roots already marked from, so catching up only marks what is new. */
  private readonly markedFrom = new Set<string>()
  private readonly backend: Backend
  private readonly started = Date.now()

  /** Where marking reads: on a lazy store its local part, so that marking never fetches. */
  private readonly objects: ObjectStore

  constructor(
    /** Where the collection writes (the boundary record): the repo's own store. */
    private readonly store: ObjectStore,
    private readonly coordinator: GcCoordinator,
    private readonly journal: GcJournal,
    private readonly options: GcOptions,
  ) {
    this.backend = store.backend
    this.objects = localObjects(store)
  }

  /** The boundary recorded before this collection: its commits' parents are not history. */
  private recorded = new Set<string>()

  /** What the backend keeps besides what refs reach (reflogs, index, young objects). */
  private retained: Retained | undefined

  async run(): Promise<GcReport> {
    try {
      return await this.collect()
    } finally {
      this.retained?.release?.()
    }
  }

  private async collect(): Promise<GcReport> {
    const previous = await readShallow(this.objects)
    this.recorded = new Set(previous)
    this.retained = await this.backend.retained?.(this.options.pruneExpire)
    for (const id of [...(this.options.pin ?? []), ...(this.retained?.roots ?? [])]) if (!this.markedFrom.has(id)) await this.markFrom(id)
    await this.catchUp()
    const keptYoung = await this.markFromYoung()
    // Record the new end of history before anything is deleted: a crash after this point
    // leaves a store whose boundary fsck already knows.
    const boundary = this.boundary()
    // Earlier boundary commits stay recorded while they exist: an interrupted sweep can leave
    // old history in place, and its end must still read as an end, not as damage.
    const present = previous.length > 0 ? await this.backend.hasObjects(previous) : []
    const still = previous.filter((_, i) => present[i])
    await writeShallow(this.store, [...still, ...boundary])
    this.dirs.clear() // marking is over (catching up reads few): give the memory to the sweep
    const report = await this.coordinator.sweeping(() =>
      sweep({
        backend: this.backend,
        coordinator: this.coordinator,
        alive: id => this.marked.has(id) || this.journal.written.has(id),
        catchUp: () => this.catchUp(),
        // Objects written by other processes after the youth pass listed the store.
        young: this.retained && ((ids: readonly string[]) => this.retained!.young(ids)),
        onProgress: done => this.options.onProgress?.({ phase: 'sweep', done }),
      }),
    )
    // Commits first kept by a later look (a branch created at an old commit during the sweep) end
    // history too. They are recorded now: before, a put (the record, on most backends) would wait
    // for the deletion it happens in. Until then fsck would call their ends missing parents; no
    // object is lost either way.
    const recorded = new Set([...still, ...boundary])
    const late = this.boundary().filter(id => !recorded.has(id))
    if (late.length > 0) await writeShallow(this.store, [...recorded, ...late])
    return { ...report, keptYoung: report.keptYoung + keptYoung, boundary: [...recorded, ...late].sort(), durationMs: Date.now() - this.started }
  }

  /**
   * The grace period keeps closures, not objects (git's `mark_recent_objects`): every young
   * object no root reaches is marked from, as a pin is (commits with the window), so whatever it
   * names stays too. Keeping young objects one by one would keep a young commit whose older tree
   * goes, and a later branch created at that commit (it reads as present) would name a hole.
   * One pass over the id listing, before any deletion; returns how many objects youth kept.
   * Objects that appear after this pass (another process writing meanwhile) are young when the
   * sweep meets them, and it keeps them one by one (`Sweep.young`): their closure is whatever
   * their writer kept, as for git.
   */
  private async markFromYoung(): Promise<number> {
    const retained = this.retained
    if (!retained) return 0
    const before = this.marked.size
    const listing = this.backend.objectSizes ? this.backend.objectSizes() : withoutSizes(this.backend.objectIds())
    for await (const entries of listing) {
      const unmarked = entries.map(([id]) => id).filter(id => !this.marked.has(id) && !this.journal.written.has(id))
      if (unmarked.length === 0) continue
      const young = retained.young(unmarked)
      for (const [i, id] of unmarked.entries()) if (young[i] && !this.marked.has(id) && !this.markedFrom.has(id)) await this.markFrom(id)
    }
    return this.marked.size - before
  }

  /**
   * Marks from refs, pins and roots until a pass finds nothing new. Commits written during the
   * collection are skipped: they are kept anyway (rule 1) and reach only what is kept (rule 2);
   * marking from them would never end while writers keep committing. Those a write under way
   * had written before the collection began are not skipped (`GcJournal.inherited`): rule 2 does
   * not hold for them, since their writer's pins may be gone before the collection began.
   */
  private async catchUp(): Promise<void> {
    const { written, inherited } = this.journal
    const isNew = (id: string) => !this.markedFrom.has(id) && (!written.has(id) || inherited.has(id))
    for (;;) {
      const fresh: string[] = []
      for (const [, id] of await this.backend.listRefs()) if (isNew(id)) fresh.push(id)
      // Every pin taken since the collection began (live or released) is among the roots.
      for (const id of this.journal.roots) if (isNew(id)) fresh.push(id)
      if (fresh.length === 0) return
      for (const id of fresh) await this.markFrom(id)
    }
  }

  /**
   * Marks a ref's target (or a pinned id) and what it reaches, by its type; an annotated
   * tag, and what it tags, as far as the chain of tags goes.
   */
  private async markFrom(id: string): Promise<void> {
    this.markedFrom.add(id)
    const framed = (await this.objects.backend.getObjects([id]))[0]
    if (framed === undefined) return // dangling already (or, on a lazy store, promised): fsck reports it; nothing to keep below
    const { type, body } = unframeObject(id, framed)
    if (type === 'commit') await this.markHistory(id)
    else if (type === 'tree') await this.markTrees([{ id }])
    else this.mark(id)
    if (type !== 'tag') return
    const target = parseTag(id, body).object
    if (!this.markedFrom.has(target)) await this.markFrom(target)
  }

  private mark(id: string): boolean {
    const fresh = this.marked.set(id, 1)
    if (fresh && this.marked.size % 10_000 === 0) this.options.onProgress?.({ phase: 'mark', done: this.marked.size })
    return fresh
  }

  /** The commits of `head`'s history inside the window, each with its tree. */
  private async markHistory(head: string): Promise<void> {
    const { keepCommits, keepSince } = this.options
    if (keepCommits === undefined && keepSince === undefined) return this.markAllHistory(head)
    const since = keepSince === undefined ? -Infinity : Math.floor(keepSince.getTime() / 1000)
    const trees: TreeJob[] = []
    const refOf = new Map<string, string>()
    let count = 0
    for await (const commit of walkHistory(this.objects, [head], { limit: keepCommits })) {
      if (count > 0 && commit.timestamp < since) break
      count++
      if (!this.mark(commit.id)) continue
      this.keep(commit, trees, refOf)
    }
    await this.markTrees(trees)
  }

  /** No window: the whole history, stopping wherever it meets commits marked already. */
  private async markAllHistory(head: string): Promise<void> {
    const queue = this.mark(head) ? [head] : []
    const trees: TreeJob[] = []
    const refOf = new Map<string, string>()
    while (queue.length > 0) {
      const batch = queue.splice(0, 256)
      const commits = await Promise.all(batch.map(id => this.objects.loadUncached(id, COMMIT).catch(missingIsUndefined)))
      for (const commit of commits) {
        if (commit === undefined) continue
        this.keep(commit, trees, refOf)
        if (this.recorded.has(commit.id)) continue // history ends here (git's shallow commits)
        for (const parent of commit.parents) if (this.mark(parent)) queue.push(parent)
      }
    }
    await this.markTrees(trees)
  }

  /** A kept commit: its tree is to be marked, against the tree of the child that led to it. */
  private keep(commit: Commit, trees: TreeJob[], refOf: Map<string, string>): void {
    this.keptCommits.push(commit)
    trees.push({ id: commit.tree, ref: refOf.get(commit.id) })
    for (const parent of commit.parents) if (!refOf.has(parent)) refOf.set(parent, commit.tree)
  }

  /**
   * Trees and everything below them; trees are read (not cached), blobs only named.
   *
   * A tree with a reference (the same directory one commit later, marked or queued already) is
   * compared with it and only the entries that differ are looked at: consecutive versions share
   * almost everything, and checking every entry of every version against the mark set would be
   * tens of millions of random lookups on a large history. Entries the two share are marked
   * through the reference, whose own entries are all marked or queued: references point from
   * older commits to newer ones and end at fully scanned trees, so nothing is skipped for good.
   */
  private async markTrees(jobs: readonly TreeJob[]): Promise<void> {
    const queue = jobs.filter(job => this.mark(job.id))
    const read = (batch: TreeJob[]) =>
      Promise.all([Promise.all(batch.map(job => this.readDir(job.id))), Promise.all(batch.map(job => (job.ref === undefined ? undefined : this.readDir(job.ref))))])
    // One batch read ahead: the backend reads the next trees while these are being compared.
    let batch = queue.splice(0, 128)
    let reading = read(batch)
    while (batch.length > 0) {
      const [dirs, refs] = await reading
      const current = batch
      batch = queue.splice(0, 128)
      if (batch.length > 0) reading = read(batch)
      current.forEach((_, i) => {
        const dir = dirs[i]
        const ref = refs[i]
        if (dir === undefined) return
        if (ref === undefined) {
          dir.forEachChildRaw((bytes, offset, isTree, isGitlink) => {
            if (isGitlink || !this.marked.addRaw(bytes, offset)) return
            if (isTree) queue.push({ id: toHex(bytes, offset, offset + 20) })
          })
          return
        }
        const body = dir.flatBody
        dir.forEachDifference(ref, (i, j) => {
          if (i < 0 || dir.isGitlinkAt(i) || !this.marked.addRaw(body, dir.idOffsetAt(i))) return
          if (!dir.isTreeAt(i)) return
          const offset = dir.idOffsetAt(i)
          const before = j >= 0 && ref.isTreeAt(j) ? toHex(ref.flatBody, ref.idOffsetAt(j), ref.idOffsetAt(j) + 20) : undefined
          queue.push({ id: toHex(body, offset, offset + 20), ref: before })
        })
      })
      this.options.onProgress?.({ phase: 'mark', done: this.marked.size })
      // Processing may have queued trees after the read ahead found the queue empty.
      if (batch.length === 0 && queue.length > 0) {
        batch = queue.splice(0, 128)
        reading = read(batch)
      }
    }
  }

  /** Recently read directories, so that a tree and its reference are read once each. */
  private readonly dirs = new Map<string, Dir>()

  private async readDir(id: string): Promise<Dir | undefined> {
    const known = this.dirs.get(id)
    if (known) return known
    const dir = await this.objects.loadUncached(id, DIR).catch(missingIsUndefined)
    if (dir === undefined) return undefined
    this.dirs.set(id, dir)
    if (this.dirs.size > 1024) this.dirs.delete(this.dirs.keys().next().value!)
    return dir
  }

  /** Kept commits with a parent that is not kept. */
  private boundary(): string[] {
    return this.keptCommits.filter(c => c.parents.some(p => !this.marked.has(p))).map(c => c.id)
  }
}

function missingIsUndefined(error: unknown): undefined {
  if (error instanceof MissingObjectError) return undefined
  throw error
}


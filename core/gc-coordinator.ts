/**
 * What lets garbage collection run while writers keep writing (see `core/gc.ts` for the argument).
 *
 * One coordinator per backend object, shared by every repo opened on it. While a collection is
 * running it keeps a journal:
 * - `written`: every object written through this backend object since the collection began,
 *   and every object written by a write still under way when it began (such a write's objects
 *   are not named by any ref until it moves its branch). These are never deleted by it.
 * Writers also `pin` what they build from for as long as they work from it (pins of commits not
 * read from a ref are taken after a `fence`, while no sweep runs), so that the collection's last
 * look at refs and pins before each batch of deletions sees every object a writer could still use.
 */
import type { Backend } from './backend.js'
import { IdTable } from './id-table.js'
import { SharedExclusiveLock } from './shared-exclusive-lock.js'

export interface WriteTracking {
  readonly ids: string[]
  release(): void
}

export interface GcJournal {
  readonly written: IdTable
  /**
   * The part of `written` that writes under way when the collection began had written by then.
   * Unlike objects written during it, these may name objects their writer pinned and released
   * before it began (a fetch's haves, once its pack is stored and while its refs are still to
   * move): no look sees those pins, so looks mark from these ids when a ref or root names them.
   * A finite set, fixed at the start: marking from it ends.
   */
  readonly inherited: IdTable
  /**
   * Every id pinned while the collection runs, released or not: a pin can be released before
   * the next look (a branch created at an old commit, then a write on it that moved the branch
   * to a new commit, skipped by the look as written during it), yet what the new commit shares
   * with the pinned one must be kept.
   */
  readonly roots: Set<string>
}

export class GcCoordinator {
  private journal: GcJournal | undefined
  private readonly pins = new Map<string, number>()
  /** Caches of objects read through this backend, told what a collection deleted. */
  private readonly caches = new Set<WeakRef<{ forget(ids: readonly string[]): void }>>()
  private sweep: Promise<unknown> | undefined
  private running: Promise<unknown> = Promise.resolve()

  /** Puts hold it shared, a batch of deletions (its last look included) exclusively: see `putting`. */
  private readonly objectLock = new SharedExclusiveLock()

  /**
   * Sends objects to the backend, never while a batch of deletions is decided and made. Their ids
   * are noted `written` before this is called, so a deletion decided before the put waits for it
   * (and then spares its objects), and a put arriving meanwhile lands after the deletion: no
   * backend sees a put and a delete of one id in flight together.
   */
  putting<T>(put: () => Promise<T>): Promise<T> {
    return this.objectLock.withShared(put)
  }

  /** Runs a batch of deletions, with its last look at what is alive, while no put is under way. */
  deleting<T>(task: () => Promise<T>): Promise<T> {
    return this.objectLock.withExclusive(task)
  }

  /** Writes in progress: what they wrote is not referenced by a ref yet, but soon will be. */
  private readonly writes = new Set<string[]>()

  /**
   * Starts tracking a write: the returned list collects its object ids (see `written`) until
   * `release` is called, after the write's ref moved (or failed to). A collection that starts
   * meanwhile treats those objects as written during it.
   */
  beginWrite(): WriteTracking {
    const ids: string[] = []
    this.writes.add(ids)
    return { ids, release: () => void this.writes.delete(ids) }
  }

  /** Notes an object written (by a write tracked with `beginWrite`, or any other). */
  written(id: string, write?: string[]): void {
    write?.push(id)
    this.journal?.written.set(id, 1)
  }

  /** Registers a cache to be told of deletions (held weakly). */
  watchDeletions(cache: { forget(ids: readonly string[]): void }): void {
    this.caches.add(new WeakRef(cache))
  }

  /** After a batch of deletions: no cache may keep answering for deleted objects. */
  deleted(ids: readonly string[]): void {
    for (const ref of this.caches) {
      const cache = ref.deref()
      if (cache) cache.forget(ids)
      else this.caches.delete(ref)
    }
  }

  /** Keeps `id` (and what it reaches) alive until the returned function is called. */
  pin(id: string): () => void {
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1)
    this.journal?.roots.add(id)
    let released = false
    return () => {
      if (released) return
      released = true
      const n = this.pins.get(id)! - 1
      if (n === 0) this.pins.delete(id)
      else this.pins.set(id, n)
    }
  }

  /**
   * Sweeps completed on this backend. A tree read when this was `g` names only objects present
   * then; while it is still `g` (and no sweep runs), none of them has been deleted since.
   */
  get generation(): number {
    return this.sweeps
  }

  private sweeps = 0

  /** Resolves when no sweep is running. */
  async fence(): Promise<void> {
    while (this.sweep) await this.sweep.catch(() => {})
  }

  /** Runs `collect` as the only collection on this backend (later calls wait their turn). */
  exclusive<T>(collect: (journal: GcJournal) => Promise<T>): Promise<T> {
    const run = this.running.then(async () => {
      this.journal = { written: new IdTable(512, { keyBytes: 8 }), inherited: new IdTable(512, { keyBytes: 8 }), roots: new Set(this.pins.keys()) }
      // Writes already under way wrote objects no ref names yet: they are kept as written during
      // it. What they build from may be pinned now (a root, though released before the first
      // look) or released already: rule 2 (core/gc.ts) does not vouch for them, so they are
      // inherited, and looks mark from them.
      for (const ids of this.writes) {
        for (const id of ids) {
          this.journal.written.set(id, 1)
          this.journal.inherited.set(id, 1)
        }
      }
      try {
        return await collect(this.journal)
      } finally {
        this.journal = undefined
      }
    })
    this.running = run.catch(() => {})
    return run
  }

  /** Runs a sweep; `fence` holds moves to existing commits until it is over. */
  async sweeping<T>(sweep: () => Promise<T>): Promise<T> {
    const running = sweep()
    this.sweep = running
    try {
      return await running
    } finally {
      this.sweep = undefined
      this.sweeps++
    }
  }
}

const coordinators = new WeakMap<Backend, GcCoordinator>()

export function coordinatorOf(backend: Backend): GcCoordinator {
  let coordinator = coordinators.get(backend)
  if (!coordinator) coordinators.set(backend, (coordinator = new GcCoordinator()))
  return coordinator
}

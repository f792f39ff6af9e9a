/**
 * The contract every storage backend keeps (see DESIGN.md). Objects are framed git objects
 * (`"<type> <len>\0" + body`) under their SHA-1 hex id: content-addressed, immutable, appended
 * and never changed (only GC deletes). Refs (`refs/heads/<branch>`) are the only mutable state
 * and move only by compare-and-swap. Batches are the unit of I/O.
 *
 * Invariants, checked by `backends/conformance`:
 * 1. `casRef` is atomic: of concurrent calls with the same `expected`, exactly one wins.
 * 2. `putObjects` is durable when it resolves, so a ref set afterwards never names a missing
 *    object; a reader never sees half an object.
 * 3. No round trip per object on a hot path.
 */
export type ObjectEntry = readonly [id: string, bytes: Uint8Array]

export interface Backend {
  getObjects(ids: readonly string[]): Promise<Array<Uint8Array | undefined>>
  hasObjects(ids: readonly string[]): Promise<boolean[]>
  /** Durable when it resolves. Re-putting an existing object is a no-op. */
  putObjects(objects: readonly ObjectEntry[]): Promise<void>
  /**
   * Optional, both or neither, for bulk loads (a clone's hundred thousand objects): a batch that
   * is readable when `putObjectsDeferred` resolves but durable only once a later `syncObjects`
   * resolves, which makes every object put before it durable. A caller sets no ref to such
   * objects before that; a crash before it loses only objects no ref names (garbage, or a
   * transfer to redo). One sync at the end instead of one per batch.
   */
  putObjectsDeferred?(objects: readonly ObjectEntry[]): Promise<void>
  syncObjects?(): Promise<void>
  /** Garbage collection only. Deleting an absent id is a no-op. */
  deleteObjects(ids: readonly string[]): Promise<void>
  objectIds(): AsyncIterable<string>

  getRef(name: string): Promise<string | undefined>
  /** Refs whose full name starts with `prefix`, sorted by name. */
  listRefs(prefix?: string): Promise<Array<[name: string, id: string]>>
  /**
   * Sets `name` to `next` (or deletes it when `next` is undefined) if it currently is `expected`
   * (undefined: absent). Returns whether it did.
   */
  casRef(name: string, expected: string | undefined, next: string | undefined): Promise<boolean>

  /**
   * Optional: `putObjects(objects)` and `casRef(name, expected, next)` as one durable write, for a
   * backend whose every durable write costs a sync (LevelDB: one synced batch instead of two).
   * The objects are stored whether or not the ref moves; returns whether it moved.
   */
  putObjectsAndCasRef?(objects: readonly ObjectEntry[], name: string, expected: string | undefined, next: string | undefined): Promise<boolean>

  /**
   * Optional, with `syncObjects`: `putObjectsAndCasRef` without the sync, for a caller that keeps
   * the change durable by other means until then (the NFS export's journal). The objects and the
   * move are readable at once, durable after the next `syncObjects`, which also makes the ref's
   * value durable; until then a crash leaves the ref at its last durable value. Any synced move
   * of a ref made afterwards makes the earlier unsynced writes durable first (its commit may name
   * their objects).
   */
  putObjectsAndCasRefUnsynced?(objects: readonly ObjectEntry[], name: string, expected: string | undefined, next: string | undefined): Promise<boolean>

  /**
   * Optional, for backends that keep large objects in files (LevelDB's value log): a file that a
   * writer fills with one blob's body piece by piece (an NFS upload) and the backend then takes
   * as that object's stored record, so the bytes go to disk once and never through memory.
   */
  openSpool?(): Promise<ObjectSpool>

  /**
   * Optional: objects read synchronously, for backends that can do so cheaply (memory; LevelDB
   * through classic-level; git). Long walks (history, LCA) then skip a promise per object. Only
   * the core calls it, with ids it parsed or checked: a backend need not check them again.
   */
  getObjectsSync?(ids: readonly string[]): Array<Uint8Array | undefined>

  /**
   * Optional: the ref's current value, synchronously. Only for backends that always know it
   * in-process (memory; LevelDB, which one process owns); reads then skip a round trip.
   */
  peekRef?(name: string): string | undefined

  /**
   * Optional: the recorded history boundary (commits whose parents were dropped on purpose), for
   * backends with a native place for it (git's `shallow` file). Otherwise `core/shallow.ts`
   * keeps it as a blob named by `refs/irmin/shallow`.
   */
  getShallow?(): Promise<string[]>
  setShallow?(ids: readonly string[]): Promise<void>

  /**
   * Optional: every object id with its size in bytes, in batches, for garbage collection's sweep
   * (batches: a million ids one promise each would cost more than the sweep). Without it, GC
   * lists `objectIds` and reads the sizes of the objects it deletes.
   */
  objectSizes?(): AsyncIterable<ReadonlyArray<readonly [id: string, size: number]>>

  /**
   * Optional, for backends where deleting is cheapest all at once: garbage collection hands all
   * of one collection's deletions to one `Deletions`, which may defer them until `finish` (the git
   * backend rewrites each pack holding garbage once per collection, not once per batch). Once
   * `delete` resolves, reads answer as if the ids were gone (`getObjects` undefined, `hasObjects`
   * false) even if their bytes are still on disk; a put of a pending id stores it all the same
   * (it is no longer garbage) and makes it readable again.
   */
  beginDeletions?(): Deletions

  /**
   * Optional: what garbage collection keeps besides what refs reach, for users of the store other
   * than this process's writers (git: its reflogs, a work tree's index, young objects).
   * `pruneExpire` overrides the backend's own grace period.
   */
  retained?(pruneExpire?: Date): Promise<Retained>

  /**
   * Optional hint: these objects are about to be read (the children of a directory just listed).
   * A backend that fetches objects from elsewhere (a lazy clone's promisor remote) fetches the
   * ones it lacks now, in one request, instead of one request per read.
   */
  prefetch?(ids: readonly string[]): void

  /**
   * Present on a backend that fetches objects it lacks from a remote (a lazy clone): `local` is
   * what it holds itself. Garbage collection and fsck read through `local`, so they never fetch,
   * and an object missing there is promised by the remote, not damage.
   */
  readonly promisor?: { readonly local: Backend }

  /** Called after any ref of this backend moves, by any user of the same backend object. */
  watchRefs?(listener: RefListener): () => void

  close(): Promise<void>
}

export interface Deletions {
  /** Deletes `ids`, now or at `finish`. */
  delete(ids: readonly string[]): Promise<void>
  /** Applies what is deferred; called once, after the collection's last `delete`. */
  finish(): Promise<void>
}

export interface Retained {
  /** Ids to mark from as refs are: git's reflog entries, a work tree's index, a detached HEAD. */
  readonly roots: readonly string[]
  /**
   * Which of `ids` (unmarked objects) are too young to delete: written or freshened since the
   * grace period began (git's `gc.pruneExpire`), which covers writers in other processes. GC
   * keeps them and everything they reach (a young commit keeps its tree, as a pin does).
   */
  young(ids: readonly string[]): boolean[]
  /** The collection is over (called once, whatever happened): the backend may rewrite objects' homes again. */
  release?(): void
}

export type RefListener = (name: string, id: string | undefined) => void

/** A set of ref listeners; backends use it to implement `watchRefs`. */
export class RefListeners {
  private readonly listeners = new Set<RefListener>()

  add(listener: RefListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(name: string, id: string | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(name, id)
      } catch {
        // A failing listener must not break the write that triggered it.
      }
    }
  }
}

/** A file being filled with one blob's body (see `Backend.openSpool`). */
export interface ObjectSpool {
  /** The file's path and open descriptor (Node); the body goes at `bodyOffset` onwards. */
  readonly path: string
  readonly fd: number
  readonly bodyOffset: number
  /**
   * Makes the file's first `bodyLength` body bytes, framed by `header` (`"blob <len>\0"`), the
   * stored object `id` (the caller hashed them); durable when it resolves. The file must not be
   * written again afterwards: it is the stored record. Does nothing when `id` is stored already.
   */
  adopt(id: string, header: Uint8Array, bodyLength: number): Promise<void>
  /** Closes the file and removes its name (the stored record, once adopted, stays). */
  discard(): void
}


/**
 * The repo's view of a backend's objects: reads are hash-checked, parsed once and cached by id
 * (objects are immutable, so a cached parse is never stale); reads issued in the same turn of
 * the event loop go to the backend as one `getObjects` batch; writes go out as one batch.
 */
import type { Backend, ObjectEntry, ObjectSpool } from './backend.js'
import { GenerationalCache } from './cache.js'
import { coordinatorOf, type GcCoordinator, type WriteTracking } from './gc-coordinator.js'
import { CorruptObjectError, IrminError, MissingObjectError, WrongObjectTypeError } from './errors.js'
import type { Hasher } from './hash.js'
import { expectObject, type ObjectType } from './objects/frame.js'

/** Approximate bytes a cached value holds: blob bodies by length, parsed objects say themselves. */
function weightOf(value: unknown): number {
  return value instanceof Uint8Array ? value.length + 64 : (value as { weight: number }).weight
}

/** How to turn one type of object into a cached value (one with a `weight`, or blob bytes). */
export interface ObjectKind<T> {
  readonly type: ObjectType
  parse(id: string, body: Uint8Array): T
  /** Tells a cached value of this kind from one of another kind under the same id. */
  is(value: unknown): value is T
  /** Called when a value is cached, with a function to report memory it takes on later. */
  adopt?(value: T, charge: (bytes: number) => void): void
}

export const BLOB: ObjectKind<Uint8Array> = {
  type: 'blob',
  parse: (_id, body) => body,
  is: (value): value is Uint8Array => value instanceof Uint8Array,
}

interface PendingRead {
  resolve(bytes: Uint8Array | undefined): void
  reject(error: unknown): void
}

export interface ObjectStoreOptions {
  /** Bytes of parsed objects kept in memory (default 128 MiB). */
  cacheBytes?: number
}

export class ObjectStore {
  private readonly cache: GenerationalCache<unknown>
  private readonly inflight = new Map<string, Promise<unknown>>()
  private pending = new Map<string, PendingRead[]>()
  private flushScheduled = false

  constructor(
    readonly backend: Backend,
    readonly hasher: Hasher,
    options: ObjectStoreOptions = {},
  ) {
    this.cache = new GenerationalCache<unknown>(options.cacheBytes ?? 128 * 1024 * 1024, weightOf)
    this.gc = coordinatorOf(backend)
    this.gc.watchDeletions(this)
  }

  /** Drops deleted objects from the cache (a cached parse would otherwise outlive its object). */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.cache.delete(id)
  }

  hash(framed: Uint8Array): string {
    return this.hasher.sha1Hex(framed)
  }

  /** The cached parse of `id` as `kind`, if any — synchronous, for hot paths. */
  peek<T>(id: string, kind: ObjectKind<T>): T | undefined {
    const cached = this.cache.get(id)
    return cached !== undefined && kind.is(cached) ? cached : undefined
  }

  /** Puts a value the caller built itself (a tree it just wrote) into the cache. */
  remember<T extends object>(id: string, value: T, kind: ObjectKind<T>): void {
    kind.adopt?.(value, this.chargeBound)
    this.cache.put(id, value)
  }

  private readonly chargeBound = (bytes: number) => this.cache.charge(bytes)

  /**
   * `id` parsed as `kind` without waiting, when it is cached or the backend reads synchronously;
   * undefined otherwise (also when absent: the async `load` then says which).
   */
  loadSync<T extends object>(id: string, kind: ObjectKind<T>): T | undefined {
    const cached = this.peek(id, kind)
    if (cached !== undefined || this.backend.getObjectsSync === undefined) return cached
    const [framed] = this.backend.getObjectsSync([id])
    if (framed === undefined) return undefined
    const value = this.parse(id, framed, kind)
    this.remember(id, value, kind)
    return value
  }

  /**
   * `loadSync` that leaves a new parse out of the cache: long walks (LCA searches) visit
   * thousands of commits once, and caching them costs more than it saves.
   */
  loadSyncUncached<T>(id: string, kind: ObjectKind<T>): T | undefined {
    const cached = this.peek(id, kind)
    if (cached !== undefined || this.backend.getObjectsSync === undefined) return cached
    const [framed] = this.backend.getObjectsSync([id])
    return framed === undefined ? undefined : this.parse(id, framed, kind)
  }

  /** Accounts memory held of cached values (memoised lookups, kept blob bodies). */
  charge(bytes: number): void {
    this.cache.charge(bytes)
  }

  /** Reads, checks, parses and caches `id`; throws `MissingObjectError` if the backend lacks it. */
  load<T extends object>(id: string, kind: ObjectKind<T>, context?: string): Promise<T> {
    const cached = this.cache.get(id)
    if (cached !== undefined) {
      if (kind.is(cached)) return Promise.resolve(cached)
      const actual = cached instanceof Uint8Array ? 'blob' : ((cached as { objectType?: string }).objectType ?? 'object')
      return Promise.reject(new WrongObjectTypeError(id, kind.type, actual))
    }
    let promise = this.inflight.get(id) as Promise<T> | undefined
    if (promise) return promise
    promise = this.readRaw(id).then(framed => {
      if (framed === undefined) throw new MissingObjectError(id, context)
      const value = this.parse(id, framed, kind)
      this.remember(id, value, kind)
      return value
    })
    this.inflight.set(id, promise)
    const clear = () => this.inflight.delete(id)
    promise.then(clear, clear)
    return promise
  }

  /** `id` read and parsed as `kind` without entering the cache (walks over a whole store). */
  async loadUncached<T>(id: string, kind: ObjectKind<T>): Promise<T> {
    const cached = this.peek(id, kind)
    if (cached !== undefined) return cached
    const framed = await this.readRaw(id)
    if (framed === undefined) throw new MissingObjectError(id)
    return this.parse(id, framed, kind)
  }

  /**
   * Whether `id` is present, reading and checking it as `kind` without caching it (fsck reads
   * every blob once; keeping them would only evict what readers use). Throws on corruption.
   */
  async check<T>(id: string, kind: ObjectKind<T>): Promise<boolean> {
    if (this.cache.get(id) !== undefined) return true
    const framed = await this.readRaw(id)
    if (framed === undefined) return false
    this.parse(id, framed, kind)
    return true
  }

  /** Hash-checks framed bytes and parses them as `kind`; corruption becomes `CorruptObjectError`. */
  parse<T>(id: string, framed: Uint8Array, kind: ObjectKind<T>): T {
    if (this.hash(framed) !== id) throw new CorruptObjectError(id, 'contents do not hash to the id')
    const body = expectObject(id, framed, kind.type)
    try {
      return kind.parse(id, body)
    } catch (error) {
      if (error instanceof IrminError) throw error
      throw new CorruptObjectError(id, `cannot parse ${kind.type}: ${(error as Error).message}`)
    }
  }

  /** Framed, hash-checked bytes of `id` (or undefined), batched with other reads of this turn. */
  readRaw(id: string): Promise<Uint8Array | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(id)
      if (waiters) waiters.push({ resolve, reject })
      else this.pending.set(id, [{ resolve, reject }])
      if (!this.flushScheduled) {
        this.flushScheduled = true
        queueMicrotask(() => this.flush())
      }
    })
  }

  private flush(): void {
    const batch = this.pending
    this.pending = new Map()
    this.flushScheduled = false
    const ids = [...batch.keys()]
    const local = this.backend.promisor?.local
    if (local === undefined) return this.read(this.backend, ids, batch)
    // A lazy store: what it holds is answered at once; only the misses wait for the remote, so a
    // tree read in the same turn as a fetched blob does not wait for the blob.
    local.getObjects(ids).then(
      results => {
        const misses: string[] = []
        ids.forEach((id, i) => {
          if (results[i] === undefined) return void misses.push(id)
          for (const waiter of batch.get(id)!) waiter.resolve(results[i])
        })
        if (misses.length > 0) this.read(this.backend, misses, batch)
      },
      error => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
      },
    )
  }

  private read(backend: Backend, ids: string[], batch: Map<string, PendingRead[]>): void {
    backend.getObjects(ids).then(
      results => {
        ids.forEach((id, i) => {
          for (const waiter of batch.get(id)!) waiter.resolve(results[i])
        })
      },
      error => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
      },
    )
  }

  /**
   * Has the backend take a filled spool as the blob `id` (see `Backend.openSpool`); `tracking`
   * (from `gc.beginWrite()`) keeps it from garbage collection until the ref naming it has moved.
   */
  async adopt(spool: ObjectSpool, id: string, header: Uint8Array, bodyLength: number, tracking: WriteTracking): Promise<void> {
    this.gc.written(id, tracking.ids)
    await this.gc.putting(() => spool.adopt(id, header, bodyLength))
  }

  /** Writes objects in one batch; durable when it resolves. */
  async write(objects: readonly ObjectEntry[]): Promise<void> {
    for (const [id] of objects) this.gc.written(id)
    if (objects.length > 0) await this.gc.putting(() => this.backend.putObjects(objects))
  }

  /**
   * A writer that sends objects to the backend in large batches while the caller makes more.
   * `tracking` (from `gc.beginWrite()`) keeps what it writes safe from garbage collection until
   * released: release it once the ref naming those objects has moved, or the write gave up.
   */
  writer(tracking: WriteTracking, options: WriterOptions = {}): ObjectWriter {
    return new ObjectWriter(this.backend, this.gc, tracking, options)
  }

  /** Garbage collection's view of this backend: writes are journaled, bases pinned. */
  readonly gc: GcCoordinator

  /** Forgets cached parses (after GC, or to measure cold reads). */
  clearCache(): void {
    this.cache.clear()
  }
}

export interface WriterOptions {
  /**
   * Batches need not be durable one by one, only all of them at `finish` (a clone: hundreds of
   * batches, one sync), where the backend can (`Backend.syncObjects`).
   */
  readonly deferSync?: boolean
}

/**
 * Collects the objects of one write and hands them to the backend a few megabytes at a time, so
 * a backend whose I/O runs off the main thread (LevelDB, git) writes the first batches while the
 * next directories are still being hashed. `finish` resolves when every batch is durable.
 * Objects written before a failed commit are unreferenced garbage, which GC removes.
 */
export class ObjectWriter {
  private batch: ObjectEntry[] = []
  private bytes = 0
  private inFlight: Promise<void>[] = []
  private readonly deferred: boolean

  constructor(
    private readonly backend: Backend,
    private readonly gc: GcCoordinator,
    private readonly tracked: WriteTracking,
    options: WriterOptions = {},
  ) {
    this.deferred = options.deferSync === true && backend.putObjectsDeferred !== undefined && backend.syncObjects !== undefined
  }

  static readonly BATCH_BYTES = 4 * 1024 * 1024

  add(id: string, bytes: Uint8Array): void {
    this.gc.written(id, this.tracked.ids)
    this.batch.push([id, bytes])
    this.bytes += bytes.length
    if (this.bytes >= ObjectWriter.BATCH_BYTES) this.flush()
  }

  private flush(): void {
    if (this.batch.length === 0) return
    const batch = this.batch
    this.batch = []
    this.bytes = 0
    const sent = this.gc.putting(() => (this.deferred ? this.backend.putObjectsDeferred!(batch) : this.backend.putObjects(batch)))
    sent.catch(() => {}) // observed in finish(); avoid an unhandled rejection meanwhile
    this.inFlight.push(sent)
  }

  /** Resolves when every object added so far is written (readable; durable only after `finish`). */
  async landed(): Promise<void> {
    this.flush()
    const sent = this.inFlight
    this.inFlight = []
    for (const result of await Promise.allSettled(sent)) if (result.status === 'rejected') this.failure ??= { error: result.reason }
    // A failed batch fails every later call too: its objects are not there.
    if (this.failure !== undefined) throw this.failure.error
  }

  private failure: { error: unknown } | undefined

  /** Resolves when every object added so far is durable. */
  async finish(): Promise<void> {
    await this.landed()
    if (this.deferred) await this.backend.syncObjects!()
  }

  /**
   * `finish`, then `casRef(name, expected, next)`; where the backend can, the last batch and the
   * ref move are one durable write (`putObjectsAndCasRef`), or with `unsynced` one unsynced
   * write (`putObjectsAndCasRefUnsynced`). Whether the ref moved.
   */
  async finishAndMove(name: string, expected: string | undefined, next: string, unsynced = false): Promise<boolean> {
    const combined = ((unsynced ? this.backend.putObjectsAndCasRefUnsynced : undefined) ?? this.backend.putObjectsAndCasRef)?.bind(this.backend)
    // Deferred batches are durable only after `syncObjects`, which a combined write skips.
    if (combined === undefined || this.batch.length === 0 || this.deferred) {
      await this.finish()
      return this.backend.casRef(name, expected, next)
    }
    const last = this.batch
    this.batch = []
    this.bytes = 0
    // The ref must not name objects that are not durable yet: the earlier batches land first
    // (and one that failed fails this move, as it fails `finish`).
    await this.landed()
    return this.gc.putting(() => combined(last, name, expected, next))
  }

}

/**
 * `objects`, or on a lazy store (`Backend.promisor`) a reader of its local part alone: walks over
 * the whole store (garbage collection, fsck) must not fetch what the remote promises.
 */
export function localObjects(objects: ObjectStore): ObjectStore {
  const local = objects.backend.promisor?.local
  return local === undefined ? objects : new ObjectStore(local, objects.hasher, { cacheBytes: 4 * 1024 * 1024 })
}

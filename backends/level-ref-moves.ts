/**
 * The LevelDB backend's ref moves. Each ref's moves are serialised by a promise queue, so the
 * comparison and the write happen with no other move of that ref between.
 *
 * A move is synced (the ref, with the objects it names, in one synced batch) or unsynced
 * (`Backend.putObjectsAndCasRefUnsynced`): its objects go to LevelDB in the background, unsynced
 * (level-write-behind.ts), and the ref moves in memory only, so after a crash LevelDB still
 * holds its last durable value, whose objects are all there — a lost unsynced write leaves
 * unreferenced objects (garbage), never a ref to a missing one. LevelDB loses unsynced writes in any order on a power cut (an old log is closed
 * unsynced at a memtable switch, and pages reach the disk in any order), so a synced ref write
 * is not enough to make earlier unsynced objects durable: the memtable is flushed to a synced
 * table first (`flushMemtable`). That happens before any synced move that follows unsynced
 * writes (its commit may name their objects, as parent or shared subtree) and in `sync`, which
 * then writes each ref moved unsynced, through its queue, at its current value.
 */
import type { ObjectEntry, RefListeners } from '../core/backend.js'
import { UTF8 } from './level-open.js'
import type { RefTable } from './ref-table.js'

/** A LevelDB chained batch, as far as ref moves use it. */
export interface RefBatch {
  put(key: string, value: Uint8Array, options?: object): RefBatch
  del(key: string): RefBatch
  write(options?: object): Promise<void>
}

export interface RefStorage {
  /** The in-memory refs (the truth, in this process). */
  readonly refs: RefTable
  readonly listeners: RefListeners
  /** A batch holding `objects`, ready for the ref's entry (stored through the value log when large). */
  objectsBatch<T>(objects: readonly ObjectEntry[], write: (batch: RefBatch) => Promise<T>): Promise<T>
  /** Hands objects to the background writer (readable at once, in LevelDB unsynced later). */
  writeBehind(objects: readonly ObjectEntry[]): void
  /** Resolves once every object handed to `writeBehind` is in LevelDB. */
  landed(): Promise<void>
  /** An empty batch. */
  batch(): RefBatch
  /** The key of ref `name` in the database. */
  refKey(name: string): string
  /** Makes every write that landed before it durable (LevelDB's memtable into a synced table). */
  flushMemtable(): Promise<void>
}

/** classic-level's write option. */
const SYNC = { sync: true } as object

export class RefMoves {
  private readonly queues = new Map<string, Promise<unknown>>()
  /** Refs whose last move was unsynced: LevelDB holds an older value. */
  private readonly unsyncedRefs = new Set<string>()
  /** Unsynced moves with objects made so far, and how many of them a memtable flush made durable. */
  private unsyncedWrites = 0
  private durableWrites = 0

  constructor(private readonly storage: RefStorage) {}

  /** Whether refs moved unsynced are waiting for `sync`. */
  get pending(): boolean {
    return this.unsyncedRefs.size > 0
  }

  /**
   * Moves `name` from `expected` to `next` (undefined: deletes it), writing `objects` with it
   * whether or not it moves; whether it moved.
   */
  move(name: string, expected: string | undefined, next: string | undefined, objects: readonly ObjectEntry[], synced: boolean): Promise<boolean> {
    const { refs, listeners } = this.storage
    return this.queued(name, async () => {
      const moves = refs.get(name) === expected && next !== expected
      if (synced && moves) await this.durableSoFar()
      if (!synced) {
        this.storage.writeBehind(objects)
        if (objects.length > 0) this.unsyncedWrites++
      } else if (objects.length > 0 || moves) {
        await this.storage.objectsBatch(objects, batch => {
          if (moves) putRef(batch, this.storage.refKey(name), next)
          return batch.write(SYNC)
        })
      }
      if (!moves) return refs.get(name) === expected
      if (synced) this.unsyncedRefs.delete(name)
      else this.unsyncedRefs.add(name)
      refs.set(name, next)
      listeners.emit(name, next)
      return true
    })
  }

  /**
   * Makes every move so far durable: the objects they name, then each ref at its current value.
   * `flush`: flush the memtable even if no unsynced move landed (other unsynced writes did).
   */
  async sync(flush = false): Promise<void> {
    await this.durableSoFar(flush)
    await Promise.all(
      [...this.unsyncedRefs].map(name =>
        this.queued(name, async () => {
          if (!this.unsyncedRefs.has(name)) return
          await this.durableSoFar()
          const batch = this.storage.batch()
          putRef(batch, this.storage.refKey(name), this.storage.refs.get(name))
          await batch.write(SYNC)
          this.unsyncedRefs.delete(name)
        }),
      ),
    )
  }

  /** Waits for every move in flight. */
  async settled(): Promise<void> {
    await Promise.all(this.queues.values())
  }

  /** Flushes the memtable when unsynced moves were made since the last flush (or when `force`). */
  private async durableSoFar(force = false): Promise<void> {
    const made = this.unsyncedWrites
    if (made === this.durableWrites && !force) return
    await this.storage.landed()
    await this.storage.flushMemtable()
    this.durableWrites = Math.max(this.durableWrites, made)
  }

  private queued<V>(name: string, work: () => Promise<V>): Promise<V> {
    const result = (this.queues.get(name) ?? Promise.resolve()).then(work)
    const settled = result.then(
      () => {},
      () => {},
    )
    this.queues.set(name, settled)
    settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name)
    })
    return result
  }
}

function putRef(batch: RefBatch, key: string, id: string | undefined): void {
  if (id === undefined) batch.del(key)
  else batch.put(key, id as unknown as Uint8Array, UTF8)
}

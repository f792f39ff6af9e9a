/**
 * The objects of unsynced ref moves, on their way to LevelDB. classic-level writes only on its
 * thread pool, and on a small virtual machine waking a pool thread and being woken back costs
 * more than the write itself (~0.5 ms a round trip, measured beside a ~0.2 ms fdatasync done on
 * the main thread), so an unsynced move does not wait for its write: its objects are readable
 * from here at once and go to LevelDB in the background, one unsynced batch at a time holding
 * whatever gathered meanwhile. `landed` waits until all of them are in LevelDB: before a
 * memtable flush makes them durable, before deletions, listings and closing.
 */
import type { ObjectEntry } from '../core/backend.js'

export class WriteBehind {
  /** Objects not yet known to be in LevelDB, by id. */
  private readonly pending = new Map<string, Uint8Array>()
  private queued: ObjectEntry[] = []
  private writing: Promise<void> | undefined
  /** The last background write's failure (its objects are queued again). */
  private failure: { error: unknown } | undefined

  constructor(private readonly write: (objects: readonly ObjectEntry[]) => Promise<void>) {}

  get(id: string): Uint8Array | undefined {
    return this.pending.get(id)
  }

  /** Queues objects for the background write; readable at once. */
  add(objects: readonly ObjectEntry[]): void {
    for (const entry of objects) {
      this.pending.set(entry[0], entry[1])
      this.queued.push(entry)
    }
    this.writing ??= this.drain()
  }

  /** Resolves once every object added so far is in LevelDB (unsynced); throws when a write failed. */
  async landed(): Promise<void> {
    while (this.writing !== undefined) await this.writing
    if (this.failure === undefined) return
    this.failure = undefined
    this.writing = this.drain()
    await this.writing
    if (this.failure !== undefined) throw (this.failure as { error: unknown }).error
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const batch = this.queued
        this.queued = []
        try {
          await this.write(batch)
        } catch (error) {
          // Kept readable and queued again: `landed` tries once more and reports the failure.
          this.failure = { error }
          this.queued = batch.concat(this.queued)
          return
        }
        for (const [id] of batch) this.pending.delete(id)
      }
    } finally {
      this.writing = undefined
    }
  }
}

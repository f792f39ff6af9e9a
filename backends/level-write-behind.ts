/**
 * The objects of unsynced ref moves, on their way to LevelDB. classic-level writes only on its
 * thread pool, and on a small virtual machine waking a pool thread and being woken back costs
 * more than the write itself (~0.5 ms a round trip, measured beside a ~0.2 ms fdatasync done on
 * the main thread), so an unsynced move does not wait for its write: its objects are readable
 * from here at once and go to LevelDB in the background, unsynced, a batch every
 * `WRITE_BEHIND_MS` at most holding whatever gathered meanwhile (a client saving small files
 * one by one makes a commit every millisecond or two). `landed` writes them at once and waits
 * until all are in LevelDB: before a memtable flush makes them durable, before deletions,
 * listings and closing.
 */
import type { ObjectEntry } from '../core/backend.js'

/** How long objects gather before their batch goes to LevelDB. */
export const WRITE_BEHIND_MS = 5

export class WriteBehind {
  /** Objects not yet known to be in LevelDB, by id. */
  private readonly pending = new Map<string, Uint8Array>()
  private queued: ObjectEntry[] = []
  private writing: Promise<void> | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
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
    if (this.writing === undefined && this.timer === undefined) {
      this.timer = setTimeout(() => this.start(), WRITE_BEHIND_MS)
      this.timer.unref?.()
    }
  }

  /** Resolves once every object added so far is in LevelDB (unsynced); throws when a write failed. */
  async landed(): Promise<void> {
    if (this.timer !== undefined) this.start()
    while (this.writing !== undefined) await this.writing
    if (this.failure === undefined) return
    this.failure = undefined
    this.writing = this.drain()
    await this.writing
    if (this.failure !== undefined) throw (this.failure as { error: unknown }).error
  }

  private start(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.writing ??= this.drain()
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

/**
 * A bounded map of the most recently added entries, in two generations: when the newer one is
 * full it becomes the older and the oldest generation is dropped. Every operation is O(1); a
 * `Map` used as a FIFO (deleting its first key each time) is not, in V8: the iterator skips
 * every deleted slot from the start of the table until it rehashes.
 */
export class RecentMap<K, V> {
  private newer = new Map<K, V>()
  private older = new Map<K, V>()

  /** Keeps at least the last `capacity / 2` entries, and at most `capacity`. */
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.newer.get(key) ?? this.older.get(key)
  }

  /** Forgets `key` (in both generations). */
  delete(key: K): void {
    this.newer.delete(key)
    this.older.delete(key)
  }

  set(key: K, value: V): void {
    this.newer.set(key, value)
    if (this.newer.size >= this.capacity / 2) {
      this.older = this.newer
      this.newer = new Map()
    }
  }
}

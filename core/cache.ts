/**
 * A bounded cache of immutable values by id, with two generations instead of a linked LRU list:
 * a hit in the old generation promotes the entry, and when the young generation reaches half
 * the budget it becomes the old one. Hits cost one or two `Map` lookups and no reordering, which
 * matters on the warm-read path; anything used within the last half-budget of inserts survives.
 */
export class GenerationalCache<V> {
  private young = new Map<string, V>()
  private old = new Map<string, V>()
  private youngWeight = 0

  constructor(
    private readonly budget: number,
    private readonly weightOf: (value: V) => number,
  ) {}

  get(id: string): V | undefined {
    const hit = this.young.get(id)
    if (hit !== undefined) return hit
    const old = this.old.get(id)
    if (old !== undefined) this.put(id, old)
    return old
  }

  put(id: string, value: V): void {
    if (this.young.has(id)) return
    this.young.set(id, value)
    this.charge(this.weightOf(value))
  }

  /** Memory that cached values took on after they were put (memoised parts of them). */
  charge(weight: number): void {
    this.youngWeight += weight
    if (this.youngWeight * 2 >= this.budget) {
      this.old = this.young
      this.young = new Map()
      this.youngWeight = 0
    }
  }

  delete(id: string): void {
    this.young.delete(id)
    this.old.delete(id)
  }

  clear(): void {
    this.young.clear()
    this.old.clear()
    this.youngWeight = 0
  }
}

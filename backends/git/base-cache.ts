/**
 * Recently resolved delta bases, so that reading many objects of one delta chain (the versions
 * of a file, the trees of a history) does not resolve the chain from its start every time, as
 * git's delta base cache does. Bounded by bytes, least recently used first out.
 *
 * Keyed by pack offset alone (a number: no key string per lookup); each entry remembers its
 * pack, so a base of another pack at the same offset is a miss, never a wrong answer.
 */
import type { ObjectType } from '../../core/objects/frame.js'

export interface ResolvedObject {
  type: ObjectType
  framed: Uint8Array
  bodyStart: number
}

interface Entry {
  pack: number
  value: ResolvedObject
}

export class BaseCache {
  private readonly entries = new Map<number, Entry>()
  private bytes = 0

  constructor(private readonly budget: number) {}

  get(pack: number, offset: number): ResolvedObject | undefined {
    const hit = this.entries.get(offset)
    if (hit === undefined || hit.pack !== pack) return undefined
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.entries.delete(offset)
    this.entries.set(offset, hit)
    return hit.value
  }

  set(pack: number, offset: number, value: ResolvedObject): void {
    // One object larger than a quarter of the budget would flush everything else.
    if (value.framed.length > this.budget / 4) return
    const old = this.entries.get(offset)
    if (old !== undefined) {
      if (old.pack === pack) return
      this.entries.delete(offset)
      this.bytes -= old.value.framed.length
    }
    this.entries.set(offset, { pack, value })
    this.bytes += value.framed.length
    if (this.bytes > this.budget) this.evict()
  }

  /** Down to 7/8 of the budget, so that reading on (every read adds an entry) evicts in batches. */
  private evict(): void {
    const target = this.budget - this.budget / 8
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= target) break
      this.entries.delete(oldest)
      this.bytes -= entry.value.framed.length
    }
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }
}

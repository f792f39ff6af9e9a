/**
 * Recently resolved delta bases, so that reading many objects of one delta chain (the versions
 * of a file, the trees of a history) does not resolve the chain from its start every time, as
 * git's delta base cache does. Bounded by bytes, least recently used first out.
 */
import type { ObjectType } from '../../core/objects/frame.js'

export interface ResolvedObject {
  type: ObjectType
  framed: Uint8Array
  bodyStart: number
}

export class BaseCache {
  private readonly entries = new Map<string, ResolvedObject>()
  private bytes = 0

  constructor(private readonly budget: number) {}

  static key(packSerial: number, offset: number): string {
    return `${packSerial}:${offset}`
  }

  get(key: string): ResolvedObject | undefined {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.entries.delete(key)
      this.entries.set(key, hit)
    }
    return hit
  }

  set(key: string, value: ResolvedObject): void {
    // One object larger than a quarter of the budget would flush everything else.
    if (value.framed.length > this.budget / 4 || this.entries.has(key)) return
    this.entries.set(key, value)
    this.bytes += value.framed.length
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.budget) break
      this.entries.delete(oldest)
      this.bytes -= entry.framed.length
    }
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }
}

/**
 * A hash table from object ids to numbers, keyed by the raw 20 id bytes in one flat buffer:
 * no per-entry JS objects, so a table of millions of ids costs about 30 bytes per id and nothing
 * for the garbage collector to trace. SHA-1 ids are uniformly random, so their first four bytes
 * are the hash. Open addressing with linear probing, at most half full.
 */
import { toHex, writeHex } from './hex.js'

const EMPTY = 0
const FULL = 1
const DELETED = 2

export class IdTable {
  private capacity: number
  private keys: Uint8Array
  private values: Float64Array
  private state: Uint8Array
  private count = 0
  private used = 0 // full + deleted slots: what probing has to walk over
  private readonly key = new Uint8Array(20)

  constructor(expected = 512) {
    this.capacity = 1024
    while (this.capacity < expected * 2) this.capacity *= 2
    this.keys = new Uint8Array(this.capacity * 20)
    this.values = new Float64Array(this.capacity)
    this.state = new Uint8Array(this.capacity)
  }

  get size(): number {
    return this.count
  }

  /** Slot of `this.key`, or the first free slot on its probe path (negative: -(slot + 1)). */
  private find(): number {
    const k = this.key
    const mask = this.capacity - 1
    let slot = ((k[0] << 24) | (k[1] << 16) | (k[2] << 8) | k[3]) & mask
    let free = -1
    for (;;) {
      const s = this.state[slot]
      if (s === EMPTY) return -((free >= 0 ? free : slot) + 1)
      if (s === DELETED) {
        if (free < 0) free = slot
      } else if (this.matches(slot)) {
        return slot
      }
      slot = (slot + 1) & mask
    }
  }

  private matches(slot: number): boolean {
    const keys = this.keys
    const k = this.key
    const base = slot * 20
    for (let i = 0; i < 20; i++) if (keys[base + i] !== k[i]) return false
    return true
  }

  /** `set(id, 1)` for an id given as 20 raw bytes at `offset` (no hex string made). */
  addRaw(bytes: Uint8Array, offset: number): boolean {
    const key = this.key
    for (let i = 0; i < 20; i++) key[i] = bytes[offset + i]
    let slot = this.find()
    if (slot >= 0) return false
    slot = -slot - 1
    if (this.state[slot] === EMPTY) this.used++
    this.keys.set(key, slot * 20)
    this.values[slot] = 1
    this.state[slot] = FULL
    this.count++
    if (this.used * 2 > this.capacity) this.resize(this.count * 2 > this.capacity / 2 ? this.capacity * 2 : this.capacity)
    return true
  }

  get(id: string): number | undefined {
    writeHex(id, this.key, 0)
    const slot = this.find()
    return slot >= 0 ? this.values[slot] : undefined
  }

  has(id: string): boolean {
    writeHex(id, this.key, 0)
    return this.find() >= 0
  }

  /** Sets `id` to `value`; returns whether the id is new. */
  set(id: string, value: number): boolean {
    writeHex(id, this.key, 0)
    let slot = this.find()
    if (slot >= 0) {
      this.values[slot] = value
      return false
    }
    slot = -slot - 1
    if (this.state[slot] === EMPTY) this.used++
    this.keys.set(this.key, slot * 20)
    this.values[slot] = value
    this.state[slot] = FULL
    this.count++
    if (this.used * 2 > this.capacity) this.resize(this.count * 2 > this.capacity / 2 ? this.capacity * 2 : this.capacity)
    return true
  }

  delete(id: string): boolean {
    writeHex(id, this.key, 0)
    const slot = this.find()
    if (slot < 0) return false
    this.state[slot] = DELETED
    this.count--
    return true
  }

  clear(): void {
    this.state.fill(EMPTY)
    this.count = 0
    this.used = 0
  }

  /**
   * Every id and its value, in no particular order. Weakly consistent, like a concurrent map's
   * iterator: ids added or deleted while iterating may or may not appear; none appears twice.
   */
  *entries(): Generator<[id: string, value: number]> {
    const { keys, values, state, capacity } = this
    for (let slot = 0; slot < capacity; slot++) {
      if (state[slot] === FULL) yield [toHex(keys, slot * 20, slot * 20 + 20), values[slot]]
    }
  }

  /** Rehashes into `capacity` slots, dropping deleted markers. */
  private resize(capacity: number): void {
    const { keys, values, state } = this
    const old = this.capacity
    this.capacity = capacity
    this.keys = new Uint8Array(capacity * 20)
    this.values = new Float64Array(capacity)
    this.state = new Uint8Array(capacity)
    this.count = 0
    this.used = 0
    for (let slot = 0; slot < old; slot++) {
      if (state[slot] !== FULL) continue
      this.key.set(keys.subarray(slot * 20, slot * 20 + 20))
      const free = -this.find() - 1
      this.keys.set(this.key, free * 20)
      this.values[free] = values[slot]
      this.state[free] = FULL
      this.count++
      this.used++
    }
  }
}

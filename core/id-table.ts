/**
 * A hash table from object ids to numbers, keyed by the raw 20 id bytes in one flat buffer: no
 * per-entry JS objects, and nothing for the garbage collector to trace. SHA-1 ids are uniformly
 * random, so their first four bytes are the hash. Open addressing with linear probing, at most
 * 70% full; values take space only once a value other than 1 is stored, so a set of ids (a GC
 * mark set) costs about 30 bytes an id, and a table of values about 40.
 */
import { toHex, writeHex } from './hex.js'

/** Most slots used (full or deleted) before the table grows: linear probing stays short below it. */
const LOAD = 0.7
const EMPTY = 0
const FULL = 1
const DELETED = 2

export class IdTable {
  private capacity: number
  private keys: Uint8Array
  /** Made on the first value other than 1: a set of ids (a GC mark set) needs none. */
  private values: Float64Array | undefined
  private state: Uint8Array
  private count = 0
  private used = 0 // full + deleted slots: what probing has to walk over
  private readonly key = new Uint8Array(20)
  /** Bytes of each id kept: 20 (exact), or fewer for sets where a rare false "present" is harmless. */
  private readonly width: number

  /**
   * `keyBytes` below 20 keeps only that many leading bytes of each id: a set of a million ids in
   * 8 bytes each answers "present" for an absent id with odds of about 1 in 10^13. GC's mark set
   * uses that (a false "present" only keeps an object), halving its memory; `entries` then
   * cannot rebuild ids and is refused.
   */
  constructor(expected = 512, options: { keyBytes?: number } = {}) {
    this.width = options.keyBytes ?? 20
    if (!(this.width >= 8 && this.width <= 20)) throw new RangeError('keyBytes must be from 8 to 20')
    this.capacity = 1024
    while (this.capacity * LOAD < expected) this.capacity *= 2
    this.keys = new Uint8Array(this.capacity * this.width)
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
    const width = this.width
    const base = slot * width
    for (let i = 0; i < width; i++) if (keys[base + i] !== k[i]) return false
    return true
  }

  /** Puts `this.key` with `value` at the free `slot` `find` returned, growing when too full. */
  private insert(slot: number, value: number): void {
    if (this.state[slot] === EMPTY) this.used++
    this.keys.set(this.width === 20 ? this.key : this.key.subarray(0, this.width), slot * this.width)
    this.state[slot] = FULL
    this.store(slot, value)
    this.count++
    if (this.used > this.capacity * LOAD) this.resize(this.count > (this.capacity * LOAD) / 2 ? this.capacity * 2 : this.capacity)
  }

  private store(slot: number, value: number): void {
    if (this.values === undefined) {
      if (value === 1) return
      this.values = new Float64Array(this.capacity).fill(1)
    }
    this.values[slot] = value
  }

  /** `set(id, 1)` for an id given as 20 raw bytes at `offset` (no hex string made). */
  addRaw(bytes: Uint8Array, offset: number): boolean {
    const key = this.key
    for (let i = 0; i < 20; i++) key[i] = bytes[offset + i]
    const slot = this.find()
    if (slot >= 0) return false
    this.insert(-slot - 1, 1)
    return true
  }

  /** `get` for an id given as 20 raw bytes at `offset`. */
  getRaw(bytes: Uint8Array, offset: number): number | undefined {
    const key = this.key
    for (let i = 0; i < 20; i++) key[i] = bytes[offset + i]
    const slot = this.find()
    return slot >= 0 ? (this.values?.[slot] ?? 1) : undefined
  }

  /** `set` for an id given as 20 raw bytes at `offset`; returns whether the id is new. */
  setRaw(bytes: Uint8Array, offset: number, value: number): boolean {
    const key = this.key
    for (let i = 0; i < 20; i++) key[i] = bytes[offset + i]
    return this.setKey(value)
  }

  get(id: string): number | undefined {
    writeHex(id, this.key, 0)
    const slot = this.find()
    return slot >= 0 ? (this.values?.[slot] ?? 1) : undefined
  }

  has(id: string): boolean {
    writeHex(id, this.key, 0)
    return this.find() >= 0
  }

  /** Sets `id` to `value`; returns whether the id is new. */
  set(id: string, value: number): boolean {
    writeHex(id, this.key, 0)
    return this.setKey(value)
  }

  /** `set` for the id in `this.key`. */
  private setKey(value: number): boolean {
    const slot = this.find()
    if (slot >= 0) {
      this.store(slot, value)
      return false
    }
    this.insert(-slot - 1, value)
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
    this.values = undefined
    this.count = 0
    this.used = 0
  }

  /**
   * Every id and its value, in no particular order. Weakly consistent, like a concurrent map's
   * iterator: ids added or deleted while iterating may or may not appear; none appears twice.
   */
  *entries(): Generator<[id: string, value: number]> {
    if (this.width !== 20) throw new TypeError('a table of truncated ids cannot list them')
    const { keys, values, state, capacity } = this
    for (let slot = 0; slot < capacity; slot++) {
      if (state[slot] === FULL) yield [toHex(keys, slot * 20, slot * 20 + 20), values?.[slot] ?? 1]
    }
  }

  /** Rehashes into `capacity` slots, dropping deleted markers. */
  private resize(capacity: number): void {
    const { keys, values, state, width } = this
    const old = this.capacity
    this.capacity = capacity
    this.keys = new Uint8Array(capacity * width)
    this.values = values && new Float64Array(capacity)
    this.state = new Uint8Array(capacity)
    this.count = 0
    this.used = 0
    for (let slot = 0; slot < old; slot++) {
      if (state[slot] !== FULL) continue
      this.key.set(keys.subarray(slot * width, slot * width + width))
      const free = -this.find() - 1
      this.keys.set(this.key.subarray(0, width), free * width)
      if (this.values) this.values[free] = values![slot]
      this.state[free] = FULL
      this.count++
      this.used++
    }
  }
}

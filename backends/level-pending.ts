/**
 * A bulk load's value log pointers not yet in LevelDB (level-values.ts), read before LevelDB is.
 * They come in generations: the pointers appended since the last background indexing are one
 * generation, written to LevelDB and then dropped whole. One map per object and a set each,
 * where a single map took a set, a lookup to index and a delete to forget (~0.1 s of a
 * 100,000-object clone's CPU). Deletions and compaction moves change entries in place, in every
 * generation that holds them; an object bulk-loaded again while its first pointer waits has one
 * in each generation, the newest read first.
 */
import { decodePointer, type Pointer, samePlace } from './value-log.js'

export type Generation = Map<string, Uint8Array>

export class PendingPointers {
  /** Oldest first; appends go to the last. */
  private generations: Generation[] = [new Map()]

  get empty(): boolean {
    return this.generations.every(generation => generation.size === 0)
  }

  /** The newest pointer of `id`. */
  get(id: string): Uint8Array | undefined {
    for (let g = this.generations.length - 1; g >= 0; g--) {
      const pointer = this.generations[g]!.get(id)
      if (pointer !== undefined) return pointer
    }
    return undefined
  }

  /** An appended object's pointer. */
  add(id: string, pointer: Uint8Array): void {
    this.generations[this.generations.length - 1]!.set(id, pointer)
  }

  /** Every pointer held for `id`, decoded: a record any of them names is live. */
  pointersOf(id: string): Pointer[] {
    const out: Pointer[] = []
    for (const generation of this.generations) {
      const pointer = generation.get(id)
      if (pointer !== undefined) out.push(decodePointer(pointer)!)
    }
    return out
  }

  /** Points every pointer of `id` at the record `from` to `to` instead (a compaction's copy). */
  move(id: string, from: Pointer, to: Uint8Array): void {
    for (const generation of this.generations) {
      const pointer = generation.get(id)
      if (pointer !== undefined && samePlace(decodePointer(pointer)!, from)) generation.set(id, to)
    }
  }

  delete(id: string): void {
    for (const generation of this.generations) generation.delete(id)
  }

  /** Ends the generation appends go to, and gives it (to be indexed); appends go to a new one. */
  seal(): Generation {
    const sealed = this.generations[this.generations.length - 1]!
    this.generations.push(new Map())
    return sealed
  }

  /** Every generation, oldest first, appends going to a new one from here. */
  sealAll(): Generation[] {
    this.seal()
    return this.generations.slice(0, -1)
  }

  /** Whether `generation` is still pending (not dropped by an indexing that took it). */
  holds(generation: Generation): boolean {
    return this.generations.includes(generation)
  }

  /** Forgets `generation` (its pointers are in LevelDB now). */
  drop(generation: Generation): void {
    this.generations = this.generations.filter(g => g !== generation)
  }

  /** Each id pending once, with its newest pointer's size. */
  sizes(): Array<[string, number]> {
    const out = new Map<string, number>()
    for (const generation of this.generations) for (const [id, pointer] of generation) out.set(id, decodePointer(pointer)!.length)
    return [...out]
  }
}

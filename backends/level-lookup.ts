/**
 * Where the LevelDB backend finds an object's stored value (the object inline, or a value log
 * pointer): in sublevel `o`, or, for an object of a bulk load, as its entry in the size index
 * `s` (its only LevelDB entry there: a pointer holds the size). Every object in LevelDB has a
 * size index entry; one whose entry is a size is in `o`.
 *
 * So a read may take two lookups. Which place is tried first follows the store: the place the
 * last read found most of its objects in. A store filled by a clone (a server's, typically)
 * finds its trees and blobs in `s` at the first lookup; one written by commits finds them in
 * `o`. The answer is the same either way: only the number of lookups differs.
 *
 * Writes land between two lookups (LevelDB writes in its thread pool). A reader that found
 * nothing in `o` and then a size in `s` saw an ordinary write of the object land in between: it
 * reads `o` again. A reader that found a size in `s` and then nothing in `o` saw a deletion: the
 * object is absent.
 */
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { decodePointer, isPointer, type Pointer } from './value-log.js'

type Sub<V> = AbstractSublevel<Level<string, Uint8Array>, string | Uint8Array, string, V>

export class StoredValues {
  /** Try the size index first (the last read found more objects by their pointer there than in `o`). */
  private indexFirst = false

  constructor(
    readonly objects: Sub<Uint8Array>,
    /** id → size, or a bulk-loaded object's pointer. */
    readonly sizeIndex: Sub<Uint8Array>,
  ) {}

  /** The stored value of `id`, synchronously. */
  getSync(id: string): Uint8Array | undefined {
    if (this.indexFirst) {
      const entry = this.sizeIndex.getSync(id)
      if (entry === undefined || isPointer(entry)) return entry
      const value = this.objects.getSync(id)
      if (value !== undefined) this.indexFirst = false
      return value
    }
    const value = this.objects.getSync(id)
    if (value !== undefined) return value
    const entry = this.sizeIndex.getSync(id)
    if (entry === undefined) return undefined
    if (!isPointer(entry)) return this.objects.getSync(id)
    this.indexFirst = true
    return entry
  }

  /** The stored values of `ids` where `values` has none yet (filled in place), in LevelDB's thread pool. */
  async getMany(ids: readonly string[], values: Array<Uint8Array | undefined>): Promise<void> {
    const asked = indicesOf(values, value => value === undefined)
    if (asked.length === 0) return
    let fromObjects = 0
    let index = { inObjects: [] as number[], pointers: 0 }
    if (this.indexFirst) {
      index = await this.fromIndex(ids, asked, values)
    } else {
      fromObjects = await this.fromObjects(ids, asked, values)
      const missing = asked.filter(i => values[i] === undefined)
      if (missing.length > 0) index = await this.fromIndex(ids, missing, values)
    }
    if (index.inObjects.length > 0) fromObjects += await this.fromObjects(ids, index.inObjects, values)
    this.indexFirst = index.pointers > fromObjects
  }

  /** Values of `asked` in `o`, filled in; how many were there. */
  private async fromObjects(ids: readonly string[], asked: readonly number[], values: Array<Uint8Array | undefined>): Promise<number> {
    const found = await this.objects.getMany(asked.map(i => ids[i]!))
    let count = 0
    found.forEach((value, k) => {
      if (value === undefined) return
      values[asked[k]!] = value
      count++
    })
    return count
  }

  /** Size index entries of `asked`: pointers filled in; the objects whose entry is a size (they are in `o`). */
  private async fromIndex(ids: readonly string[], asked: readonly number[], values: Array<Uint8Array | undefined>): Promise<{ inObjects: number[]; pointers: number }> {
    const entries = await this.sizeIndex.getMany(asked.map(i => ids[i]!))
    const inObjects: number[] = []
    let pointers = 0
    entries.forEach((entry, k) => {
      if (entry === undefined) return
      if (isPointer(entry)) {
        values[asked[k]!] = entry
        pointers++
      } else inObjects.push(asked[k]!)
    })
    return { inObjects, pointers }
  }

  /**
   * Every value log pointer LevelDB holds for `id`, with its place: in `o`, and in the size
   * index. An object written, then bulk-loaded again (a fetch of what the store has), has both:
   * the bulk load's pointer went to the size index and left `o` as it was. Either reads as the
   * object; compaction and deletion must see both.
   */
  pointersOf(id: string): Array<[Sub<Uint8Array>, Pointer]> {
    const out: Array<[Sub<Uint8Array>, Pointer]> = []
    const value = this.objects.getSync(id)
    const inObjects = value === undefined ? undefined : decodePointer(value)
    if (inObjects !== undefined) out.push([this.objects, inObjects])
    const entry = this.sizeIndex.getSync(id)
    const inIndex = entry === undefined ? undefined : decodePointer(entry)
    if (inIndex !== undefined) out.push([this.sizeIndex, inIndex])
    return out
  }
}

function indicesOf<T>(values: readonly T[], test: (value: T) => boolean): number[] {
  const out: number[] = []
  values.forEach((value, i) => test(value) && out.push(i))
  return out
}

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
 *
 * Pointers found are kept (`RecentMap`, up to `POINTERS_KEPT`): a LevelDB lookup costs ~3.5 µs
 * of CPU here, and a server sends the same objects to clone after clone (the pointers of a
 * 100,000-object clone: ~0.35 s of its ~2.6 s). A kept pointer never reads wrong bytes (a
 * record names its object, and the log checks it), but it may outlive its place: whoever deletes
 * or moves pointers calls `forget` once LevelDB has the change, and a lookup that began before a
 * `forget` keeps nothing of what it found. A pointer into a file compaction removed reads as
 * nothing; its reader forgets it and looks again.
 */
import type { AbstractSublevel } from 'abstract-level'
import type { Level } from 'level'
import { RecentMap } from '../core/recent-map.js'
import { decodePointer, isPointer, type Pointer } from './value-log.js'

type Sub<V> = AbstractSublevel<Level<string, Uint8Array>, string | Uint8Array, string, V>

export class StoredValues {
  /** Try the size index first (the last read found more objects by their pointer there than in `o`). */
  private indexFirst = false
  /** Pointers found lately, by id. */
  private readonly kept = new RecentMap<string, Uint8Array>(POINTERS_KEPT)
  /** Counts `forget` calls: a lookup keeps what it found only if none came meanwhile. */
  private forgets = 0

  constructor(
    readonly objects: Sub<Uint8Array>,
    /** id → size, or a bulk-loaded object's pointer. */
    readonly sizeIndex: Sub<Uint8Array>,
  ) {}

  /**
   * Forgets the kept pointers of `ids`: called once LevelDB holds their deletion or move (a
   * lookup before that may have found and kept the old pointer).
   */
  forget(ids: Iterable<string>): void {
    this.forgets++
    for (const id of ids) this.kept.delete(id)
  }

  /** The stored value of `id`, synchronously. */
  getSync(id: string): Uint8Array | undefined {
    const kept = this.kept.get(id)
    if (kept !== undefined) return kept
    const value = this.lookupSync(id)
    if (value !== undefined && isPointer(value)) this.kept.set(id, value)
    return value
  }

  private lookupSync(id: string): Uint8Array | undefined {
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
    for (let i = 0; i < ids.length; i++) if (values[i] === undefined) values[i] = this.kept.get(ids[i]!)
    const asked = indicesOf(values, value => value === undefined)
    if (asked.length === 0) return
    const forgets = this.forgets
    await this.lookUp(ids, asked, values)
    if (this.forgets !== forgets) return
    for (const i of asked) {
      const value = values[i]
      if (value !== undefined && isPointer(value)) this.kept.set(ids[i]!, value)
    }
  }

  private async lookUp(ids: readonly string[], asked: readonly number[], values: Array<Uint8Array | undefined>): Promise<void> {
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

/** Pointers kept: ~30 MB at most (an id, a pointer of ~15 bytes in its own buffer, their map entry). */
const POINTERS_KEPT = 131_072

function indicesOf<T>(values: readonly T[], test: (value: T) => boolean): number[] {
  const out: number[] = []
  values.forEach((value, i) => test(value) && out.push(i))
  return out
}

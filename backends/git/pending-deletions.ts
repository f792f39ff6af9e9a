/**
 * The git backend's deletions that are decided but not yet applied on disk: one exact id table
 * per collection under way (~40 bytes an id, for millions of them), each id doomed or rescued.
 *
 * A doomed id reads as deleted at once (as on every other backend), though its pack still holds
 * it until the collection's `finish` rewrites that pack. A put of a doomed id rescues it: the put
 * stores it again and the rewrite keeps it, so a rewrite planned before the put cannot take the
 * only copy away.
 */
import { IdTable } from '../../core/id-table.js'

const DOOMED = 1
const RESCUED = 2

/** One collection's pending deletions. */
export class Doomed {
  private readonly table = new IdTable()

  get size(): number {
    return this.table.size
  }

  /** Records `ids` (those rescued already stay rescued). */
  add(ids: readonly string[]): void {
    for (const id of ids) if (this.table.get(id) === undefined) this.table.set(id, DOOMED)
  }

  /** Whether `id` is still to be dropped (doomed and not rescued). */
  has(id: string): boolean {
    return this.table.get(id) === DOOMED
  }

  /** Marks `id` rescued if this collection records it; whether it did. */
  rescue(id: string): boolean {
    if (this.table.get(id) === undefined) return false
    this.table.set(id, RESCUED)
    return true
  }
}

export class PendingDeletions {
  private readonly collections = new Set<Doomed>()

  get any(): boolean {
    return this.collections.size > 0
  }

  begin(): Doomed {
    const doomed = new Doomed()
    this.collections.add(doomed)
    return doomed
  }

  end(doomed: Doomed): void {
    this.collections.delete(doomed)
  }

  /** Whether `id` is doomed by a pending deletion; if so, it is rescued (a put is storing it again). */
  rescue(id: string): boolean {
    let doomed = false
    for (const collection of this.collections) if (collection.rescue(id)) doomed = true
    return doomed
  }

  /** Whether readers must see `id` as deleted: doomed by a pending deletion and not stored again since. */
  deleted(id: string): boolean {
    for (const collection of this.collections) if (collection.has(id)) return true
    return false
  }

  /** `read` (answers for `ids`) with deleted ids' answers cleared. */
  hide<T>(ids: readonly string[], read: Array<T | undefined>): Array<T | undefined> {
    if (this.collections.size === 0) return read
    ids.forEach((id, i) => {
      if (read[i] !== undefined && this.deleted(id)) read[i] = undefined
    })
    return read
  }
}

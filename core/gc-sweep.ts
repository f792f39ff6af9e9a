/**
 * Garbage collection's sweep: lists every object, and deletes, a batch at a time, those that are
 * not alive (marked — young objects and what they reach included, see core/gc.ts — or written
 * during the collection) and not young now: objects another process wrote after the marking
 * listed the store are protected by the backend's grace period alone. Each batch is decided and deleted inside the coordinator's deletion section: no put
 * runs meanwhile, the collection takes its last look at refs, pins and roots inside it, and a
 * put arriving meanwhile waits and lands after the deletion (core/gc.ts, rules 3 and 5).
 */
import type { Backend, Deletions } from './backend.js'
import type { GcCoordinator } from './gc-coordinator.js'

export interface Sweep {
  readonly backend: Backend
  readonly coordinator: GcCoordinator
  /** Whether `id` is to be kept: marked, or written during the collection. */
  alive(id: string): boolean
  /** The last look before a batch of deletions: marks what refs, pins and roots reach now. */
  catchUp(): Promise<void>
  /** Which of `ids` the backend's grace period keeps now (see `Retained.young`). */
  young?(ids: readonly string[]): boolean[]
  onProgress?(done: number): void
}

export interface SweepReport {
  scanned: number
  kept: number
  removed: number
  bytesFreed: number
  /** Garbage kept at the sweep because it is younger than the grace period. */
  keptYoung: number
}

const BATCH = 1024

export async function sweep(plan: Sweep): Promise<SweepReport> {
  const { backend, coordinator } = plan
  const deletions: Deletions = backend.beginDeletions?.() ?? { delete: ids => backend.deleteObjects(ids), finish: async () => {} }
  let scanned = 0
  let removed = 0
  let bytesFreed = 0
  let keptYoung = 0
  let garbage: Array<[string, number | undefined]> = []
  // One batch of deletions runs while the listing goes on.
  let deleting: Promise<void> = Promise.resolve()
  const flush = async () => {
    let pending = garbage
    garbage = []
    if (plan.young && pending.length > 0) {
      const young = plan.young(pending.map(([id]) => id))
      const old = pending.filter((_, i) => !young[i])
      keptYoung += pending.length - old.length
      pending = old
    }
    const sizes = await sizesOf(backend, pending)
    await deleting
    deleting = coordinator.deleting(async () => {
      await plan.catchUp()
      const batch = pending.filter(([id]) => !plan.alive(id)).map(([id]) => id)
      if (batch.length === 0) return
      await deletions.delete(batch)
      coordinator.deleted(batch)
      removed += batch.length
      for (const id of batch) bytesFreed += sizes.get(id) ?? 0
    })
  }
  try {
    const listing = backend.objectSizes ? backend.objectSizes() : withoutSizes(backend.objectIds())
    for await (const entries of listing) {
      for (const [id, size] of entries) if (!plan.alive(id)) garbage.push([id, size])
      scanned += entries.length
      plan.onProgress?.(scanned)
      if (garbage.length >= BATCH) await flush()
    }
    await flush()
  } finally {
    await deleting.catch(() => {})
    // What was decided is applied even when the listing failed: each batch was checked already.
    await deletions.finish()
  }
  await deleting
  plan.onProgress?.(scanned)
  return { scanned, kept: scanned - removed, removed, bytesFreed, keptYoung }
}

/** Sizes the listing did not give, read from the objects themselves. */
async function sizesOf(backend: Backend, garbage: ReadonlyArray<[string, number | undefined]>): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  const unknown: string[] = []
  for (const [id, size] of garbage) {
    if (size === undefined) unknown.push(id)
    else sizes.set(id, size)
  }
  if (unknown.length > 0) (await backend.getObjects(unknown)).forEach((bytes, i) => sizes.set(unknown[i], bytes?.length ?? 0))
  return sizes
}

/** The id listing in batches, sizes unknown (read later for what is deleted). */
export async function* withoutSizes(ids: AsyncIterable<string>): AsyncIterable<Array<[string, number | undefined]>> {
  let batch: Array<[string, number | undefined]> = []
  for await (const id of ids) {
    batch.push([id, undefined])
    if (batch.length === 1000) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

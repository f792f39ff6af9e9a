/**
 * Reading ahead of the fetch walk (walk.ts): while the walk sends one run of commits, the trees
 * and blobs the next run will send are read in a few large batches, off the main thread where
 * the backend can (LevelDB's getMany runs in its thread pool). It mirrors the walk's comparison
 * of each commit's tree with its parent's, level by level, so it reads what the walk will ask
 * for. It is only a cache: what it did not read, the walk reads itself.
 */
import type { Backend } from '../../core/index.js'
import { type ScannedTree, scanTree, sharedEnds } from '../tree-entries.js'
import { encodeTreeDelta } from '../tree-delta.js'
import { type ChangedEntry, changedEntries } from './tree-changes.js'

/** Ids per backend read. */
const READ_BATCH = 2048
/** Bytes one run may hold; past it, the walk reads the rest itself. */
const BUDGET = 32 * 1024 * 1024

export type Lookup = (id: string) => Uint8Array | undefined

export interface ReadAhead {
  /** Objects read, by id. */
  readonly objects: Map<string, Uint8Array>
  /** The comparisons made on the way, by tree (the walk makes the same ones), with the tree delta when asked for. */
  readonly changes: Map<string, Comparison>
}

export interface Comparison {
  readonly reference: string | undefined
  readonly changed: ChangedEntry[]
  /** Whether `delta` was made (it is undefined when a delta would not be smaller than the tree). */
  readonly deltaMade: boolean
  readonly delta?: Uint8Array
}

/**
 * The objects below `roots` (pairs of a tree and the tree the client has at the same path, if
 * any) that differ from the reference: trees, and blobs when `blobs`. `known` answers for trees
 * already in memory (they are not read again).
 */
export async function readAhead(backend: Backend, roots: ReadonlyArray<readonly [string, string | undefined]>, known: Lookup, options: { blobs: boolean; deltas: boolean }): Promise<ReadAhead> {
  const ready = new Map<string, Uint8Array>()
  const changes: ReadAhead['changes'] = new Map()
  let bytes = 0
  const get = (id: string) => ready.get(id) ?? known(id)
  // A directory's version is scanned once, though it is compared as the new tree and then as the next one's reference.
  const scans = new Map<string, ScannedTree>()
  const scanOf = (id: string, body: Uint8Array) => {
    let scan = scans.get(id)
    if (scan === undefined) scans.set(id, (scan = scanTree(body)))
    return scan
  }
  const load = async (ids: Iterable<string>) => {
    const wanted = [...new Set(ids)].filter(id => get(id) === undefined)
    for (let start = 0; start < wanted.length && bytes < BUDGET; start += READ_BATCH) {
      const batch = wanted.slice(start, start + READ_BATCH)
      const framed = await backend.getObjects(batch)
      batch.forEach((id, i) => {
        const value = framed[i]
        if (value === undefined) return
        ready.set(id, value)
        bytes += value.length
      })
    }
  }
  let level = roots.filter(([id, reference]) => id !== reference)
  while (level.length > 0 && bytes < BUDGET) {
    await load(level.flatMap(([id, reference]) => (reference === undefined ? [id] : [id, reference])))
    const next: Array<[string, string | undefined]> = []
    const leaves: string[] = []
    for (const [id, reference] of level) {
      const framed = get(id)
      if (framed === undefined) continue
      const before = reference === undefined ? undefined : get(reference)
      const body = bodyOf(framed)
      const base = before && bodyOf(before)
      const mine = scanOf(id, body)
      const theirs = base && scanOf(reference!, base)
      const shared = theirs && sharedEnds(body, mine, base!, theirs)
      const changed = changedEntries(body, base, { mine, theirs, shared })
      const deltaMade = options.deltas && base !== undefined
      const delta = deltaMade ? encodeTreeDelta(body, base, mine, theirs, shared) : undefined
      // Kept only when it is the walk's own comparison (a reference not read is not "none").
      if (reference === undefined || before !== undefined) changes.set(id, { reference, changed, deltaMade, delta })
      for (const entry of changed) {
        if (entry.isGitlink) continue
        if (entry.isTree) {
          if (entry.id !== entry.before) next.push([entry.id, entry.before])
        } else if (options.blobs) leaves.push(entry.id)
      }
    }
    if (leaves.length > 0) await load(leaves)
    level = next
  }
  return { objects: ready, changes }
}

/** The body of a framed object (after `"<type> <len>\0"`). */
export function bodyOf(framed: Uint8Array): Uint8Array {
  return framed.subarray(framed.indexOf(0) + 1)
}

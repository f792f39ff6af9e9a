/**
 * The objects reachable from a set of ids (commits, annotated tags, trees or blobs: what refs
 * name): every tag down its chain (tag → tag → commit, tree or blob), every commit of their
 * history, every tree and blob of those commits, each visited once (an id table remembers what was seen, at ~30 bytes
 * per id). Objects are loaded in batches. With `readBlobs`, blobs are read too, which
 * hash-checks them (fsck); without, they are only checked for presence (the GC mark phase).
 *
 * A parent commit absent from the backend ends its line of history (a retention window or a
 * shallow clone): its child is reported in `boundary`, not as damage. Anything else absent is
 * reported in `missing`.
 */
import { COMMIT } from './commit.js'
import { DIR } from './dir.js'
import { CorruptObjectError, MissingObjectError } from './errors.js'
import { IdTable } from './id-table.js'
import { BLOB, type ObjectKind, type ObjectStore } from './object-store.js'
import { unframeObject } from './objects/frame.js'
import { parseTag } from './objects/git-tag.js'
import { GITLINK_MODE } from './objects/git-tree.js'

export interface ReachableOptions {
  /** Read (and so hash-check) every blob, not only check that it is present. */
  readBlobs?: boolean
  /** Called once per reachable object present in the backend. */
  onObject?(id: string, kind: 'tag' | 'commit' | 'tree' | 'blob'): void
  /** Ids already visited (they are not visited again, nor descended into). */
  seen?: IdTable
  /** Recorded ends of history: these commits' parents are not walked (git's shallow commits). */
  shallow?: ReadonlySet<string>
}

export interface Reachable {
  seen: IdTable
  tags: number
  commits: number
  trees: number
  blobs: number
  /** Objects named by a reachable commit or tree, or given as heads, but absent. */
  missing: string[]
  /** Commits with an absent parent: where history ends early. */
  boundary: string[]
}

const BATCH = 256

export async function reachable(objects: ObjectStore, heads: readonly string[], options: ReachableOptions = {}): Promise<Reachable> {
  const seen = options.seen ?? new IdTable()
  const result: Reachable = { seen, tags: 0, commits: 0, trees: 0, blobs: 0, missing: [], boundary: [] }
  const mark = (id: string) => seen.set(id, 1)
  // Commits, with the child that named each (undefined for heads): an absent parent is a boundary.
  const commits: Array<{ id: string; child?: string }> = []
  const trees: string[] = []
  const blobs: string[] = []
  await peel(objects, heads.filter(mark), mark, result, options, { commits, trees, blobs })
  // Every child of an absent parent is a boundary, whichever reached it first: children met
  // after a parent was queued wait for its load here; absent commits are remembered.
  const boundary = new Set<string>()
  const laterChildren = new Map<string, string[]>()
  // Absent heads and tagged objects are missing; a commit naming one as its parent is a boundary too.
  const absent = new Set<string>(result.missing)
  /** Commits queued (marked) and not loaded yet. */
  const queued = new Set(commits.map(c => c.id))
  while (commits.length > 0) {
    const batch = commits.splice(0, BATCH)
    const loaded = await Promise.all(batch.map(c => loadIfPresent(objects, c.id, COMMIT)))
    loaded.forEach((commit, i) => {
      const { id, child } = batch[i]
      queued.delete(id)
      const waiting = laterChildren.get(id)
      laterChildren.delete(id)
      if (commit === undefined) {
        if (child === undefined) result.missing.push(id)
        else boundary.add(child)
        absent.add(id)
        for (const other of waiting ?? []) boundary.add(other)
        return
      }
      result.commits++
      options.onObject?.(id, 'commit')
      if (mark(commit.tree)) trees.push(commit.tree)
      if (options.shallow?.has(id)) return
      for (const parent of commit.parents) {
        if (mark(parent)) {
          commits.push({ id: parent, child: id })
          queued.add(parent)
        } else if (absent.has(parent)) boundary.add(id)
        else if (queued.has(parent)) {
          const waiting = laterChildren.get(parent)
          if (waiting) waiting.push(id)
          else laterChildren.set(parent, [id])
        }
      }
    })
  }
  result.boundary.push(...boundary)
  while (trees.length > 0) {
    const batch = trees.splice(0, BATCH)
    const loaded = await Promise.all(batch.map(id => loadIfPresent(objects, id, DIR)))
    loaded.forEach((dir, i) => {
      if (dir === undefined) return void result.missing.push(batch[i])
      result.trees++
      options.onObject?.(batch[i], 'tree')
      dir.forEachChild((id, isTree, mode) => {
        if (mode === GITLINK_MODE || !mark(id)) return
        if (isTree) trees.push(id)
        else blobs.push(id)
      })
    })
  }
  for (let start = 0; start < blobs.length; start += BATCH) {
    const batch = blobs.slice(start, start + BATCH)
    const present = options.readBlobs
      ? await Promise.all(batch.map(id => objects.check(id, BLOB)))
      : await objects.backend.hasObjects(batch)
    batch.forEach((id, i) => {
      if (!present[i]) return void result.missing.push(id)
      result.blobs++
      options.onObject?.(id, 'blob')
    })
  }
  return result
}

/**
 * Sorts heads by type, following annotated tags to what they tag; a head or tagged object that is
 * absent is missing.
 */
async function peel(
  objects: ObjectStore,
  heads: string[],
  mark: (id: string) => boolean,
  result: Reachable,
  options: ReachableOptions,
  out: { commits: Array<{ id: string }>; trees: string[]; blobs: string[] },
): Promise<void> {
  while (heads.length > 0) {
    const batch = heads.splice(0, BATCH)
    const framed = await objects.backend.getObjects(batch)
    batch.forEach((id, i) => {
      const bytes = framed[i]
      if (bytes === undefined) return void result.missing.push(id)
      if (objects.hash(bytes) !== id) throw new CorruptObjectError(id, 'contents do not hash to the id')
      const { type, body } = unframeObject(id, bytes)
      if (type === 'commit') out.commits.push({ id })
      else if (type === 'tree') out.trees.push(id)
      else if (type === 'blob') out.blobs.push(id)
      else {
        result.tags++
        options.onObject?.(id, 'tag')
        const target = parseTag(id, body).object
        if (mark(target)) heads.push(target)
      }
    })
  }
}

async function loadIfPresent<T extends object>(objects: ObjectStore, id: string, kind: ObjectKind<T>): Promise<T | undefined> {
  try {
    return await objects.load(id, kind)
  } catch (error) {
    if (error instanceof MissingObjectError && error.id === id) return undefined
    throw error
  }
}

/**
 * Whether a pushed commit's closure is complete in the server's store, up to the store's own
 * history boundary (sync/PROTOCOL.md, push: `EINCOMPLETE`). Walks like git's connectivity check
 * (`rev-list --objects new --not --all`), but reads only what changed:
 * - commits from `new` down to commits known complete (what refs name: a ref's closure is complete,
 *   fsck's invariant) or to the recorded boundary;
 * - each new commit's tree side by side with the tree of a parent, reading only entries that differ
 *   (a parent's tree is complete: a ref's, or checked by this same walk — parents form no cycle, so
 *   when every commit passes, every tree is grounded in a complete one or walked whole).
 * The caller pins `new` first, so what the walk finds present stays present until the ref moves.
 */
import { type Commit, COMMIT } from '../../core/commit.js'
import { DIR } from '../../core/dir.js'
import { MissingObjectError, WrongObjectTypeError } from '../../core/errors.js'
import type { ObjectKind, ObjectStore } from '../../core/object-store.js'
import { BadRequestError } from '../errors.js'

/** Reported missing ids are capped here (PROTOCOL.md: `missing` lists up to 1,000). */
export const MAX_REPORTED_MISSING = 1000
const BATCH = 256

export interface KnownComplete {
  /** Commits whose closure is known complete (what refs name). */
  readonly complete: ReadonlySet<string>
  /** The store's recorded history boundary: these commits' parents need not be present. */
  readonly shallow: ReadonlySet<string>
}

/** Ids reachable from the commit `head` that the store lacks (empty: the closure is complete). */
export async function missingFromClosure(objects: ObjectStore, head: string, known: KnownComplete): Promise<string[]> {
  const missing: string[] = []
  const commits = await walkCommits(objects, head, known, missing)
  // Each new commit's tree, against the tree of a parent the walk reached (complete or checked).
  const pairs: Array<[tree: string, base: string | undefined]> = []
  for (const commit of commits.checked) {
    const base = commit.parents.map(id => commits.trees.get(id)).find(tree => tree !== undefined)
    pairs.push([commit.tree, base])
  }
  await checkTrees(objects, pairs, missing)
  return missing.slice(0, MAX_REPORTED_MISSING)
}

interface WalkedCommits {
  /** Commits to check (not known complete). */
  checked: Commit[]
  /** The root tree of every commit the walk reached and found present. */
  trees: Map<string, string>
}

async function walkCommits(objects: ObjectStore, head: string, known: KnownComplete, missing: string[]): Promise<WalkedCommits> {
  const out: WalkedCommits = { checked: [], trees: new Map() }
  const seen = new Set([head])
  let queue = [head]
  while (queue.length > 0 && missing.length < MAX_REPORTED_MISSING) {
    const batch = queue.splice(0, BATCH)
    const loaded = await Promise.all(batch.map(id => loadIfPresent(objects, id, COMMIT, id === head ? 'the pushed object' : 'a parent')))
    const next: string[] = []
    loaded.forEach((commit, i) => {
      const id = batch[i]
      if (commit === undefined) return void missing.push(id)
      out.trees.set(id, commit.tree)
      if (known.complete.has(id)) return
      out.checked.push(commit)
      if (known.shallow.has(id)) return
      for (const parent of commit.parents) if (!seen.has(parent)) (seen.add(parent), next.push(parent))
    })
    queue = next.concat(queue)
  }
  return out
}

async function checkTrees(objects: ObjectStore, roots: Array<[string, string | undefined]>, missing: string[]): Promise<void> {
  const seen = new Set<string>()
  const pairs = roots.filter(([tree, base]) => tree !== base && !seen.has(tree) && seen.add(tree))
  const blobs: string[] = []
  while (pairs.length > 0 && missing.length < MAX_REPORTED_MISSING) {
    const batch = pairs.splice(0, BATCH)
    const dirs = await Promise.all(
      batch.flatMap(([tree, base]) => [loadIfPresent(objects, tree, DIR, 'a tree'), base === undefined ? undefined : objects.load(base, DIR)]),
    )
    batch.forEach(([tree], k) => {
      const dir = dirs[2 * k]
      const base = dirs[2 * k + 1]
      if (dir === undefined) return void missing.push(tree)
      const visit = (i: number, baseIndex: number) => {
        if (dir.isGitlinkAt(i)) return
        const id = dir.idAt(i)
        if (seen.has(id)) return
        seen.add(id)
        if (!dir.isTreeAt(i)) return void blobs.push(id)
        const baseTree = base !== undefined && baseIndex >= 0 && base.isTreeAt(baseIndex) && !base.isGitlinkAt(baseIndex)
        pairs.push([id, baseTree ? base.idAt(baseIndex) : undefined])
      }
      if (base === undefined) for (let i = 0; i < dir.size; i++) visit(i, -1)
      else dir.forEachDifference(base, (i, j) => i >= 0 && visit(i, j))
    })
  }
  for (let start = 0; start < blobs.length && missing.length < MAX_REPORTED_MISSING; start += 16 * BATCH) {
    const batch = blobs.slice(start, start + 16 * BATCH)
    const present = await objects.backend.hasObjects(batch)
    batch.forEach((id, i) => present[i] || missing.push(id))
  }
}


async function loadIfPresent<T extends object>(objects: ObjectStore, id: string, kind: ObjectKind<T>, what: string): Promise<T | undefined> {
  try {
    return await objects.load(id, kind)
  } catch (error) {
    if (error instanceof MissingObjectError && error.id === id) return undefined
    if (error instanceof WrongObjectTypeError) throw new BadRequestError(`${what} ${id} is not a ${kind.type}`)
    throw error
  }
}

/**
 * Lowest common ancestors, as `git merge-base --all` computes them: walk down from both sides in
 * committer-date order painting each commit with the side(s) that reach it; a commit reached
 * from both is a candidate and paints its ancestors stale; stop when only stale commits remain.
 * Candidates that are ancestors of other candidates are then removed. Absent parents (a GC
 * window or shallow clone) end the walk on that line.
 */
import { COMMIT, type Commit } from './commit.js'
import { HistoryTooDeepError } from './errors.js'
import { Heap } from './heap.js'
import { loadCommitIfPresent } from './history.js'
import type { ObjectStore } from './object-store.js'

const ONE = 1
const TWO = 2
const STALE = 4
const RESULT = 8

/** A commit met by the walk: the sides that reach it, and how many queue entries it has. */
interface Painted {
  flags: number
  queued: number
}

interface Queued {
  commit: Commit
  painted: Painted
  time: number
  seq: number
}

async function paintDownToCommon(
  objects: ObjectStore,
  one: Commit,
  twos: readonly Commit[],
  maxCommits = Infinity,
): Promise<{ result: Commit[]; flags: Map<string, Painted> }> {
  let walked = 0
  // One map entry per commit met; queue entries are counted on it, so that painting a commit
  // stale can discount them from `nonStale` at once instead of scanning the queue (git's
  // queue_has_nonstale is a scan).
  const painted = new Map<string, Painted>()
  let nonStale = 0
  let seq = 0
  const queue = new Heap<Queued>((a, b) => a.time > b.time || (a.time === b.time && a.seq < b.seq))
  const paint = (node: Painted, add: number): void => {
    const old = node.flags
    node.flags = old | add
    if (!(old & STALE) && add & STALE) nonStale -= node.queued
  }
  const push = (commit: Commit, node: Painted, add: number) => {
    paint(node, add)
    queue.push({ commit, painted: node, time: commit.timestamp, seq: seq++ })
    node.queued++
    if (!(node.flags & STALE)) nonStale++
  }
  const nodeOf = (id: string): Painted => {
    let node = painted.get(id)
    if (node === undefined) painted.set(id, (node = { flags: 0, queued: 0 }))
    return node
  }
  push(one, nodeOf(one.id), ONE)
  for (const two of twos) push(two, nodeOf(two.id), TWO)
  const result: Commit[] = []
  while (nonStale > 0) {
    const { commit, painted: node } = queue.pop()!
    if (++walked > maxCommits) throw new HistoryTooDeepError(maxCommits)
    node.queued--
    const current = node.flags
    if (!(current & STALE)) nonStale--
    let sides = current & (ONE | TWO | STALE)
    if (sides === (ONE | TWO)) {
      if (!(current & RESULT)) {
        paint(node, RESULT)
        result.push(commit)
      }
      sides |= STALE
    }
    for (const id of commit.parents) {
      const parentNode = nodeOf(id)
      if ((parentNode.flags & sides) === sides) continue
      // Synchronously when the backend can (a walk of 10,000 commits then costs no promises), and
      // without caching each commit met once.
      const parent = objects.loadSyncUncached(id, COMMIT) ?? (await loadCommitIfPresent(objects, id))
      if (parent && (parentNode.flags & sides) !== sides) push(parent, parentNode, sides)
    }
  }
  return { result, flags: painted }
}

/** Commits among `candidates` that are not ancestors of another candidate. */
async function removeRedundant(objects: ObjectStore, candidates: Commit[]): Promise<Commit[]> {
  const redundant = new Set<string>()
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]
    if (redundant.has(c.id)) continue
    const others = candidates.filter((o, j) => j !== i && !redundant.has(o.id))
    if (others.length === 0) continue
    const { flags } = await paintDownToCommon(objects, c, others)
    if ((flags.get(c.id)?.flags ?? 0) & TWO) redundant.add(c.id)
    for (const o of others) if ((flags.get(o.id)?.flags ?? 0) & ONE) redundant.add(o.id)
  }
  return candidates.filter(c => !redundant.has(c.id))
}

/** The lowest common ancestors of two commits, as `git merge-base --all` gives them. */
export async function lowestCommonAncestors(objects: ObjectStore, a: Commit, b: Commit, maxCommits = Infinity): Promise<Commit[]> {
  return commonAncestorsOf(objects, a, [b], maxCommits)
}

/**
 * The lowest common ancestors of `one` and any of `others` (the parents of a virtual merge
 * commit, when recursive merges fold several ancestors into one). Throws `HistoryTooDeepError`
 * past `maxCommits` commits walked.
 */
export async function commonAncestorsOf(objects: ObjectStore, one: Commit, others: readonly Commit[], maxCommits = Infinity): Promise<Commit[]> {
  if (others.some(o => o.id === one.id)) return [one]
  const { result } = await paintDownToCommon(objects, one, others, maxCommits)
  if (result.length <= 1) return result
  return removeRedundant(objects, result)
}

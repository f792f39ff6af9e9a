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

async function paintDownToCommon(
  objects: ObjectStore,
  one: Commit,
  twos: readonly Commit[],
  maxCommits = Infinity,
): Promise<{ result: Commit[]; flags: Map<string, number> }> {
  let walked = 0
  const flags = new Map<string, number>()
  // How many queue entries each commit has, so that painting a commit stale can discount them
  // from `nonStale` at once instead of scanning the queue (git's queue_has_nonstale is a scan).
  const queued = new Map<string, number>()
  let nonStale = 0
  let seq = 0
  const queue = new Heap<{ commit: Commit; seq: number }>(
    (a, b) => a.commit.timestamp > b.commit.timestamp || (a.commit.timestamp === b.commit.timestamp && a.seq < b.seq),
  )
  const paint = (id: string, add: number): number => {
    const old = flags.get(id) ?? 0
    const next = old | add
    flags.set(id, next)
    if (!(old & STALE) && next & STALE) nonStale -= queued.get(id) ?? 0
    return next
  }
  const push = (commit: Commit, add: number) => {
    const now = paint(commit.id, add)
    queue.push({ commit, seq: seq++ })
    queued.set(commit.id, (queued.get(commit.id) ?? 0) + 1)
    if (!(now & STALE)) nonStale++
  }
  push(one, ONE)
  for (const two of twos) push(two, TWO)
  const result: Commit[] = []
  while (nonStale > 0) {
    const { commit } = queue.pop()!
    if (++walked > maxCommits) throw new HistoryTooDeepError(maxCommits)
    queued.set(commit.id, queued.get(commit.id)! - 1)
    const current = flags.get(commit.id)!
    if (!(current & STALE)) nonStale--
    let sides = current & (ONE | TWO | STALE)
    if (sides === (ONE | TWO)) {
      if (!(current & RESULT)) {
        paint(commit.id, RESULT)
        result.push(commit)
      }
      sides |= STALE
    }
    for (const id of commit.parents) {
      if (((flags.get(id) ?? 0) & sides) === sides) continue
      // Synchronously when the backend can: a walk of 10,000 commits then costs no promises.
      const parent = objects.loadSync(id, COMMIT) ?? (await loadCommitIfPresent(objects, id))
      if (parent && ((flags.get(parent.id) ?? 0) & sides) !== sides) push(parent, sides)
    }
  }
  return { result, flags }
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
    if ((flags.get(c.id) ?? 0) & TWO) redundant.add(c.id)
    for (const o of others) if ((flags.get(o.id) ?? 0) & ONE) redundant.add(o.id)
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

/**
 * History walks: newest first by committer date, each commit once, and never a commit before
 * one of its children when they share a second — as `git log --date-order` shows them. (Plain
 * `git log` goes by date alone and, on equal seconds, can show a parent first; a graph drawn from
 * that order draws edges to the wrong rows.) Only a parent dated after its child (a wrong clock)
 * can come first here: ruling that out needs the whole history first (see topo-order.ts, which
 * graphs use). A parent that is absent from the backend ends its line of history, as in a
 * shallow clone: that is how history looks after GC drops commits outside the retention window.
 */
import { COMMIT, type Commit } from './commit.js'
import { MissingObjectError } from './errors.js'
import { Heap } from './heap.js'
import type { ObjectStore } from './object-store.js'

export interface HistoryOptions {
  /** Generations to walk: 1 is the head alone. */
  depth?: number
  /** Commits to return at most. */
  limit?: number
}

interface Queued {
  commit: Commit
  depth: number
  /** Order of discovery: among commits of one second, the walk's own order. */
  seq: number
}

/** Loads a commit, or undefined when it is absent (beyond a shallow boundary). */
export async function loadCommitIfPresent(objects: ObjectStore, id: string): Promise<Commit | undefined> {
  try {
    return objects.peek(id, COMMIT) ?? (await objects.load(id, COMMIT))
  } catch (error) {
    if (error instanceof MissingObjectError && error.id === id) return undefined
    throw error
  }
}

/**
 * Walks second by second: the commits of the newest second left (and those of their ancestors
 * that share it) are gathered, then yielded children first, as git's --date-order breaks ties:
 * heads that nothing walked names as parent first (in walk order), then commits in the order
 * their last child was yielded.
 */
export async function* walkHistory(objects: ObjectStore, heads: readonly string[], options: HistoryOptions = {}): AsyncGenerator<Commit> {
  const depthLimit = options.depth ?? Infinity
  let remaining = options.limit ?? Infinity
  if (depthLimit < 1 || remaining < 1) return
  let seq = 0
  const queue = new Heap<Queued>((a, b) => a.commit.timestamp > b.commit.timestamp || (a.commit.timestamp === b.commit.timestamp && a.seq < b.seq))
  const seen = new Set<string>()
  /** For each commit a yielded commit names as parent: when the last such child was yielded. */
  const lastChildAt = new Map<string, number>()
  let events = 0
  const enqueue = async (ids: readonly string[], depth: number) => {
    for (const id of ids) {
      if (seen.has(id)) continue
      seen.add(id)
      const commit = objects.loadSync(id, COMMIT) ?? (await loadCommitIfPresent(objects, id))
      if (commit) queue.push({ commit, depth, seq: seq++ })
    }
  }
  await enqueue(heads, 1)
  while (queue.size > 0) {
    const second = queue.peek()!.commit.timestamp
    const group: Queued[] = []
    while (queue.size > 0 && queue.peek()!.commit.timestamp === second) {
      const queued = queue.pop()!
      group.push(queued)
      if (queued.depth < depthLimit) await enqueue(queued.commit.parents, queued.depth + 1)
    }
    for (const commit of childrenFirst(group, lastChildAt)) {
      yield commit
      if (--remaining === 0) return
      for (const parent of commit.parents) lastChildAt.set(parent, events++)
    }
  }
}

/**
 * One second's commits, each after its children in the group. Yielding a commit updates
 * `lastChildAt` (the caller does), which orders the parents it makes ready.
 */
function* childrenFirst(group: readonly Queued[], lastChildAt: ReadonlyMap<string, number>): Generator<Commit> {
  if (group.length === 1) return yield group[0].commit
  const childrenLeft = new Map<string, number>()
  const inGroup = new Map(group.map(queued => [queued.commit.id, queued]))
  for (const { commit } of group) {
    for (const parent of commit.parents) if (inGroup.has(parent)) childrenLeft.set(parent, (childrenLeft.get(parent) ?? 0) + 1)
  }
  // A head no walked commit names comes first, in walk order; then by when its last child went.
  const rank = (queued: Queued): [number, number] => {
    const at = lastChildAt.get(queued.commit.id)
    return at === undefined ? [0, queued.seq] : [1, at]
  }
  const ready = new Heap<Queued>((a, b) => {
    const [ra, rb] = [rank(a), rank(b)]
    return ra[0] < rb[0] || (ra[0] === rb[0] && ra[1] < rb[1])
  })
  for (const queued of group) if (!childrenLeft.has(queued.commit.id)) ready.push(queued)
  while (ready.size > 0) {
    const { commit } = ready.pop()!
    yield commit
    for (const parent of commit.parents) {
      const left = childrenLeft.get(parent)
      if (left === undefined) continue
      if (left === 1) {
        childrenLeft.delete(parent)
        ready.push(inGroup.get(parent)!)
      } else childrenLeft.set(parent, left - 1)
    }
  }
}

/**
 * History walks: newest first by committer date (git log's default order), each commit once.
 * A parent that is absent from the backend ends its line of history, as in a shallow clone:
 * that is how history looks after GC drops commits outside the retention window.
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

export async function* walkHistory(objects: ObjectStore, heads: readonly string[], options: HistoryOptions = {}): AsyncGenerator<Commit> {
  const depthLimit = options.depth ?? Infinity
  let remaining = options.limit ?? Infinity
  if (depthLimit < 1 || remaining < 1) return
  let seq = 0
  const queue = new Heap<Queued>((a, b) => a.commit.timestamp > b.commit.timestamp || (a.commit.timestamp === b.commit.timestamp && a.seq < b.seq))
  const seen = new Set<string>()
  const enqueue = async (ids: readonly string[], depth: number) => {
    for (const id of ids) {
      if (seen.has(id)) continue
      seen.add(id)
      const commit = objects.loadSync(id, COMMIT) ?? (await loadCommitIfPresent(objects, id))
      if (commit) queue.push({ commit, depth, seq: seq++ })
    }
  }
  await enqueue(heads, 1)
  while (queue.size > 0 && remaining > 0) {
    const { commit, depth } = queue.pop()!
    yield commit
    remaining--
    if (depth < depthLimit) await enqueue(commit.parents, depth + 1)
  }
}

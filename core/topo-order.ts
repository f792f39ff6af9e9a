/**
 * Graph order: the commits of a history walk with none before any of its children, whatever the
 * dates say (a parent dated after its child, by a wrong clock, is the case the walk itself cannot
 * see coming). A graph drawn in any other order draws an edge to the wrong row.
 */
import { Heap } from './heap.js'

export interface TopoNode {
  readonly id: string
  readonly parents: readonly string[]
}

/**
 * `commits` in the order a history walk gave them (history.ts: newest first, children first
 * within a second), all of them, since a commit waits until every child in the list is placed.
 * Of the commits whose children are all placed, the one earliest in the walk goes next: where
 * the walk is already topological (no clock skew), this is the walk's own order, which is
 * `git log --date-order`'s, the order whose lanes `irmin log --graph` draws as git does.
 */
export function topologicalOrder<C extends TopoNode>(commits: readonly C[]): C[] {
  const index = new Map<string, number>()
  commits.forEach((commit, i) => index.set(commit.id, i))
  const childrenLeft = new Map<number, number>()
  for (const commit of commits) {
    for (const parent of commit.parents) {
      const i = index.get(parent)
      if (i !== undefined) childrenLeft.set(i, (childrenLeft.get(i) ?? 0) + 1)
    }
  }
  const ready = new Heap<number>((a, b) => a < b)
  commits.forEach((_, i) => childrenLeft.has(i) || ready.push(i))
  const ordered: C[] = []
  while (ready.size > 0) {
    const commit = commits[ready.pop()!]
    ordered.push(commit)
    for (const parent of commit.parents) {
      const i = index.get(parent)
      if (i === undefined || !childrenLeft.has(i)) continue
      const left = childrenLeft.get(i)!
      if (left === 1) {
        childrenLeft.delete(i)
        ready.push(i)
      } else childrenLeft.set(i, left - 1)
    }
  }
  return ordered
}

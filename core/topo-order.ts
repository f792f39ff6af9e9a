/**
 * Graph order: the commits of a history walk re-ordered as `git log --graph` (which implies
 * `--topo-order`) shows them. No commit comes before any of its children, whatever the dates say
 * (equal seconds, wrong clocks), and a line of history is shown unbroken until it reaches a
 * commit that another line also leads to. A graph drawn in any other order draws an edge to the
 * wrong row.
 */
export interface TopoNode {
  readonly id: string
  readonly parents: readonly string[]
}

/**
 * `commits` in the order a history walk gave them (newest first by date), all of them: a commit
 * waits until every child in the list has been placed, so the whole walk must be known first,
 * as git's own topological sort needs it.
 *
 * git's algorithm (commit.c, sort_in_topological_order with REV_SORT_IN_GRAPH_ORDER): the tips
 * (commits no other listed commit names as parent) start a stack, first tip on top; take the top
 * commit, and push each parent (in parent order, so the last parent is taken next) whose last
 * child that was.
 */
export function topologicalOrder<C extends TopoNode>(commits: readonly C[]): C[] {
  const byId = new Map<string, C>()
  for (const commit of commits) byId.set(commit.id, commit)
  const childrenLeft = new Map<string, number>()
  for (const commit of commits) {
    for (const parent of commit.parents) if (byId.has(parent)) childrenLeft.set(parent, (childrenLeft.get(parent) ?? 0) + 1)
  }
  const stack = commits.filter(commit => !childrenLeft.has(commit.id)).reverse()
  const ordered: C[] = []
  while (stack.length > 0) {
    const commit = stack.pop()!
    ordered.push(commit)
    for (const parent of commit.parents) {
      const left = childrenLeft.get(parent)
      if (left === undefined) continue
      if (left === 1) {
        childrenLeft.delete(parent)
        stack.push(byId.get(parent)!)
      } else childrenLeft.set(parent, left - 1)
    }
  }
  return ordered
}

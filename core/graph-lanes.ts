/**
 * Lane layout of a commit graph, as `git log --graph` draws it: one row per commit (newest
 * first), each commit in a column ("lane"), and edges from every commit down to its parents.
 * Shared by the inspector's SVG and `irmin log --graph` (which draws the same layout in text), so
 * both pictures of a history agree; it lives in core/ because that is the one folder both cli/ and
 * web/ may import, and it is pure (the inspector imports this file alone, not core's index).
 * Rows must come in topological order (see topo-order.ts), or edges reach the wrong rows.
 *
 * A lane waits for one commit. A commit takes the leftmost lane waiting for it (a branch head,
 * which nothing waits for, opens a lane at the right); lanes that waited for it too (a fork) end
 * there. Its first parent continues its lane; each further parent (a merge) joins a lane already
 * waiting for it or opens one just right of it, pushing the lanes beyond one column right. Lanes
 * that end let the ones right of them move left, so the picture stays as narrow as git's.
 */
export interface GraphCommit {
  readonly id: string
  readonly parents: readonly string[]
}

export interface GraphRow {
  readonly id: string
  /** The commit's column. */
  readonly column: number
  /** Columns of lanes passing this row without touching its commit. */
  readonly passing: readonly number[]
}

/** A line from column `from` at `row` to column `to` at `row + 1` (below the last row: dangling). */
export interface GraphEdge {
  readonly row: number
  readonly from: number
  readonly to: number
}

export interface GraphLayout {
  readonly rows: readonly GraphRow[]
  readonly edges: readonly GraphEdge[]
  /** Columns used: the picture is this many lanes wide. */
  readonly width: number
}

interface Lane {
  readonly waitingFor: string
}

export function layoutGraph(commits: readonly GraphCommit[]): GraphLayout {
  let lanes: Lane[] = []
  const rows: GraphRow[] = []
  const edges: GraphEdge[] = []
  // Edges leaving the previous row: where each ends is known once this row is laid out.
  let pending: Array<{ from: number; lane: Lane }> = []
  let width = 0

  commits.forEach((commit, row) => {
    let column = lanes.findIndex(lane => lane.waitingFor === commit.id)
    if (column < 0) {
      column = lanes.length
      lanes.push({ waitingFor: commit.id })
    }
    for (const { from, lane } of pending) edges.push({ row: row - 1, from, to: lane.waitingFor === commit.id ? column : lanes.indexOf(lane) })

    const passing: number[] = []
    const below: Lane[] = []
    pending = []
    lanes.forEach((lane, index) => {
      if (index === column) {
        commit.parents.forEach((parent, nth) => {
          const waiting = nth === 0 ? undefined : lanes.find(other => other.waitingFor === parent)
          const target = waiting ?? { waitingFor: parent }
          if (!waiting) below.push(target)
          pending.push({ from: column, lane: target })
        })
      } else if (lane.waitingFor !== commit.id) {
        passing.push(index)
        below.push(lane)
        pending.push({ from: index, lane })
      }
    })
    rows.push({ id: commit.id, column, passing })
    width = Math.max(width, lanes.length, below.length)
    lanes = below
  })
  for (const { from, lane } of pending) edges.push({ row: commits.length - 1, from, to: lanes.indexOf(lane) })
  return { rows, edges, width }
}

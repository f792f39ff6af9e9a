/**
 * The lane layout (core/graph-lanes.ts) drawn in text, as `git log --graph` draws it: `*` for a commit,
 * `|` for a lane going on, `/` and `\` where lanes join, fork and shift. Each commit's text
 * follows its node and goes on beside the lines that join it to the next row.
 */
import { type GraphCommit, type GraphEdge, layoutGraph } from '../../core/graph-lanes.js'

export interface GraphEntry extends GraphCommit {
  /** The commit's lines of text: the first goes beside the node. */
  readonly lines: readonly string[]
}

export function drawGraph(entries: readonly GraphEntry[]): string[] {
  const layout = layoutGraph(entries)
  const edgesByRow = new Map<number, GraphEdge[]>()
  for (const edge of layout.edges) edgesByRow.set(edge.row, [...(edgesByRow.get(edge.row) ?? []), edge])
  const out: string[] = []
  entries.forEach((entry, index) => {
    const row = layout.rows[index]
    const edges = edgesByRow.get(index) ?? []
    const node = cells(Math.max(row.column, ...row.passing) + 1)
    for (const lane of row.passing) node[2 * lane] = '|'
    node[2 * row.column] = '*'
    const joins = joinLines(edges)
    const width = Math.max(node.length, ...joins.map(line => line.length))
    const text = [...entry.lines]
    out.push(withText(node, width, text.shift() ?? ''))
    for (const line of joins) out.push(withText(line, width, text.shift() ?? ''))
    const below = cells(Math.max(0, ...edges.map(e => e.to + 1)))
    for (const edge of edges) below[2 * edge.to] = '|'
    for (const line of text) out.push(withText(below, width, line))
  })
  return out
}

/**
 * The lines between two rows, none when every lane goes straight down. As in git, a lane moves
 * one column per line (`\` right, `/` left), so a lane moving further takes several lines.
 */
function joinLines(edges: readonly GraphEdge[]): string[][] {
  const steps = Math.max(0, ...edges.map(e => Math.abs(e.to - e.from)))
  const at = (edge: GraphEdge, step: number) => edge.from + Math.sign(edge.to - edge.from) * Math.min(step, Math.abs(edge.to - edge.from))
  const lines: string[][] = []
  for (let step = 1; step <= steps; step++) {
    const line = cells(Math.max(...edges.flatMap(e => [at(e, step - 1) + 1, at(e, step) + 1])))
    for (const edge of edges) {
      const [from, to] = [at(edge, step - 1), at(edge, step)]
      if (to === from) line[2 * from] = '|'
      else if (to > from) line[2 * from + 1] = '\\'
      else line[2 * to + 1] = '/'
    }
    lines.push(line)
  }
  return lines
}

function cells(lanes: number): string[] {
  return Array.from({ length: Math.max(0, 2 * lanes - 1) }, () => ' ')
}

function withText(line: readonly string[], width: number, text: string): string {
  const graph = line.join('').padEnd(width)
  return text ? `${graph} ${text}` : graph.trimEnd()
}

/**
 * The commit graph as an SVG picture: one circle per commit, in its lane, and a line from each
 * commit down to each parent (curved where it changes lanes). Lines to parents beyond the loaded
 * page run off the bottom. Rows line up with the commit list beside it (ROW_HEIGHT each).
 */
import { type GraphLayout, layoutGraph, type GraphCommit } from '../../core/graph-lanes.js'
import { svg } from './dom.js'

export const ROW_HEIGHT = 32
const LANE_WIDTH = 18
const RADIUS = 6
const PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#4d7c0f']

const x = (lane: number) => LANE_WIDTH / 2 + 4 + lane * LANE_WIDTH
const y = (row: number) => ROW_HEIGHT / 2 + row * ROW_HEIGHT
const colour = (lane: number) => PALETTE[lane % PALETTE.length]

export interface GraphViewOptions {
  selected: string | undefined
  onOpen(id: string): void
}

export function graphView(commits: readonly GraphCommit[], options: GraphViewOptions): SVGSVGElement {
  const layout: GraphLayout = layoutGraph(commits)
  const width = x(layout.width - 1) + LANE_WIDTH / 2 + 4
  const height = Math.max(1, commits.length) * ROW_HEIGHT
  const picture = svg('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'commit graph' })
  for (const edge of layout.edges) {
    const [x1, y1, x2] = [x(edge.from), y(edge.row), x(edge.to)]
    const y2 = edge.row + 1 < commits.length ? y(edge.row + 1) : height + RADIUS
    const middle = (y1 + y2) / 2
    const d = x1 === x2 ? `M${x1} ${y1}V${y2}` : `M${x1} ${y1}C${x1} ${middle} ${x2} ${middle} ${x2} ${y2}`
    picture.append(svg('path', { d, class: 'edge', stroke: colour(Math.max(edge.from, edge.to)) }))
  }
  layout.rows.forEach((row, index) => {
    const circle = svg(
      'circle',
      {
        cx: x(row.column),
        cy: y(index),
        r: RADIUS,
        class: row.id === options.selected ? 'commit selected' : 'commit',
        fill: colour(row.column),
        'data-id': row.id,
        onclick: () => options.onOpen(row.id),
      },
      svg('title', {}, row.id),
    )
    picture.append(circle)
  })
  return picture
}

/**
 * The commit-graph layout shared by `irmin log --graph` and the inspector: on random histories
 * every parent link is one unbroken chain of edges from the child's node down to the parent's
 * node, and every commit has its own row; and the text drawing of small histories is what
 * `git log --graph` prints.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { drawGraph } from '../../cli/format/graph.js'
import { type GraphCommit, layoutGraph } from '../../core/graph-lanes.js'

/** A random history, newest first: each commit's parents are among the commits after it. */
const histories = fc
  .array(fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 9 })), { minLength: 1, maxLength: 40 })
  .map(specs => {
    const count = specs.length
    return specs.map(([a, b, shape], row): GraphCommit => {
      const older = count - row - 1
      if (older === 0 || shape === 0) return { id: `c${row}`, parents: [] }
      const first = row + 1 + (a % Math.min(older, 3))
      const second = row + 1 + (b % older)
      return { id: `c${row}`, parents: shape >= 7 && second !== first ? [`c${first}`, `c${second}`] : [`c${first}`] }
    })
  })

describe('layoutGraph', () => {
  it('draws every parent link as an unbroken line of edges from child to parent', () => {
    fc.assert(
      fc.property(histories, commits => {
        const layout = layoutGraph(commits)
        expect(layout.rows.map(r => r.id)).toEqual(commits.map(c => c.id))
        const edgesFrom = (row: number, column: number) => layout.edges.filter(e => e.row === row && e.from === column)
        for (const [row, commit] of commits.entries()) {
          // Follow every edge that leaves the node: each must end in a parent's node, and each
          // parent must be reached.
          const reached = new Set<string>()
          let frontier = new Set(edgesFrom(row, layout.rows[row].column).map(e => e.to))
          for (let r = row + 1; r < commits.length && frontier.size > 0; r++) {
            const column = layout.rows[r].column
            if (frontier.has(column)) {
              expect(commit.parents, `a line from ${commit.id} runs into ${commits[r].id}`).toContain(commits[r].id)
              reached.add(commits[r].id)
              frontier.delete(column)
            }
            frontier = new Set([...frontier].flatMap(c => edgesFrom(r, c).map(e => e.to)))
          }
          expect([...reached].sort(), `the parents of ${commit.id}`).toEqual([...commit.parents].sort())
        }
        for (const row of layout.rows) expect(row.column).toBeLessThan(layout.width)
      }),
      { numRuns: 300 },
    )
  })
})

describe('drawGraph', () => {
  const draw = (commits: Array<[string, string[]]>) => drawGraph(commits.map(([id, parents]) => ({ id, parents, lines: [id] }))).join('\n')

  it('draws a fork and a merge as git log --graph does', () => {
    expect(
      draw([
        ['m', ['c', 'f']],
        ['f', ['a']],
        ['c', ['a']],
        ['a', []],
      ]),
    ).toBe(['*   m', '|\\', '| * f', '* | c', '|/', '* a'].join('\n'))
  })

  it('shifts lanes one column per line, and puts later lines of text beside the lanes', () => {
    const lines = drawGraph([
      { id: 'x', parents: ['z'], lines: ['x', 'second line of x', 'third line of x'] },
      { id: 'y', parents: ['z'], lines: ['y'] },
      { id: 'w', parents: ['z'], lines: ['w'] },
      { id: 'z', parents: [], lines: ['z'] },
    ])
    expect(lines).toEqual(['* x', '| second line of x', '| third line of x', '| * y', '| | * w', '|/ /', '|/', '* z'])
  })
})

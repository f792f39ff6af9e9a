/**
 * Three-way merge of texts line by line, as `git merge` merges a file: the changes each side
 * made to the base (line-diff.ts) are applied together where they touch different lines; where
 * they overlap or touch, and differ, the result is a conflict holding the three versions of that
 * stretch. `withMarkers` writes a conflicted merge as git leaves the file (diff3 style):
 *
 *   <<<<<<< ours
 *   our lines
 *   ||||||| base
 *   the base's lines
 *   =======
 *   their lines
 *   >>>>>>> theirs
 */
import { type LineHunk, lineDiff, splitLines } from './line-diff.js'

export type MergeChunk = { readonly kind: 'merged'; readonly text: string } | { readonly kind: 'conflict'; readonly base: string; readonly ours: string; readonly theirs: string }

export interface LineMerge {
  /** True when no stretch conflicts: `text` is then the merged text. */
  readonly clean: boolean
  readonly chunks: readonly MergeChunk[]
}

interface Edit {
  /** The replaced lines of the base: [start, end), 0-based. */
  readonly start: number
  readonly end: number
  readonly lines: readonly string[]
  readonly side: 'ours' | 'theirs'
}

function edits(base: string, other: string, side: Edit['side']): Edit[] {
  // git's merges diff without the indent heuristic (it is a diff option, not a merge one).
  return lineDiff(base, other, { context: 0, indentHeuristic: false }).map((h: LineHunk) => {
    const start = h.oldLines === 0 ? h.oldStart : h.oldStart - 1
    const lines = h.lines.filter(l => l.kind === 'added').map(l => (l.newline ? `${l.text}\n` : l.text))
    return { start, end: start + h.oldLines, lines, side }
  })
}

export function mergeLines(base: string, ours: string, theirs: string): LineMerge {
  const b = splitLines(base)
  const all = [...edits(base, ours, 'ours'), ...edits(base, theirs, 'theirs')].sort((x, y) => x.start - y.start || x.end - y.end)
  const chunks: MergeChunk[] = []
  const merged = (text: string) => text && chunks.push({ kind: 'merged', text })
  let at = 0
  for (let i = 0; i < all.length; ) {
    const group = [all[i]]
    let start = all[i].start
    let end = all[i].end
    for (i++; i < all.length && all[i].start <= end; i++) {
      group.push(all[i])
      end = Math.max(end, all[i].end)
    }
    start = Math.min(start, ...group.map(e => e.start))
    merged(b.slice(at, start).join(''))
    const version = (side: Edit['side']) => apply(b, start, end, group.filter(e => e.side === side))
    const [o, t] = [version('ours'), version('theirs')]
    const sides = new Set(group.map(e => e.side))
    if (sides.size === 1 || o === t) merged(sides.has('ours') ? o : t)
    else chunks.push({ kind: 'conflict', base: b.slice(start, end).join(''), ours: o, theirs: t })
    at = end
  }
  merged(b.slice(at).join(''))
  return { clean: chunks.every(c => c.kind === 'merged'), chunks }
}

/** Base lines [start, end) with one side's edits (all inside that stretch) applied. */
function apply(b: readonly string[], start: number, end: number, sideEdits: readonly Edit[]): string {
  let out = ''
  let at = start
  for (const e of sideEdits) {
    out += b.slice(at, e.start).join('') + e.lines.join('')
    at = e.end
  }
  return out + b.slice(at, end).join('')
}

/** The merged text, conflicts written between git's markers. */
export function withMarkers(merge: LineMerge, labels: { ours: string; base: string; theirs: string }): string {
  const line = (text: string) => (text === '' || text.endsWith('\n') ? text : `${text}\n`)
  let out = ''
  for (const c of merge.chunks) {
    if (c.kind === 'merged') out += c.text
    else out = `${line(out)}<<<<<<< ${labels.ours}\n${line(c.ours)}||||||| ${labels.base}\n${line(c.base)}=======\n${line(c.theirs)}>>>>>>> ${labels.theirs}\n`
  }
  return out
}

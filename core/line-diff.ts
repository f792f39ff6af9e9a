/**
 * Line diffs of two texts as unified hunks, the way `git diff` computes and groups them (the
 * engine is in line-diff-engine.ts): 3 lines of context by default, hunks closer than twice the
 * context merged, and each hunk's heading the nearest line above it that starts with a letter,
 * `_` or `$` (git's default "function name"). Returned as data, so the CLI prints it as git
 * does and the inspector draws it.
 *
 *   const hunks = lineDiff('a\nb\nc\n', 'a\nB\nc\n')
 *   // [{ oldStart: 1, oldLines: 3, newStart: 1, newLines: 3, heading: '', lines: [
 *   //   { kind: 'context', text: 'a', newline: true }, { kind: 'removed', text: 'b', ... }, ... ] }]
 */
import { markChanges } from './line-diff-engine.js'

export interface DiffLine {
  readonly kind: 'context' | 'removed' | 'added'
  /** The line without its line ending. */
  readonly text: string
  /** False only for a last line that has no newline (git prints "\ No newline at end of file"). */
  readonly newline: boolean
}

export interface LineHunk {
  /** As git prints them in `@@ -oldStart,oldLines +newStart,newLines @@`: 1-based; with 0 lines, the line before. */
  readonly oldStart: number
  readonly oldLines: number
  readonly newStart: number
  readonly newLines: number
  /** The text after the second `@@` (git's function context), or ''. */
  readonly heading: string
  readonly lines: readonly DiffLine[]
}

export interface LineDiffOptions {
  /** Lines of context around each change (default 3, as git). */
  readonly context?: number
  /** git's indent heuristic for placing a change that could slide (default on, as git). */
  readonly indentHeuristic?: boolean
}

/** Splits text into lines, each with its `\n` (the last may have none). */
export function splitLines(text: string): string[] {
  const lines: string[] = []
  let start = 0
  for (;;) {
    const end = text.indexOf('\n', start)
    if (end === -1) break
    lines.push(text.slice(start, end + 1))
    start = end + 1
  }
  if (start < text.length) lines.push(text.slice(start))
  return lines
}

/** One run of changes: `chg1` lines of the old text at `i1` became `chg2` lines of the new at `i2`. */
interface Change {
  i1: number
  i2: number
  chg1: number
  chg2: number
}

/** The hunks that turn `before` into `after`; none when they are equal. */
export function lineDiff(before: string, after: string, options: LineDiffOptions = {}): LineHunk[] {
  const context = options.context ?? 3
  const a = splitLines(before)
  const b = splitLines(after)
  const marks = markChanges(a, b, options.indentHeuristic ?? true)
  const changes = changeList(marks.old, a.length, marks.new, b.length)
  const hunks: LineHunk[] = []
  for (let first = 0; first < changes.length; ) {
    let last = first
    while (last + 1 < changes.length && changes[last + 1].i1 - (changes[last].i1 + changes[last].chg1) <= 2 * context) last++
    hunks.push(hunk(a, b, changes.slice(first, last + 1), context))
    first = last + 1
  }
  return hunks
}

function changeList(changed1: Uint8Array, n1: number, changed2: Uint8Array, n2: number): Change[] {
  const at = (c: Uint8Array, i: number) => c[i + 1] === 1
  const changes: Change[] = []
  for (let i1 = n1, i2 = n2; i1 >= 0 || i2 >= 0; i1--, i2--) {
    if (at(changed1, i1 - 1) || at(changed2, i2 - 1)) {
      const l1 = i1
      const l2 = i2
      while (at(changed1, i1 - 1)) i1--
      while (at(changed2, i2 - 1)) i2--
      changes.push({ i1, i2, chg1: l1 - i1, chg2: l2 - i2 })
    }
  }
  return changes.reverse()
}

function hunk(a: readonly string[], b: readonly string[], changes: readonly Change[], context: number): LineHunk {
  const first = changes[0]
  const last = changes[changes.length - 1]
  const s1 = Math.max(first.i1 - context, 0)
  const s2 = Math.max(first.i2 - context, 0)
  const after = Math.min(context, a.length - (last.i1 + last.chg1), b.length - (last.i2 + last.chg2))
  const e1 = last.i1 + last.chg1 + after
  const e2 = last.i2 + last.chg2 + after
  const lines: DiffLine[] = []
  const push = (kind: DiffLine['kind'], line: string) =>
    lines.push(line.endsWith('\n') ? { kind, text: line.slice(0, -1), newline: true } : { kind, text: line, newline: false })
  let j2 = s2
  for (const change of changes) {
    for (; j2 < change.i2; j2++) push('context', b[j2])
    for (let j = change.i1; j < change.i1 + change.chg1; j++) push('removed', a[j])
    for (let j = change.i2; j < change.i2 + change.chg2; j++) push('added', b[j])
    j2 = change.i2 + change.chg2
  }
  for (; j2 < e2; j2++) push('context', b[j2])
  const oldLines = e1 - s1
  const newLines = e2 - s2
  return { oldStart: oldLines ? s1 + 1 : s1, oldLines, newStart: newLines ? s2 + 1 : s2, newLines, heading: headingAbove(a, s1), lines }
}

const HEADING_BYTES = 80

/** git's default function line: the nearest line above `index` starting with a letter, `_` or `$`. */
function headingAbove(lines: readonly string[], index: number): string {
  for (let i = index - 1; i >= 0; i--) {
    if (!/^[A-Za-z_$]/.test(lines[i])) continue
    let bytes = new TextEncoder().encode(lines[i])
    if (bytes.length > HEADING_BYTES) bytes = bytes.subarray(0, HEADING_BYTES)
    return new TextDecoder().decode(bytes).replace(/[ \t\n\v\f\r]+$/, '')
  }
  return ''
}

/** Applies hunks made by `lineDiff(before, …)` to `before`; throws when they do not fit it. */
export function applyHunks(before: string, hunks: readonly LineHunk[]): string {
  const a = splitLines(before)
  const out: string[] = []
  let next = 0
  const whole = (line: DiffLine) => (line.newline ? `${line.text}\n` : line.text)
  for (const h of hunks) {
    const start = h.oldLines === 0 ? h.oldStart : h.oldStart - 1
    if (start < next) throw new Error(`hunk at line ${h.oldStart} overlaps the one before`)
    out.push(...a.slice(next, start))
    next = start
    for (const line of h.lines) {
      if (line.kind === 'added') out.push(whole(line))
      else {
        if (a[next] !== whole(line)) throw new Error(`hunk at line ${h.oldStart} does not fit line ${next + 1}`)
        if (line.kind === 'context') out.push(a[next])
        next++
      }
    }
  }
  out.push(...a.slice(next))
  return out.join('')
}

/** As git decides it: data with a NUL byte in its first 8,000 bytes is binary, not text. */
export function isBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8000)
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true
  return false
}

/** Lines added and removed by a set of hunks (git's --stat numbers). */
export function countChanges(hunks: readonly LineHunk[]): { added: number; removed: number } {
  let added = 0
  let removed = 0
  for (const h of hunks) for (const line of h.lines) line.kind === 'added' ? added++ : line.kind === 'removed' ? removed++ : 0
  return { added, removed }
}

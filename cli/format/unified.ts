/** Hunks from core/line-diff.ts as `git diff` prints them (the part after the `+++` line). */
import type { LineHunk } from '../../core/line-diff.js'

const MARK = { context: ' ', removed: '-', added: '+' } as const

export function hunkHeader(h: LineHunk): string {
  const range = (start: number, lines: number) => (lines === 1 ? `${start}` : `${start},${lines}`)
  return `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@${h.heading ? ` ${h.heading}` : ''}`
}

/** The lines of the hunks, without line endings. */
export function unifiedLines(hunks: readonly LineHunk[]): string[] {
  const out: string[] = []
  for (const h of hunks) {
    out.push(hunkHeader(h))
    for (const line of h.lines) {
      out.push(MARK[line.kind] + line.text)
      if (!line.newline) out.push('\\ No newline at end of file')
    }
  }
  return out
}

/**
 * Merge conflicts as `merge` and `revert` report them: one line each (path, kind, reason), then
 * for a text value the stretches both sides changed, between git's conflict markers with the
 * base's version too (diff3 style: <<<<<<< ours ||||||| base ======= >>>>>>> theirs); or JSON
 * with the three versions (base, ours, theirs; absent where a side has none) as `get` renders
 * values, and `marked`, the whole value with markers, for text.
 */
import { mergeLines, withMarkers } from '../../core/line-merge.js'
import { type Conflict, formatPath, isBinary, type Json, MergeConflictError } from '../../index.js'
import type { ContentsName } from '../command.js'
import { ConflictsError } from '../errors.js'
import { jsonValues } from '../values.js'

export function conflictLine(conflict: Conflict<Uint8Array>): string {
  return `conflict: ${formatPath(conflict.path)} (${conflict.kind}: ${conflict.reason})`
}

/** Labels of the markers: the branch merged into, and what was merged. */
export interface ConflictLabels {
  readonly ours: string
  readonly theirs: string
}

export function conflictJson(conflict: Conflict<Uint8Array>, contents: ContentsName, labels?: ConflictLabels): Record<string, Json> {
  const { base, ours, theirs } = conflict
  const marked = labels && markedText(conflict, labels)
  return { path: formatPath(conflict.path), kind: conflict.kind, reason: conflict.reason, ...jsonValues({ base, ours, theirs }, contents), ...(marked ? { marked } : {}) }
}

/** A content conflict on text, merged line by line with the clashing stretches between markers. */
function markedText(conflict: Conflict<Uint8Array>, labels: ConflictLabels): string | undefined {
  const { base, ours, theirs } = conflict
  if (conflict.kind !== 'content' || ours === undefined || theirs === undefined) return undefined
  const sides = [base ?? new Uint8Array(), ours, theirs]
  if (sides.some(isBinary)) return undefined
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    const [b, o, t] = sides.map(bytes => decoder.decode(bytes))
    return withMarkers(mergeLines(b, o, t), { ...labels, base: 'base' })
  } catch {
    return undefined
  }
}

/** The conflict's line, then for text the clashing stretches between markers. */
function conflictLines(conflict: Conflict<Uint8Array>, labels: ConflictLabels): string[] {
  const marked = markedText(conflict, labels)
  if (marked === undefined) return [conflictLine(conflict)]
  const lines = marked.split('\n')
  const shown: string[] = []
  let inside = false
  for (const line of lines) {
    if (line.startsWith('<<<<<<< ')) inside = true
    if (inside) shown.push(line)
    if (line.startsWith('>>>>>>> ')) inside = false
  }
  return [conflictLine(conflict), ...shown]
}

/** Runs `merge` (`what` names it); conflicts it was not told to resolve become a `ConflictsError` listing them. */
export async function reportingConflicts<R>(what: string, contents: ContentsName, labels: ConflictLabels, merge: () => Promise<R>): Promise<R> {
  try {
    return await merge()
  } catch (error) {
    if (!(error instanceof MergeConflictError)) throw error
    // The store is opened with bytes contents, so the conflicts carry bytes.
    const conflicts = error.conflicts as ReadonlyArray<Conflict<Uint8Array>>
    const count = `${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`
    throw new ConflictsError(
      `${what} stopped by ${count}, nothing changed (--conflicts ours, theirs, base or keep-both resolves them)`,
      conflicts.flatMap(conflict => conflictLines(conflict, labels)),
      { conflicts: conflicts.map(conflict => conflictJson(conflict, contents, labels)) },
    )
  }
}

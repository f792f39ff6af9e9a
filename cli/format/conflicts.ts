/**
 * Merge conflicts as `merge` and `revert` report them: one line each (path, kind, reason), or
 * JSON with the three versions (base, ours, theirs; absent where a side has none) as `get`
 * renders values.
 */
import { type Conflict, formatPath, type Json, MergeConflictError } from '../../index.js'
import type { ContentsName } from '../command.js'
import { ConflictsError } from '../errors.js'
import { jsonValues } from '../values.js'

export function conflictLine(conflict: Conflict<Uint8Array>): string {
  return `conflict: ${formatPath(conflict.path)} (${conflict.kind}: ${conflict.reason})`
}

export function conflictJson(conflict: Conflict<Uint8Array>, contents: ContentsName): Record<string, Json> {
  const { base, ours, theirs } = conflict
  return { path: formatPath(conflict.path), kind: conflict.kind, reason: conflict.reason, ...jsonValues({ base, ours, theirs }, contents) }
}

/** Runs `merge` (`what` names it); conflicts it was not told to resolve become a `ConflictsError` listing them. */
export async function reportingConflicts<R>(what: string, contents: ContentsName, merge: () => Promise<R>): Promise<R> {
  try {
    return await merge()
  } catch (error) {
    if (!(error instanceof MergeConflictError)) throw error
    // The store is opened with bytes contents, so the conflicts carry bytes.
    const conflicts = error.conflicts as ReadonlyArray<Conflict<Uint8Array>>
    const count = `${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}`
    throw new ConflictsError(
      `${what} stopped by ${count}, nothing changed (--conflicts ours, theirs or keep-both resolves them)`,
      conflicts.map(conflictLine),
      { conflicts: conflicts.map(conflict => conflictJson(conflict, contents)) },
    )
  }
}

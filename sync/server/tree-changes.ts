/**
 * The entries of a tree that differ from a reference tree at the same path, read from the raw
 * tree bodies. Consecutive versions of a directory share almost every entry, so entries are
 * compared as bytes (mode, name, id) in one merge pass over both sorted lists, and only the ones
 * that differ are turned into hex ids: a history walk meets every version of every directory.
 */
import { toHex } from '../../core/index.js'
import { compareEntries, isGitlinkEntry, isTreeEntry, sameEntry, type ScannedTree, scanTree, type SharedEnds, sharedEnds } from '../tree-entries.js'

export interface ChangedEntry {
  readonly id: string
  readonly isTree: boolean
  readonly isGitlink: boolean
  /** The reference's entry of the same name and kind, when it is a tree: the subtree to compare with. */
  readonly before?: string
}

/** `scans`: the two trees already scanned, and their shared ends (the caller reuses them for a tree delta). */
export function changedEntries(body: Uint8Array, reference: Uint8Array | undefined, scans?: { mine: ScannedTree; theirs?: ScannedTree; shared?: SharedEnds }): ChangedEntry[] {
  const mine = scans?.mine ?? scanTree(body)
  const theirs = reference === undefined ? { starts: [], names: [], nuls: [] } : (scans?.theirs ?? scanTree(reference))
  const out: ChangedEntry[] = []
  // Only what lies between the entries both share at either end is merged.
  const { head, mineTail, theirsTail } = reference === undefined ? { head: 0, mineTail: mine.starts.length, theirsTail: 0 } : (scans?.shared ?? sharedEnds(body, mine, reference, theirs))
  let j = head
  for (let i = head; i < mineTail; i++) {
    let c = 1
    while (j < theirsTail && (c = compareEntries(body, mine, i, reference!, theirs, j)) > 0) j++
    if (j >= theirsTail) c = 1
    if (c === 0 && sameEntry(body, mine, i, reference!, theirs, j)) continue
    const start = mine.starts[i]
    const nul = mine.nuls[i]
    const entry = { id: toHex(body, nul + 1, nul + 21), isTree: isTreeEntry(body, start), isGitlink: isGitlinkEntry(body, start) }
    const before = c === 0 && entry.isTree && isTreeEntry(reference!, theirs.starts[j]) ? toHex(reference!, theirs.nuls[j] + 1, theirs.nuls[j] + 21) : undefined
    out.push(before === undefined ? entry : { ...entry, before })
  }
  return out
}

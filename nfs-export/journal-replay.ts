/**
 * Which journal records a crash left out of history. A record was taken in when a commit made
 * after its base holds it — the path, and for a file's bytes those bytes and mode: then it stays out,
 * even if the path is gone or changed since (removed, renamed or written later). Otherwise —
 * the head's history reaches the base and no commit on the way holds it — it is replayed. A
 * base the walk does not reach (the branch was reset elsewhere, or more than `limit` commits
 * ago) is not replayed: the branch moved past it.
 */
import type { Store } from '../core/store.js'
import type { Tree } from '../core/tree.js'
import type { JournalRecord } from './create-journal.js'

export async function replayable(store: Store<Uint8Array>, treeOf: (id: string) => Tree<Uint8Array>, records: JournalRecord[], limit = 100_000): Promise<JournalRecord[]> {
  const open = new Set(records)
  const replay = new Set<JournalRecord>()
  for await (const commit of store.history({ limit })) {
    if (open.size === 0) break
    const tree = treeOf(commit.tree)
    for (const record of [...open]) {
      if (commit.id === record.base) {
        open.delete(record)
        replay.add(record)
      } else if (await holds(tree, record)) open.delete(record)
    }
  }
  // Made on a branch with no commits, and no commit holds it: replayed.
  for (const record of open) if (record.base === undefined) replay.add(record)
  return records.filter(r => replay.has(r))
}

async function holds(tree: Tree<Uint8Array>, record: JournalRecord): Promise<boolean> {
  if (record.bytes === undefined) return (await tree.kind(record.path)) !== undefined
  if ((await tree.kind(record.path)) !== 'file' || (await tree.modeAndId(record.path))?.mode !== record.mode) return false
  const bytes = await tree.get(record.path)
  return bytes !== undefined && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(record.bytes)
}

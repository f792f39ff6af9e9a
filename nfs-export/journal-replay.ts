/**
 * Which journaled creates a crash left out of history. A record was taken in when a commit made
 * after its base holds its path: then it stays out, even if the path is gone since (removed or
 * renamed later). Otherwise — the head's history reaches the base and no commit on the way has
 * the path — it is replayed. A base the walk does not reach (the branch was reset elsewhere, or
 * more than `limit` commits ago) is not replayed: the branch moved past it.
 */
import type { Store } from '../core/store.js'
import type { Tree } from '../core/tree.js'
import type { CreateRecord } from './create-journal.js'

export async function replayable(store: Store<Uint8Array>, treeOf: (id: string) => Tree<Uint8Array>, records: CreateRecord[], limit = 100_000): Promise<CreateRecord[]> {
  const open = new Set(records)
  const replay: CreateRecord[] = []
  for await (const commit of store.history({ limit })) {
    if (open.size === 0) break
    const tree = treeOf(commit.tree)
    for (const record of [...open]) {
      if (commit.id === record.base) {
        open.delete(record)
        replay.push(record)
      } else if ((await tree.kind(record.path)) !== undefined) open.delete(record)
    }
  }
  // Made on a branch with no commits, and no commit has the path: replayed.
  for (const record of open) if (record.base === undefined) replay.push(record)
  return records.filter(r => replay.includes(r))
}

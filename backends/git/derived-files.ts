/**
 * git's derived indexes that name objects: the commit-graph (`objects/info/commit-graph`, or a
 * chain in `objects/info/commit-graphs/`), the multi-pack index and its bitmap and reverse index.
 * After `git gc` they name every commit; once a collection deletes some, `git fsck` and
 * `git rev-list` would read parents of commits that are gone. They are removed before anything
 * is deleted (so they never name a missing object); git rebuilds them on its next `gc`/`fetch`.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { removeFile } from './durable.js'

export async function removeDerivedIndexes(objectsDir: string): Promise<void> {
  const info = join(objectsDir, 'info')
  await removeFile(join(info, 'commit-graph'))
  const chain = join(info, 'commit-graphs')
  for (const name of list(chain)) await removeFile(join(chain, name))
  const packDir = join(objectsDir, 'pack')
  for (const name of list(packDir)) if (name.startsWith('multi-pack-index')) await removeFile(join(packDir, name))
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/**
 * Every backend GC runs on, fresh for each test, for the tests of GC beside writers: memory,
 * LevelDB, git (with no grace period, so that a collection deletes what writers just made
 * garbage), PostgreSQL (likewise with no grace period; a fresh database on the process's throwaway cluster: test/helpers/postgres.ts)
 * and, with `indexedDb`, IndexedDB on fake-indexeddb (the caller imports 'fake-indexeddb/auto').
 * Directories are pushed to `dirs` for the caller to remove. `url` is the PostgreSQL database's,
 * for tests that open it again from other processes.
 */
import { join } from 'node:path'
import { type Backend, openGitBackend, openIndexedDbBackend, openLevelBackend, openMemoryBackend, openPostgresBackend } from '../../index.js'
import { tempDir } from './git.js'
import { freshDatabase } from './postgres.js'

/** LevelDB options that put every object in the value log and compact its small files often. */
export const VALUE_LOG_EVERYWHERE = { valueLogMin: 0, bulkValueLogMin: 0, valueLogFileBytes: 32 * 1024, compactDeadBytes: 1 }

export type OpenForGc = () => Promise<{ backend: Backend; gitDir?: string; url?: string }>

export function gcBackends(dirs: string[], options: { indexedDb?: boolean } = {}): Array<[name: string, open: OpenForGc]> {
  const fresh = (prefix: string) => {
    const dir = tempDir(prefix)
    dirs.push(dir)
    return dir
  }
  const backends: Array<[string, OpenForGc]> = [
    ['memory', async () => ({ backend: openMemoryBackend() })],
    ['LevelDB', async () => ({ backend: await openLevelBackend(join(fresh('irmin-gc-level-'), 'db')) })],
    // Every object in the value log, small files, compacted as soon as half dead: GC's deletions
    // and the writers race the compactions' pointer moves.
    ['LevelDB (value log)', async () => ({ backend: await openLevelBackend(join(fresh('irmin-gc-vlog-'), 'db'), VALUE_LOG_EVERYWHERE) })],
    [
      'git',
      async () => {
        const dir = fresh('irmin-gc-git-')
        return { backend: await openGitBackend(dir, { create: true, pruneExpireMs: 0 }), gitDir: dir }
      },
    ],
    [
      'PostgreSQL',
      async () => {
        const url = await freshDatabase()
        return { backend: await openPostgresBackend(url, { graceMs: 0 }), url }
      },
    ],
  ]
  let databases = 0
  if (options.indexedDb) backends.push(['IndexedDB (fake-indexeddb)', async () => ({ backend: await openIndexedDbBackend(`gc-${process.pid}-${++databases}`) })])
  return backends
}

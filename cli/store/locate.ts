/**
 * What `--root` holds. The two persistent backends leave unmistakable directories — LevelDB
 * writes `CURRENT` (the name of its manifest), git has `HEAD`, `objects/` and `refs/` (or a
 * `.git` beside a work tree) — so the backend is read from the directory itself and no marker
 * file is needed. A PostgreSQL store lives in its database; the directory holds `postgres.json`,
 * saying which (postgres-root.ts).
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { findRepository, statOrUndefined } from '../../backends/git/repository.js'
import { NotAStoreError } from '../errors.js'
import { postgresFile } from './postgres-root.js'

export type StoredBackend = 'level' | 'git' | 'postgres'

/** What is at `root`: a store, nothing (absent or an empty directory), or an error for anything else. */
export function locateStore(root: string): StoredBackend | 'none' {
  const info = statOrUndefined(root)
  if (info === undefined) return 'none'
  if (!info.isDirectory()) throw new NotAStoreError(root, 'it is a file, not a directory')
  if (statOrUndefined(postgresFile(root))?.isFile()) return 'postgres'
  if (findRepository(root) !== undefined) return 'git'
  if (statOrUndefined(join(root, 'CURRENT'))?.isFile()) return 'level'
  if (readdirSync(root).length === 0) return 'none'
  throw new NotAStoreError(root, 'the directory holds neither a LevelDB store, a git repository nor a PostgreSQL store description')
}

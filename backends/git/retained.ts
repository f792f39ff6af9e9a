/**
 * What garbage collection keeps in a git repository besides what refs reach, as `git gc` does:
 * - every id a reflog line names, old and new (`logs/HEAD`, `logs/refs/**`, and each linked
 *   work tree's `logs/HEAD`): `git fsck` reports a reflog entry naming a missing object;
 * - every blob and cache-tree a work tree's index names (staged but uncommitted work);
 * - a detached HEAD (the repository's, each linked work tree's);
 * - objects younger than the grace period (git's `gc.pruneExpire`, two weeks by default), and
 *   what they reach: core/gc.ts marks from young objects as from pins (git's
 *   `mark_recent_objects`), so a young commit never outlives its older tree.
 *
 * Youth is the mtime of the file holding the object: a loose file's own, a pack's for the
 * objects in it. Packs count too, unlike a reading of git's rule that prunes only loose objects:
 * git itself explodes unreachable packed objects younger than the expiry into loose ones (or
 * keeps their mtimes in a cruft pack) before pruning, so its effective rule is the same; and
 * irminsule writes every batch as a pack, so a writer in another process, whose objects no ref
 * names yet, is protected only if packs count. A rewritten pack (a roll-up, a deletion) takes
 * the newest mtime of its sources, so rewriting never makes old garbage look young forever.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Retained } from '../../core/backend.js'
import { indexObjectIds } from './index-file.js'
import type { LooseObjects } from './loose.js'
import type { PackSet } from './pack-set.js'
import type { Repository } from './repository.js'

const ZERO_ID = '0'.repeat(40)
const ID = /^[0-9a-f]{40}$/

/** The ids reflogs, indexes and detached HEADs name. */
export function retainedRoots(repository: Repository): string[] {
  const ids = new Set<string>()
  const gitDirs = [repository.gitDir, ...linkedWorkTrees(repository.commonDir)]
  for (const dir of new Set([repository.commonDir, ...gitDirs])) {
    for (const log of reflogs(dir)) {
      for (const line of readText(log).split('\n')) {
        const [oldId, newId] = line.split(' ', 2)
        for (const id of [oldId, newId]) if (id !== undefined && ID.test(id) && id !== ZERO_ID) ids.add(id)
      }
    }
  }
  for (const dir of gitDirs) {
    const head = readText(join(dir, 'HEAD')).trim()
    if (ID.test(head)) ids.add(head)
    const index = readBytes(join(dir, 'index'))
    if (index) for (const id of indexObjectIds(index)) ids.add(id)
  }
  return [...ids]
}

/** The grace-period test: an object is young when the file holding it changed after `cutoffMs`. */
export function youngObjects(packs: PackSet, loose: LooseObjects, cutoffMs: number): Retained['young'] {
  const packMtimes = new Map<string, number>()
  const packMtime = (name: string) => {
    let mtime = packMtimes.get(name)
    if (mtime === undefined) packMtimes.set(name, (mtime = packs.mtimeOf(name)))
    return mtime
  }
  return ids => {
    const young = ids.map(id => packs.locateAll(id).some(({ pack }) => packMtime(pack.name) > cutoffMs))
    const looseIds = loose.presentAmong(ids.filter((_, i) => !young[i]))
    if (looseIds.size > 0) ids.forEach((id, i) => (young[i] ||= looseIds.has(id) && loose.mtimeOf(id) > cutoffMs))
    return young
  }
}

function linkedWorkTrees(commonDir: string): string[] {
  const root = join(commonDir, 'worktrees')
  return listDir(root).map(name => join(root, name))
}

/** Reflog files: `logs/HEAD` and everything under `logs/refs`. */
function reflogs(dir: string): string[] {
  const files = [join(dir, 'logs', 'HEAD')]
  const walk = (path: string) => {
    for (const name of listDir(path)) {
      const child = join(path, name)
      if (statSync(child, { throwIfNoEntry: false })?.isDirectory()) walk(child)
      else files.push(child)
    }
  }
  walk(join(dir, 'logs', 'refs'))
  return files
}

/** Absent files and directories are empty; any other failure throws (GC must not guess). */
function absentAs<T>(read: () => T, absent: T): T {
  try {
    return read()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return absent
    throw error
  }
}

function listDir(dir: string): string[] {
  return absentAs(() => readdirSync(dir), [])
}

function readBytes(path: string): Uint8Array | undefined {
  return absentAs<Uint8Array | undefined>(() => readFileSync(path), undefined)
}

function readText(path: string): string {
  return readBytes(path)?.toString() ?? ''
}

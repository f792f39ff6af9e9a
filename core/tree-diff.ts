/**
 * The changes between two directory trees, for `Tree.diff`: subtrees with equal ids are skipped
 * whole, so the work is proportional to what changed, not to the size of the trees.
 */
import { type Dir, type Entry, loadDir } from './dir.js'
import type { ObjectStore } from './object-store.js'
import type { Path } from './path.js'
import type { Change } from './tree.js'

export interface PendingChange {
  path: Path
  kind: Change<unknown>['kind']
  before?: Entry
  after?: Entry
}

export async function diffDirs(objects: ObjectStore, prefix: string[], a: Dir, b: Dir, out: PendingChange[]): Promise<void> {
  if (a === b || (a.id !== undefined && a.id === b.id)) return
  const inB = new Map(b.entries().map(e => [e.name, e]))
  const recursions: Promise<void>[] = []
  const everything = async (entry: Entry, path: string[], kind: 'added' | 'removed'): Promise<void> => {
    if (!entry.isTree) {
      if (!entry.isGitlink) out.push(kind === 'added' ? { path, kind, after: entry } : { path, kind, before: entry })
      return
    }
    const dir = await loadDir(objects, entry)
    await Promise.all(dir.entries().map(child => everything(child, [...path, child.name], kind)))
  }
  const all = (entry: Entry, path: string[], kind: 'added' | 'removed') => recursions.push(everything(entry, path, kind))
  for (const ea of a.entries()) {
    const path = [...prefix, ea.name]
    const eb = inB.get(ea.name)
    inB.delete(ea.name)
    if (eb === undefined) all(ea, path, 'removed')
    else if (ea.isTree && eb.isTree) {
      if (ea.id !== eb.id) {
        recursions.push(
          Promise.all([loadDir(objects, ea), loadDir(objects, eb)]).then(([da, db]) => diffDirs(objects, path, da, db, out)),
        )
      }
    } else if (!ea.isTree && !eb.isTree) {
      if (ea.id !== eb.id || ea.mode !== eb.mode) out.push({ path, kind: 'updated', before: ea, after: eb })
    } else {
      all(ea, path, 'removed')
      all(eb, path, 'added')
    }
  }
  for (const eb of inB.values()) all(eb, [...prefix, eb.name], 'added')
  await Promise.all(recursions)
}

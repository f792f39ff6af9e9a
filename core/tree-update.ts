/**
 * How `Tree.update` applies many changes at once: the changes are gathered into a tree of
 * pending nodes by path, then each changed directory is derived from its base once, children
 * before parents, loading only the directories on changed paths.
 */
import { Dir, Entry, loadDir } from './dir.js'
import type { ObjectStore } from './object-store.js'
import type { Path } from './path.js'

/** Pending changes below one path: what replaces the entry there, then changes beneath it. */
export class ChangeNode {
  hasEntry = false
  entry: Entry | null | undefined
  children: Map<string, ChangeNode> | undefined
  /** A set went through here: a file at this path has been replaced by a directory. */
  displaced = false

  add(path: Path, entry: Entry | null): void {
    let node: ChangeNode = this
    for (const step of path) {
      if (entry !== null) node.displaced = true
      node.children ??= new Map()
      let child = node.children.get(step)
      if (!child) {
        child = new ChangeNode()
        node.children.set(step, child)
      }
      node = child
    }
    // A later change at a path supersedes earlier changes beneath it.
    node.hasEntry = true
    node.entry = entry
    node.children = undefined
    node.displaced = false
  }
}

export async function applyNode(objects: ObjectStore, base: Dir, children: Map<string, ChangeNode>): Promise<Dir> {
  const changes = new Map<string, Entry | null>()
  const subtrees: Array<Promise<void>> = []
  for (const [name, node] of children) {
    const result = resolveChild(objects, base, name, node)
    if (result instanceof Promise) subtrees.push(result.then(entry => void changes.set(name, entry)))
    else changes.set(name, result)
  }
  if (subtrees.length > 0) await Promise.all(subtrees)
  return Dir.derive(base, changes)
}

function resolveChild(objects: ObjectStore, base: Dir, name: string, node: ChangeNode): Entry | null | Promise<Entry | null> {
  const old = base.get(name, node.children !== undefined)
  let entry = node.hasEntry ? node.entry! : (old ?? null)
  if (entry !== null && entry.name !== name) entry = entry.renamed(name)
  if (!node.children) return entry
  if (node.displaced && entry !== null && !entry.isTree) entry = null
  const loaded = entry?.isTree ? loadDir(objects, entry) : Dir.empty()
  const finish = (dir: Dir): Promise<Entry | null> =>
    applyNode(objects, dir, node.children!).then(next => {
      if (next === dir && entry?.isTree) return entry
      // Only removals beneath a file (or nothing): the file stays; an emptied directory goes.
      if (next.size === 0) return entry?.isTree ? null : entry
      return Entry.tree(name, next, entry ?? undefined)
    })
  return loaded instanceof Promise ? loaded.then(finish) : finish(loaded)
}

/**
 * What a push sends (browser-safe): the objects `head` reaches that the remote lacks, in the
 * order PROTOCOL.md asks of a push stream — every object after those it refers to (blobs and
 * subtrees before their tree, a commit's tree before it, a parent before its child).
 *
 * The walk mirrors the server's closure check (sync/server/push-check.ts): commits from `head`
 * down to commits the remote has (its refs); each new commit's tree compared with its parent's,
 * so only what changed is listed. Ids only: the bytes are read again while streaming, so a push
 * of a whole store never sits in memory.
 */
import { type Commit, COMMIT } from '../../core/commit.js'
import { DIR } from '../../core/dir.js'
import { loadCommitIfPresent } from '../../core/history.js'
import type { ObjectStore } from '../../core/object-store.js'

/** Ids to send for `head`, in stream order; `remote`: commits the remote has with their closure. */
export async function objectsToPush(objects: ObjectStore, head: string, remote: ReadonlySet<string>): Promise<string[]> {
  const commits = await newCommitsParentsFirst(objects, head, remote)
  const out: string[] = []
  const listed = new Set<string>()
  const treeOf = new Map<string, string>()
  for (const commit of commits) {
    const parent = commit.parents.find(id => remote.has(id) || treeOf.has(id))
    const base = parent === undefined ? undefined : (treeOf.get(parent) ?? (await objects.load(parent, COMMIT)).tree)
    await listTree(objects, commit.tree, base, listed, out)
    treeOf.set(commit.id, commit.tree)
    out.push(commit.id)
  }
  return out
}

/** Commits `head` reaches that `remote` does not, each after its parents. */
async function newCommitsParentsFirst(objects: ObjectStore, head: string, remote: ReadonlySet<string>): Promise<Commit[]> {
  if (remote.has(head)) return []
  const order: Commit[] = []
  const state = new Map<string, 'open' | 'done'>()
  // Depth-first, iteratively (histories are deeper than the stack): a commit is listed once its parents are.
  const stack: Array<{ commit: Commit; next: number }> = [{ commit: await objects.load(head, COMMIT, 'the pushed head'), next: 0 }]
  state.set(head, 'open')
  while (stack.length > 0) {
    const top = stack[stack.length - 1]
    const parents = top.commit.parents
    if (top.next === parents.length) {
      stack.pop()
      state.set(top.commit.id, 'done')
      order.push(top.commit)
      continue
    }
    const parent = parents[top.next++]
    if (remote.has(parent) || state.has(parent)) continue
    const commit = await loadCommitIfPresent(objects, parent)
    if (commit === undefined) continue // our own history boundary (a shallow clone)
    state.set(parent, 'open')
    stack.push({ commit, next: 0 })
  }
  return order
}

/** Appends the subtrees and blobs of `tree` that `base` (a tree the remote has at the same path) lacks, then `tree`. */
async function listTree(objects: ObjectStore, tree: string, base: string | undefined, listed: Set<string>, out: string[]): Promise<void> {
  if (tree === base || listed.has(tree)) return
  listed.add(tree)
  const [dir, baseDir] = await Promise.all([objects.load(tree, DIR), base === undefined ? undefined : objects.load(base, DIR)])
  const children: Array<[id: string, isTree: boolean, base: string | undefined]> = []
  const visit = (i: number, j: number) => {
    if (dir.isGitlinkAt(i)) return
    const baseTree = baseDir !== undefined && j >= 0 && baseDir.isTreeAt(j) && !baseDir.isGitlinkAt(j) ? baseDir.idAt(j) : undefined
    children.push([dir.idAt(i), dir.isTreeAt(i), baseTree])
  }
  if (baseDir === undefined) for (let i = 0; i < dir.size; i++) visit(i, -1)
  else dir.forEachDifference(baseDir, (i, j) => i >= 0 && visit(i, j))
  for (const [id, isTree, baseTree] of children) {
    if (isTree) await listTree(objects, id, baseTree, listed, out)
    else if (!listed.has(id)) (listed.add(id), out.push(id))
  }
  out.push(tree)
}


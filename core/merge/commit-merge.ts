/**
 * Merging commits: against their lowest common ancestor; when there are several (criss-cross
 * merges), against a virtual ancestor made by merging those ancestors recursively (git's
 * "recursive" strategy), where a path the ancestors disagree on keeps their own ancestor's
 * version, so the disagreement surfaces in the real merge instead of being decided early.
 * Unrelated histories merge against the empty tree.
 */
import type { Commit } from '../commit.js'
import { commonAncestorsOf } from '../lca.js'
import type { ObjectStore } from '../object-store.js'
import type { Tree } from '../tree.js'
import { mergeTrees, type TreeMergeOptions, type TreeMergeResult } from './tree-merge.js'

export interface MergeContext<T> {
  readonly objects: ObjectStore
  treeOf(id: string): Tree<T>
  emptyTree(): Tree<T>
}

export interface CommitMergeOptions extends TreeMergeOptions {
  /** Give up (HistoryTooDeepError) when the common-ancestor search walks more commits than this. */
  maxDepth?: number
}

export type CommitMergeOutcome<T> =
  | { kind: 'up-to-date' }
  | { kind: 'fast-forward' }
  | ({ kind: 'merge' } & TreeMergeResult<T>)

/** Merges `theirs` into `ours`. */
export async function mergeCommits<T>(ctx: MergeContext<T>, ours: Commit, theirs: Commit, options: CommitMergeOptions = {}): Promise<CommitMergeOutcome<T>> {
  const lcas = await commonAncestorsOf(ctx.objects, theirs, [ours], options.maxDepth)
  if (lcas.some(c => c.id === theirs.id)) return { kind: 'up-to-date' }
  if (lcas.some(c => c.id === ours.id)) return { kind: 'fast-forward' }
  const base = await ancestorTree(ctx, lcas, options.maxDepth)
  return { kind: 'merge', ...(await mergeTrees(base, ctx.treeOf(ours.tree), ctx.treeOf(theirs.tree), options)) }
}

/** The tree of the common ancestor: empty, the one LCA, or several folded into a virtual one. */
async function ancestorTree<T>(ctx: MergeContext<T>, lcas: readonly Commit[], maxDepth?: number): Promise<Tree<T>> {
  if (lcas.length === 0) return ctx.emptyTree()
  let tree = ctx.treeOf(lcas[0].tree)
  const folded: Commit[] = [lcas[0]]
  for (const next of lcas.slice(1)) {
    const base = await ancestorTree(ctx, await commonAncestorsOf(ctx.objects, next, folded, maxDepth), maxDepth)
    tree = (await mergeTrees(base, tree, ctx.treeOf(next.tree), { conflicts: 'base' })).tree
    folded.push(next)
  }
  return tree
}
